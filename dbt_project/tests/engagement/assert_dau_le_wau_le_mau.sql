-- Invariant of metrics.md section 3: dau <= wau <= mau on every day (a wider window can only
-- hold more users). Returns the violating days.
select
    daily.date_day,
    daily.dau,
    daily.wau,
    daily.mau
from {{ ref('metrics_active_users_daily') }} as daily
where daily.dau > daily.wau
    or daily.wau > daily.mau
