{#-
  Keyword routing of free text (metrics.md section 6): case-insensitive, on word
  boundaries, the keyword taken literally (regex metacharacters escaped), keywords may
  contain spaces ("due date").

  The boundary is spelled out as "start/end of text or a character that is not an ASCII
  letter, digit or underscore" rather than with each engine's boundary escape: RE2
  (DuckDB) writes it \b, Postgres' ARE \y (\b is a backspace there), and the two disagree
  on non-ASCII letters. The explicit class means the same on both. It also lets keywords
  that start or end with punctuation (c++) match, which \b would not.
-#}
{% macro voc_matches_keyword(text_expr, keyword_expr) -%}
    {{ return(adapter.dispatch('voc_matches_keyword', 'insights')(text_expr, keyword_expr)) }}
{%- endmacro %}

{% macro duckdb__voc_matches_keyword(text_expr, keyword_expr) -%}
    regexp_matches({{ text_expr }}, {{ voc_keyword_pattern(keyword_expr) }}, 'i')
{%- endmacro %}

{% macro postgres__voc_matches_keyword(text_expr, keyword_expr) -%}
    ({{ text_expr }} ~* {{ voc_keyword_pattern(keyword_expr) }})
{%- endmacro %}

{% macro voc_keyword_pattern(keyword_expr) -%}
    ('(^|[^A-Za-z0-9_])' || {{ voc_regex_escape(keyword_expr) }} || '([^A-Za-z0-9_]|$)')
{%- endmacro %}

{# Backslash-escape every regex metacharacter (same syntax and result on RE2 and ARE) #}
{% macro voc_regex_escape(expr) -%}
    {{ return(adapter.dispatch('voc_regex_escape', 'insights')(expr)) }}
{%- endmacro %}

{% macro default__voc_regex_escape(expr) -%}
    regexp_replace({{ expr }}, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g')
{%- endmacro %}

{# True when the text holds at least one non-whitespace character #}
{% macro voc_has_text(expr) -%}
    {{ return(adapter.dispatch('voc_has_text', 'insights')(expr)) }}
{%- endmacro %}

{% macro duckdb__voc_has_text(expr) -%}
    coalesce(regexp_matches({{ expr }}, '[^[:space:]]'), false)
{%- endmacro %}

{% macro postgres__voc_has_text(expr) -%}
    coalesce({{ expr }} ~ '[^[:space:]]', false)
{%- endmacro %}
