{#-
  SQL that is spelled differently on DuckDB/Postgres (default__) and Spark (spark__, in
  spark_dialect.sql). dbt's own cross-database macros (dbt.dateadd, dbt.type_*, ...) are used
  where they exist and mean the same; these cover what they do not, or where dbt's version
  would change the DuckDB/Postgres result (dbt.type_float is a 4-byte float on DuckDB).
-#}

{# Text type of casts: `text` on DuckDB/Postgres, `string` on Spark #}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text', 'insights')()) }}
{%- endmacro %}

{% macro default__type_text() -%}
    text
{%- endmacro %}

{# The same for the models that cast to varchar (a distinct type on Postgres) #}
{% macro type_varchar() -%}
    {{ return(adapter.dispatch('type_varchar', 'insights')()) }}
{%- endmacro %}

{% macro default__type_varchar() -%}
    varchar
{%- endmacro %}

{# 8-byte float type of casts (ratios, shares, medians) #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'insights')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{#
  string_agg of `expr` ordered by `order_by` (a list of expressions, byte order), null over no
  rows. distinct=true drops repeated values (then order_by must be [expr]).
#}
{% macro ordered_string_agg(expr, separator, order_by, distinct=false) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'insights')(expr, separator, order_by, distinct)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expr, separator, order_by, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expr }}, '{{ separator }}' order by {{ order_by | join(', ') }})
{%- endmacro %}

{# 1-based element `n` of a list (DuckDB and Postgres lists are 1-based, Spark arrays 0-based) #}
{% macro list_item(list_expr, n) -%}
    {{ return(adapter.dispatch('list_item', 'insights')(list_expr, n)) }}
{%- endmacro %}

{% macro default__list_item(list_expr, n) -%}
    {{ list_expr }}[{{ n }}]
{%- endmacro %}

{# True when `text_expr` matches the regular expression `pattern_expr` somewhere (null on null) #}
{% macro regexp_contains(text_expr, pattern_expr) -%}
    {{ return(adapter.dispatch('regexp_contains', 'insights')(text_expr, pattern_expr)) }}
{%- endmacro %}

{% macro duckdb__regexp_contains(text_expr, pattern_expr) -%}
    regexp_matches({{ text_expr }}, {{ pattern_expr }})
{%- endmacro %}

{% macro postgres__regexp_contains(text_expr, pattern_expr) -%}
    ({{ text_expr }} ~ {{ pattern_expr }})
{%- endmacro %}

{# Whole seconds between two timestamps, as a number (epoch difference) #}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('seconds_between', 'insights')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__seconds_between(start_expr, end_expr) -%}
    extract(epoch from ({{ end_expr }} - {{ start_expr }}))
{%- endmacro %}

{# Wall-clock time in zone `tz` of a zone-less UTC timestamp, and back #}
{% macro utc_to_local(utc_ts, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'insights')(utc_ts, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(utc_ts, tz) -%}
    (({{ utc_ts }}) at time zone 'UTC') at time zone '{{ tz }}'
{%- endmacro %}

{% macro local_to_utc(local_ts, tz) -%}
    {{ return(adapter.dispatch('local_to_utc', 'insights')(local_ts, tz)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_ts, tz) -%}
    (({{ local_ts }} at time zone '{{ tz }}') at time zone 'UTC')
{%- endmacro %}

{# ISO 8601 text with a zone -> UTC timestamp without zone #}
{% macro iso_text_to_utc(text_expr) -%}
    {{ return(adapter.dispatch('iso_text_to_utc', 'insights')(text_expr)) }}
{%- endmacro %}

{% macro default__iso_text_to_utc(text_expr) -%}
    (cast({{ text_expr }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{#
  A series of timestamps from start to end (both included, `step` such as '1 day' or '7 days')
  as a lateral join clause giving <alias>.series_ts; no rows when a bound is null.
#}
{% macro timestamp_series(start_expr, end_expr, step, alias) -%}
    {{ return(adapter.dispatch('timestamp_series', 'insights')(start_expr, end_expr, step, alias)) }}
{%- endmacro %}

{% macro default__timestamp_series(start_expr, end_expr, step, alias) -%}
    cross join lateral generate_series(
        cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval '{{ step }}'
    ) as {{ alias }} (series_ts)
{%- endmacro %}
