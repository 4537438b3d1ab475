-- Every month of the CSAT mart, with the day of month of month_start, the gap in months to the
-- previous month (the month spine) and whether csat is null exactly when nothing was rated.
-- is_complete_after_incomplete: a complete month after an incomplete one (completeness only moves forward).
select
    csat.*,
    day(csat.month_start) as month_start_day,
    date_diff('month', lag(csat.month_start) over (order by csat.month_start), csat.month_start)
        as months_since_previous,
    (csat.csat is null) = (csat.rated_tickets = 0) as csat_null_iff_unrated,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_csat_monthly', 'csat', 'month_start') }} as is_complete_after_incomplete
from marts.metrics_csat_monthly as csat
order by csat.month_start
