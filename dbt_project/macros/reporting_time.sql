{#-
  Days and weeks in the reporting timezone (dbt var `reporting_timezone`; its default is in dbt_project.yml `vars:`).
  Event timestamps are stored as UTC timestamps without a zone. The same SQL runs on DuckDB
  and Postgres: `ts at time zone 'UTC'` reads a zone-less timestamp as UTC (-> timestamptz)
  and `at time zone '<tz>'` turns that into the wall-clock time of the reporting zone.
-#}

{% macro reporting_timezone() -%}
    {%- set tz = var('reporting_timezone') | string | trim -%}
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
        cast({{ utc_to_local(utc_ts, tz) }} as date)
    {%- endif -%}
{%- endmacro %}

{#-
  The UTC instants (timestamps without zone) at which reporting day `date_expr` starts and ends:
  local midnight of the day, and of the next day, in the reporting timezone, converted to UTC.
  DST-aware: a day of 23 or 25 hours spans 23 or 25 hours of UTC (Europe/Paris 2026-10-25 runs
  from 2026-10-24 22:00 to 2026-10-25 23:00 UTC). `timestamp at time zone '<tz>'` reads a
  wall-clock time in that zone (-> timestamptz) and `at time zone 'UTC'` gives it back as a
  zone-less UTC timestamp, on DuckDB and Postgres alike, whatever the session time zone.
  (In a zone whose clocks change at midnight a local midnight may not exist; the databases then
  take the instant the clocks jumped to. None of the project's reporting zones does that.)
-#}
{% macro reporting_day_start_utc(date_expr) -%}
    {{ _local_midnight_utc('cast(' ~ date_expr ~ ' as timestamp)') }}
{%- endmacro %}

{% macro reporting_day_end_utc(date_expr) -%}
    {{ _local_midnight_utc('cast((' ~ date_expr ~ ') + 1 as timestamp)') }}
{%- endmacro %}

{% macro _local_midnight_utc(local_midnight) -%}
    {%- set tz = reporting_timezone() -%}
    {%- if tz | upper in ('UTC', 'ETC/UTC', 'Z') -%}
        {{ local_midnight }}
    {%- else -%}
        {{ local_to_utc(local_midnight, tz) }}
    {%- endif -%}
{%- endmacro %}

{#- Last day of the ISO week starting on `week_start_expr`, and of the month starting on `month_start_expr` -#}
{% macro week_last_day(week_start_expr) -%}
    cast(({{ week_start_expr }}) + 6 as date)
{%- endmacro %}

{% macro month_last_day(month_start_expr) -%}
    (cast(({{ month_start_expr }}) + interval '1 month' as date) - 1)
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
    {{ return(adapter.dispatch('day_series', 'insights')(start_expr, end_expr, alias)) }}
{%- endmacro %}

{% macro default__day_series(start_expr, end_expr, alias) -%}
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
