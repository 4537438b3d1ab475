{#-
  Time handling of the voice-of-customer models. Vendor timestamps are ISO 8601 with a
  zone (`2026-01-05T10:38:52Z`); the warehouse stores them as UTC timestamps without a
  zone. Days, ISO weeks and months are those of the dbt var `reporting_timezone`, through
  the shared macros of macros/reporting_time.sql (one conversion for the whole project).
-#}

{# ISO 8601 text with a zone -> UTC timestamp without zone (same SQL on DuckDB and Postgres) #}
{% macro voc_utc_timestamp(text_expr) -%}
    {{ iso_text_to_utc(text_expr) }}
{%- endmacro %}

{# Calendar day / Monday of the ISO week / first day of the month, in the reporting timezone #}
{% macro voc_reporting_day(utc_ts_expr) -%}
    {{ reporting_date(utc_ts_expr) }}
{%- endmacro %}

{% macro voc_reporting_week(utc_ts_expr) -%}
    {{ iso_week_start(reporting_date(utc_ts_expr)) }}
{%- endmacro %}

{% macro voc_reporting_month(utc_ts_expr) -%}
    cast(date_trunc('month', cast({{ reporting_date(utc_ts_expr) }} as timestamp)) as date)
{%- endmacro %}

{#-
  A gap-free series as a lateral join clause: {{ voc_date_series('b.first_week', 'b.last_week',
  '7 days', 's') }} gives s.series_ts (a timestamp; cast it to date) from first to last, both
  included; no rows when a bound is null. generate_series over timestamps has the same form
  and result on DuckDB and Postgres. (Days alone: the shared day_series macro.)
-#}
{% macro voc_date_series(start_expr, end_expr, step, alias) -%}
    {{ timestamp_series(start_expr, end_expr, step, alias) }}
{%- endmacro %}
