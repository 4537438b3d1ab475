-- Adopters of a feature are a subset of the week's active users, and the rate is their share.
select
    weekly.week_start,
    weekly.feature,
    weekly.adopters,
    weekly.weekly_active_users,
    weekly.adoption_rate
from {{ ref('metrics_feature_adoption_weekly') }} as weekly
where weekly.adopters > weekly.weekly_active_users
    or (weekly.weekly_active_users = 0 and weekly.adoption_rate is not null)
    or (
        weekly.weekly_active_users > 0
        and abs(weekly.adoption_rate - cast(weekly.adopters as {{ type_double() }}) / weekly.weekly_active_users)
            > 1e-9
    )
