-- Every day of the support mart, with the gap to the previous day (the date spine).
-- is_complete_after_incomplete: a complete day after an incomplete one (completeness only moves forward).
select
    support.*,
    support.date_day - lag(support.date_day) over (order by support.date_day) as days_since_previous,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_support_daily', 'support', 'date_day') }} as is_complete_after_incomplete
from marts.metrics_support_daily as support
order by support.date_day
