-- stickiness = dau / mau, null exactly when mau = 0 (metrics.md section 3).
select
    daily.date_day,
    daily.dau,
    daily.mau,
    daily.stickiness
from {{ ref('metrics_active_users_daily') }} as daily
where (daily.mau = 0 and daily.stickiness is not null)
    or (daily.mau > 0 and daily.stickiness is null)
    or (daily.mau > 0 and abs(daily.stickiness - cast(daily.dau as {{ type_double() }}) / daily.mau) > 1e-9)
