{#-
  The day range the engagement marts report on (metrics.md section 3), one row:
  first_loaded_day, the first day with a valid event, and last_loaded_day, the last one or, when
  later, the last day complete for amplitude (a complete day without activity is a real zero).
  The body of the marts' `bounds` CTE: `with bounds as ({{ engagement_day_range() }})`.
-#}
{% macro engagement_day_range() -%}
    select
        loaded_days.first_loaded_day,
        greatest(
            loaded_days.last_event_day,
            {{ last_complete_day(['amplitude']) }}
        ) as last_loaded_day
    from {{ ref('int_events__loaded_days') }} as loaded_days
{%- endmacro %}
