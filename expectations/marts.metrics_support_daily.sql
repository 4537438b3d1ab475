-- Every day of the support mart, with the gap to the previous day (the date spine).
-- is_complete_after_incomplete: a complete day after an incomplete one (completeness only moves forward).
select
    support.date_day as date_day,
    support.tickets_created as tickets_created,
    support.tickets_solved as tickets_solved,
    support.date_day - lag(support.date_day) over (order by support.date_day) as days_since_previous,
    support.is_complete as is_complete,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    support.is_complete and exists (
        select 1
        from marts.metrics_support_daily as earlier
        where not earlier.is_complete
            and earlier.date_day < support.date_day
    ) as is_complete_after_incomplete
from marts.metrics_support_daily as support
order by support.date_day
