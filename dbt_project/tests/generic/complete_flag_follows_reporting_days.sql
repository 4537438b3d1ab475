{#-
  A governed mart's is_complete says what int_reporting_days says now (metrics.md 1.6): the row's
  day (`period` day), or the last day of its ISO week (`week`) or month (`month`) starting on
  `day_column`, is complete for every one of `sources`. An incremental mart whose stored flag went
  stale (a day that became complete and was not recomputed) fails here. Fails with the rows that
  disagree.
-#}
{% test complete_flag_follows_reporting_days(model, column_name, day_column, sources, period='day') %}
{%- set row_day = 'mart.' ~ day_column -%}
{%- if period == 'week' -%}
    {%- set last_day = week_last_day(row_day) -%}
{%- elif period == 'month' -%}
    {%- set last_day = month_last_day(row_day) -%}
{%- elif period == 'day' -%}
    {%- set last_day = row_day -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("complete_flag_follows_reporting_days: period must be day, week or month, got " ~ period) }}
{%- endif %}
select
    {{ row_day }} as row_day,
    mart.{{ column_name }} as stored_flag,
    {{ complete_for('completeness', sources) }} as complete_now
from {{ model }} as mart
left join {{ ref('int_reporting_days') }} as completeness
    on {{ last_day }} = completeness.date_day
where mart.{{ column_name }} is distinct from {{ complete_for('completeness', sources) }}
{% endtest %}
