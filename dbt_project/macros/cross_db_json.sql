{#-
  JSON access that means the same on DuckDB (JSON type) and Postgres (jsonb).
  `path` is a list of keys from the top of the document, e.g. ['metric_set', 'solved_at'].
-#}

{#
  text value of a scalar at path (null when absent or JSON null). Strings, booleans and
  integers read the same on both databases; a float's text may not (1e3 is '1000.0' on DuckDB,
  '1000' on Postgres): cast it to a number before comparing. For objects and arrays use
  json_value (their text spacing differs). Checked on both targets by tests/warehouse/test_json_macros.py.
#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'insights')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    json_extract_string({{ column }}, '{{ _json_path(path) }}')
{%- endmacro %}

{% macro postgres__json_text(column, path) -%}
    ({{ column }} #>> '{ {{- path | join(",") -}} }')
{%- endmacro %}

{#
  The json_text of several paths at once, as a list (1-based on both databases: texts[1] is the
  first path). On DuckDB the document is parsed once instead of once per path, which is most of
  the cost of typing wide raw records.
#}
{% macro json_texts(column, paths) -%}
    {{ return(adapter.dispatch('json_texts', 'insights')(column, paths)) }}
{%- endmacro %}

{% macro duckdb__json_texts(column, paths) -%}
    json_extract_string({{ column }}, [{% for path in paths %}'{{ _json_path(path) }}'{{ ', ' if not loop.last }}{% endfor %}])
{%- endmacro %}

{% macro postgres__json_texts(column, paths) -%}
    array[{% for path in paths %}{{ postgres__json_text(column, path) }}{{ ', ' if not loop.last }}{% endfor %}]
{%- endmacro %}

{# JSON value (object/array/scalar) at path, still JSON #}
{% macro json_value(column, path) -%}
    {{ return(adapter.dispatch('json_value', 'insights')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_value(column, path) -%}
    json_extract({{ column }}, '{{ _json_path(path) }}')
{%- endmacro %}

{% macro postgres__json_value(column, path) -%}
    ({{ column }} #> '{ {{- path | join(",") -}} }')
{%- endmacro %}

{#
  JSON type of the value at path, normalized across databases to one of:
  'object', 'array', 'string', 'integer', 'number', 'boolean', 'null'; SQL null when absent.
  'integer' is a number without a fractional part (1 and 1.0 are both integers).
#}
{% macro json_type(column, path) -%}
    {{ return(adapter.dispatch('json_type', 'insights')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_type(column, path) -%}
    case json_type({{ column }}, '{{ _json_path(path) }}')
        when 'OBJECT' then 'object'
        when 'ARRAY' then 'array'
        when 'VARCHAR' then 'string'
        when 'BOOLEAN' then 'boolean'
        when 'NULL' then 'null'
        when 'BIGINT' then 'integer'
        when 'UBIGINT' then 'integer'
        when 'DOUBLE' then
            case when json_extract({{ column }}, '{{ _json_path(path) }}')::double
                      = floor(json_extract({{ column }}, '{{ _json_path(path) }}')::double)
                 then 'integer' else 'number' end
    end
{%- endmacro %}

{% macro postgres__json_type(column, path) -%}
    case jsonb_typeof({{ column }} #> '{ {{- path | join(",") -}} }')
        when 'object' then 'object'
        when 'array' then 'array'
        when 'string' then 'string'
        when 'boolean' then 'boolean'
        when 'null' then 'null'
        when 'number' then
            case when ({{ column }} #>> '{ {{- path | join(",") -}} }')::numeric
                      = floor(({{ column }} #>> '{ {{- path | join(",") -}} }')::numeric)
                 then 'integer' else 'number' end
    end
{%- endmacro %}

{% macro _json_path(path) -%}
    ${% for key in path %}."{{ key }}"{% endfor %}
{%- endmacro %}
