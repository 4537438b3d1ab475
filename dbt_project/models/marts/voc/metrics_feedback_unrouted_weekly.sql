-- Share of feedback no team receives, per ISO week of item creation, company-wide
-- (metrics.md section 6): unrouted items (no area, or an area missing from product_areas)
-- over all items. Every week from the first week with feedback to the last one or, when later,
-- the week of the last day complete for both zendesk and typeform; the share is null in a week
-- without items. is_complete: the week's last day (Sunday) is complete for zendesk and typeform.
with weeks as (
    {{ voc_feedback_weeks() }}
),

counted as (
    select
        created_week as week_start,
        count(*) as items,
        sum(case when is_routed then 0 else 1 end) as unrouted_items
    from {{ ref('int_voc__feedback_items') }}
    group by created_week
)

select
    cast(weeks.week_start as date) as week_start,
    cast(coalesce(counted.items, 0) as bigint) as items,
    cast(coalesce(counted.unrouted_items, 0) as bigint) as unrouted_items,
    cast(counted.unrouted_items as {{ type_double() }}) / cast(nullif(counted.items, 0) as {{ type_double() }})
        as unrouted_share,
    {{ complete_for('week_end', ['zendesk', 'typeform']) }} as is_complete
from weeks
left join {{ ref('int_reporting_days') }} as week_end
    on {{ week_last_day('weeks.week_start') }} = week_end.date_day
left join counted
    on weeks.week_start = counted.week_start
