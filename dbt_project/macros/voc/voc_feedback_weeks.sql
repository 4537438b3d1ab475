{#-
  The weeks the feedback marts report on (metrics.md section 6), as a select of `week_start`
  (ISO, Monday): every week from the first week with a feedback item (int_voc__feedback_items) to
  the last one or, when later, the week of the last day complete for both zendesk and typeform,
  with no gaps, so a quiet week shows zeros. The body of the marts' `weeks` CTE.
-#}
{% macro voc_feedback_weeks() -%}
    select cast(series.series_ts as date) as week_start
    from (
        select
            min(items.created_week) as first_week,
            greatest(
                max(items.created_week),
                {{ iso_week_start(last_complete_day(['zendesk', 'typeform'])) }}
            ) as last_week
        from {{ ref('int_voc__feedback_items') }} as items
    ) as bounds
    {{ voc_date_series('bounds.first_week', 'bounds.last_week', '7 days', 'series') }}
{%- endmacro %}
