{#-
  The record schema of a raw stream, declared once in its sources YAML (the `payload` column's
  config.meta.fields: name, path, logical type, timestamp format, required/nullable). The
  extraction validates landed records against the same list (insights.extraction.schema), the raw
  GX suites are generated from it, and here it drives the staging casts.

  Casts are defensive: a value that does not cast becomes null instead of failing the model
  (landing quarantines such values, so this only guards against a raw zone written by hand):
  try_cast on DuckDB, a castability guard on Postgres (which has no try_cast before 16).
-#}

{# The field entries of source(source_name, table_name), from record_schemas() (record_schemas.sql:
   generated from the sources YAML by insights.extraction.schema_outputs, so unit tests, which see no
   project graph, read the same list). #}
{% macro record_fields(source_name, table_name) -%}
    {%- set fields = record_schemas().get(source_name ~ '.' ~ table_name) -%}
    {%- if not fields -%}
        {{ exceptions.raise_compiler_error("record_fields: no record schema for source " ~ source_name ~ "." ~ table_name ~ " (regenerate macros/record_schemas.sql: python -m insights.extraction.schema_outputs --write)") }}
    {%- endif -%}
    {{ return(fields) }}
{%- endmacro %}

{% macro record_field(source_name, table_name, name) -%}
    {%- for field in record_fields(source_name, table_name) -%}
        {%- if field.name == name -%}
            {{ return(field) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("record_field: no field " ~ name ~ " in the record schema of " ~ source_name ~ "." ~ table_name) }}
{%- endmacro %}

{# The JSON paths of the named fields, in order (for json_texts: one parse for all of them). #}
{% macro record_paths(source_name, table_name, names) -%}
    {%- set paths = [] -%}
    {%- for name in names -%}
        {%- do paths.append(record_field(source_name, table_name, name).path) -%}
    {%- endfor -%}
    {{ return(paths) }}
{%- endmacro %}

{# The field read from `column` and typed by its schema: JSON for objects and arrays, else a safe cast. #}
{% macro typed_field(source_name, table_name, name, column='payload') -%}
    {%- set field = record_field(source_name, table_name, name) -%}
    {%- if field.type in ('object', 'array') -%}
        {{ json_value(column, field.path) }}
    {%- else -%}
        {{ field_cast(json_text(column, field.path), field) }}
    {%- endif -%}
{%- endmacro %}

{# The field typed from its text already extracted (`text_expr`, e.g. an element of json_texts). #}
{% macro typed_text(source_name, table_name, name, text_expr) -%}
    {{ field_cast(text_expr, record_field(source_name, table_name, name)) }}
{%- endmacro %}

{#
  `text_expr` (a JSON value's text) as the field's logical type, null when it does not cast:
  string -> text, integer -> bigint, number -> double precision, boolean, timestamp -> timestamp
  (UTC without a zone: a format with a zone, iso8601_utc, is converted to UTC first).
#}
{% macro field_cast(text_expr, field) -%}
    {%- if field.type == 'timestamp' and field.get('format') not in ('amplitude', 'iso8601_utc') -%}
        {{ exceptions.raise_compiler_error("field_cast: unknown timestamp format " ~ field.get('format') ~ " of field " ~ field.name) }}
    {%- endif -%}
    {{ return(adapter.dispatch('field_cast', 'insights')(text_expr, field)) }}
{%- endmacro %}

{% macro duckdb__field_cast(text_expr, field) -%}
    {%- if field.type == 'timestamp' and field.format == 'iso8601_utc' -%}
        (try_cast({{ text_expr }} as timestamptz) at time zone 'UTC')
    {%- else -%}
        {{ try_cast_field(text_expr, field) }}
    {%- endif -%}
{%- endmacro %}

{# The engines with try_cast (DuckDB, Spark): the field's SQL type, a zone-less timestamp for
   timestamps; strings, objects and arrays stay as they are. #}
{% macro try_cast_field(text_expr, field) -%}
    {%- set sql_types = {'integer': 'bigint', 'number': 'double', 'boolean': 'boolean', 'timestamp': 'timestamp'} -%}
    {%- if field.type in sql_types -%}
        try_cast({{ text_expr }} as {{ sql_types[field.type] }})
    {%- else -%}
        {{ text_expr }}
    {%- endif -%}
{%- endmacro %}

{# Postgres: cast only text of a castable shape (a bigint of up to 18 digits, a plain number,
   true/false, a timestamp with optional fraction and zone); anything else is null. #}
{% macro postgres__field_cast(text_expr, field) -%}
    {%- set timestamp_shape = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' -%}
    {%- if field.type == 'integer' -%}
        case when {{ text_expr }} ~ '^-?[0-9]{1,18}$' then cast({{ text_expr }} as bigint) end
    {%- elif field.type == 'number' -%}
        case when {{ text_expr }} ~ '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$'
            then cast({{ text_expr }} as double precision) end
    {%- elif field.type == 'boolean' -%}
        case when {{ text_expr }} in ('true', 'false') then cast({{ text_expr }} as boolean) end
    {%- elif field.type == 'timestamp' and field.format == 'iso8601_utc' -%}
        case when {{ text_expr }} ~ '{{ timestamp_shape }}'
            then (cast({{ text_expr }} as timestamptz) at time zone 'UTC') end
    {%- elif field.type == 'timestamp' -%}
        case when {{ text_expr }} ~ '{{ timestamp_shape }}' then cast({{ text_expr }} as timestamp) end
    {%- else -%}
        {{ text_expr }}
    {%- endif -%}
{%- endmacro %}
