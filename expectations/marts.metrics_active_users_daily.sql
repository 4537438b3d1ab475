-- The daily engagement mart, each day with the gap to the previous day (the date spine) and how
-- far stickiness is from dau / mau (1 when exactly one of "stickiness is null" and "mau = 0" holds).
-- is_complete_after_incomplete: a complete day after an incomplete one (completeness only moves forward).
select
    mart.*,
    mart.date_day - lag(mart.date_day) over (order by mart.date_day) as days_since_previous,
    {{ ratio_deviation('mart.stickiness', 'mart.dau', 'mart.mau') }} as stickiness_deviation,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_active_users_daily', 'mart', 'date_day') }} as is_complete_after_incomplete
from marts.metrics_active_users_daily as mart
order by mart.date_day
