{#-
  Days and weeks in the reporting timezone (dbt var `reporting_timezone`, default UTC).
  Event timestamps are stored as UTC timestamps without a zone. The same SQL runs on DuckDB
  and Postgres: `ts at time zone 'UTC'` reads a zone-less timestamp as UTC (-> timestamptz)
  and `at time zone '<tz>'` turns that into the wall-clock time of the reporting zone.
-#}

{% macro reporting_timezone() -%}
    {%- set tz = var('reporting_timezone', 'UTC') | string | trim -%}
    {%- if not tz or "'" in tz -%}
        {{ exceptions.raise_compiler_error("var reporting_timezone: invalid time zone name " ~ tz) }}
    {%- endif -%}
    {{ return(tz) }}
{%- endmacro %}

{# Calendar date, in the reporting timezone, of a UTC timestamp #}
{% macro reporting_date(utc_ts) -%}
    {%- set tz = reporting_timezone() -%}
    {%- if tz | upper in ('UTC', 'ETC/UTC', 'Z') -%}
        cast({{ utc_ts }} as date)
    {%- else -%}
        cast((({{ utc_ts }}) at time zone 'UTC') at time zone '{{ tz }}' as date)
    {%- endif -%}
{%- endmacro %}

{# Monday of the ISO week of a date #}
{% macro iso_week_start(date_expr) -%}
    cast(date_trunc('week', cast({{ date_expr }} as timestamp)) as date)
{%- endmacro %}

{#-
  Every day from start to end (both included) as rows of `<alias>.date_day`, to be used in a
  from clause: `from bounds {{ day_series('bounds.first_day', 'bounds.last_day', 'spine') }}`.
  No rows when a bound is null. generate_series over timestamps is the same on both databases.
-#}
{% macro day_series(start_expr, end_expr, alias) -%}
    cross join lateral (
        select cast(series.series_ts as date) as date_day
        from generate_series(
            cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval '1 day'
        ) as series (series_ts)
    ) as {{ alias }}
{%- endmacro %}

{#- Deterministic text ordering for tie-breaks: byte order on both databases. -#}
{% macro ordered_text(expr) -%}
    {{ return(adapter.dispatch('ordered_text', 'insights')(expr)) }}
{%- endmacro %}

{% macro default__ordered_text(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro postgres__ordered_text(expr) -%}
    ({{ expr }}) collate "C"
{%- endmacro %}
