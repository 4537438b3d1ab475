-- Every week of the unrouted-feedback mart, with the ISO weekday of week_start, the gap to the
-- previous week (the week spine) and how far unrouted_share is from unrouted_items / items
-- (1 when exactly one of "share is null" and "items = 0" holds).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    unrouted.week_start as week_start,
    unrouted.items as items,
    unrouted.unrouted_items as unrouted_items,
    unrouted.unrouted_share as unrouted_share,
    isodow(unrouted.week_start) as week_start_isodow,
    unrouted.week_start - lag(unrouted.week_start) over (order by unrouted.week_start) as days_since_previous_week,
    case
        when unrouted.items = 0 then case when unrouted.unrouted_share is null then 0.0 else 1.0 end
        when unrouted.unrouted_share is null then 1.0
        else abs(unrouted.unrouted_share - cast(unrouted.unrouted_items as double) / unrouted.items)
    end as share_deviation,
    unrouted.is_complete as is_complete,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    unrouted.is_complete and exists (
        select 1
        from marts.metrics_feedback_unrouted_weekly as earlier
        where not earlier.is_complete
            and earlier.week_start < unrouted.week_start
    ) as is_complete_after_incomplete
from marts.metrics_feedback_unrouted_weekly as unrouted
order by unrouted.week_start
