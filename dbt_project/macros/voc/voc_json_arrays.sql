{#-
  One row per element of a JSON array, with its 1-based position in the array, as a
  lateral join clause: {{ voc_json_array_rows('t.payload', ['tags'], 'tag') }} gives
  tag.element (JSON) and tag.ordinal. The ordinal is what makes "first tag" or "first
  field" well defined. A missing, null or non-array value yields no rows (never an error,
  which jsonb_array_elements would raise on a scalar).
-#}
{% macro voc_json_array_rows(column, path, alias) -%}
    {{ return(adapter.dispatch('voc_json_array_rows', 'insights')(column, path, alias)) }}
{%- endmacro %}

{% macro duckdb__voc_json_array_rows(column, path, alias) -%}
    cross join lateral unnest(
        json_extract({{ column }}, '{{ voc_json_path(path) }}[*]')
    ) with ordinality as {{ alias }} (element, ordinal)
{%- endmacro %}

{% macro postgres__voc_json_array_rows(column, path, alias) -%}
    {%- set value = column ~ " #> '{" ~ (path | join(',')) ~ "}'" -%}
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof({{ value }}) = 'array' then {{ value }} else '[]'::jsonb end
    ) with ordinality as {{ alias }} (element, ordinal)
{%- endmacro %}

{# DuckDB JSON path with quoted keys, so keys such as `$insert_id` need no escaping #}
{% macro voc_json_path(path) -%}
    ${% for key in path %}."{{ key }}"{% endfor %}
{%- endmacro %}
