-- One row per cohort member (metrics.md section 4): non-excluded resolved users, cohort day
-- = first_seen_date (up to the last loaded day). Flags say whether the user was active
-- (int_active_users_daily) on day c+1, c+7, c+28 and fired the var activation_event (a valid
-- event, any day in [c, c+6]); the *_observable flags say whether the day needed is loaded,
-- so rates stay null until then. Feeds metrics_retention_cohorts and the semantic layer.
with bounds as (
    select loaded_days.last_loaded_day
    from {{ ref('int_events__loaded_days') }} as loaded_days
),

cohort_members as (
    select
        users.user_id,
        users.first_seen_date as cohort_date
    from {{ ref('int_users') }} as users
    cross join bounds
    where not users.is_excluded
        and users.first_seen_date is not null
        and users.first_seen_date <= bounds.last_loaded_day
),

returns as (
    select
        cohort_members.user_id,
        max(case when active.date_day = cohort_members.cohort_date + 1 then 1 else 0 end) as day_1,
        max(case when active.date_day = cohort_members.cohort_date + 7 then 1 else 0 end) as day_7,
        max(case when active.date_day = cohort_members.cohort_date + 28 then 1 else 0 end) as day_28
    from cohort_members
    inner join {{ ref('int_active_users_daily') }} as active
        on cohort_members.user_id = active.user_id
        and active.date_day in (
            cohort_members.cohort_date + 1, cohort_members.cohort_date + 7, cohort_members.cohort_date + 28
        )
    group by cohort_members.user_id
),

activations as (
    select distinct cohort_members.user_id
    from cohort_members
    inner join {{ ref('int_user_event_days') }} as days
        on cohort_members.user_id = days.user_id
        and days.activity_date between cohort_members.cohort_date and cohort_members.cohort_date + 6
    where days.event_type = '{{ var("activation_event") | replace("'", "''") }}'
        and days.valid_events > 0
)

select
    cohort_members.user_id,
    cohort_members.cohort_date,
    coalesce(returns.day_1, 0) = 1 as is_retained_day_1,
    coalesce(returns.day_7, 0) = 1 as is_retained_day_7,
    coalesce(returns.day_28, 0) = 1 as is_retained_day_28,
    activations.user_id is not null as is_activated,
    cohort_members.cohort_date + 1 <= bounds.last_loaded_day as is_day_1_observable,
    cohort_members.cohort_date + 7 <= bounds.last_loaded_day as is_day_7_observable,
    cohort_members.cohort_date + 28 <= bounds.last_loaded_day as is_day_28_observable,
    cohort_members.cohort_date + 6 <= bounds.last_loaded_day as is_activation_observable
from cohort_members
cross join bounds
left join returns
    on cohort_members.user_id = returns.user_id
left join activations
    on cohort_members.user_id = activations.user_id
