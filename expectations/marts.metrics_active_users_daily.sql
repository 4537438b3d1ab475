-- The daily engagement mart, each day with the gap to the previous day (the date spine) and how
-- far stickiness is from dau / mau (1 when exactly one of "stickiness is null" and "mau = 0" holds).
-- is_complete_after_incomplete: a complete day after an incomplete one (completeness only moves forward).
select
    mart.date_day as date_day,
    mart.dau as dau,
    mart.wau as wau,
    mart.mau as mau,
    mart.stickiness as stickiness,
    mart.anonymous_devices as anonymous_devices,
    mart.wau_is_complete_window as wau_is_complete_window,
    mart.mau_is_complete_window as mau_is_complete_window,
    mart.date_day - lag(mart.date_day) over (order by mart.date_day) as days_since_previous,
    case
        when mart.mau = 0 then case when mart.stickiness is null then 0.0 else 1.0 end
        when mart.stickiness is null then 1.0
        else abs(mart.stickiness - cast(mart.dau as double) / mart.mau)
    end as stickiness_deviation,
    mart.is_complete as is_complete,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    mart.is_complete and exists (
        select 1
        from marts.metrics_active_users_daily as earlier
        where not earlier.is_complete
            and earlier.date_day < mart.date_day
    ) as is_complete_after_incomplete
from marts.metrics_active_users_daily as mart
order by mart.date_day
