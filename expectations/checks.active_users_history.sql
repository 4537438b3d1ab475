-- Published history must not move: every day published complete (is_complete, metrics.md 1.6)
-- and older than the lookback window (of the older of the two builds, since an unpublished
-- candidate may have recomputed days the snapshot still shows in its window) keeps its counts in
-- the candidate. A day published incomplete is expected to change once its data is complete, at
-- any age. A published day missing from the candidate counts as changed.
with bounds as (
    select
        least(
            (select max(candidate_days.date_day) from marts.metrics_active_users_daily as candidate_days),
            (select max(published_days.date_day) from published.marts.metrics_active_users_daily as published_days)
        ) as last_day
)

select
    published_days.date_day as date_day,
    published_days.dau as published_dau,
    candidate_days.dau as candidate_dau,
    published_days.wau as published_wau,
    candidate_days.wau as candidate_wau,
    published_days.mau as published_mau,
    candidate_days.mau as candidate_mau,
    published_days.anonymous_devices as published_anonymous_devices,
    candidate_days.anonymous_devices as candidate_anonymous_devices
from published.marts.metrics_active_users_daily as published_days
cross join bounds
left join marts.metrics_active_users_daily as candidate_days
    on published_days.date_day = candidate_days.date_day
where not {{ in_lookback_window('published_days.date_day', 'bounds.last_day', '$lookback_days') }}
    and published_days.is_complete
order by published_days.date_day
