-- Every week of the support response-time mart, with the ISO weekday of week_start and the gap
-- to the previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    support.week_start as week_start,
    support.median_first_reply_minutes as median_first_reply_minutes,
    support.median_full_resolution_minutes as median_full_resolution_minutes,
    isodow(support.week_start) as week_start_isodow,
    support.week_start - lag(support.week_start) over (order by support.week_start) as days_since_previous_week,
    support.is_complete as is_complete,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    support.is_complete and exists (
        select 1
        from marts.metrics_support_weekly as earlier
        where not earlier.is_complete
            and earlier.week_start < support.week_start
    ) as is_complete_after_incomplete
from marts.metrics_support_weekly as support
order by support.week_start
