-- Every week of the support response-time mart, with the ISO weekday of week_start and the gap
-- to the previous week (the week spine).
select
    support.week_start as week_start,
    support.median_first_reply_minutes as median_first_reply_minutes,
    support.median_full_resolution_minutes as median_full_resolution_minutes,
    isodow(support.week_start) as week_start_isodow,
    support.week_start - lag(support.week_start) over (order by support.week_start) as days_since_previous_week
from marts.metrics_support_weekly as support
order by support.week_start
