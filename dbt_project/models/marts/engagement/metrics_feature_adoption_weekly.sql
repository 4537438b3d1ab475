{{ day_incremental_config('week_start') }}
-- depends_on: {{ ref('int_user_event_days') }} (the days its last run wrote are recomputed here)
-- Feature adoption per ISO week (Monday start) and tracking-plan feature (metrics.md section
-- 4): of the distinct active users of the week (int_active_users_daily), those who fired at
-- least one valid event mapped to the feature in the plan. One row per week of the engagement
-- day range (metrics_active_users_daily's) and per feature of the plan, zeros included; the first
-- week may start before the first day with data. is_complete: the week's last day (Sunday) is
-- complete for amplitude. Nightly runs recompute the weeks that hold a recomputed day, and every
-- week stored or now incomplete.
with bounds as (
    {{ engagement_day_range() }}
),

report_days as (
    select spine.date_day
    from bounds
    {{ day_series('bounds.first_loaded_day', 'bounds.last_loaded_day', 'spine') }}
    {% if is_incremental() %}
    left join {{ ref('int_reporting_days') }} as week_end
        on {{ week_last_day(iso_week_start('spine.date_day')) }} = week_end.date_day
    where {{ recompute_day_filter(
        'spine.date_day', iso_week_start('bounds.first_loaded_day'), 'bounds.last_loaded_day',
        this, 'week_start', is_complete_now='week_end.is_amplitude_complete',
        row_key=iso_week_start('spine.date_day'), changed_days=user_event_days_written_last()
    ) }}
    {% endif %}
),

report_weeks as (
    select distinct {{ iso_week_start('report_days.date_day') }} as week_start
    from report_days
),

weekly_active_users as (
    select distinct
        report_weeks.week_start,
        active.user_id
    from report_weeks
    cross join bounds
    inner join {{ ref('int_active_users_daily') }} as active
        on active.date_day between report_weeks.week_start and report_weeks.week_start + 6
    where active.date_day between bounds.first_loaded_day and bounds.last_loaded_day
),

feature_users as (
    select distinct
        report_weeks.week_start,
        plan.feature,
        days.user_id
    from report_weeks
    cross join bounds
    inner join {{ ref('int_user_event_days') }} as days
        on days.activity_date between report_weeks.week_start and report_weeks.week_start + 6
    inner join {{ ref('stg_workspace__tracking_plan_events') }} as plan
        on days.event_type = plan.event_type
    where days.valid_events > 0
        and days.activity_date between bounds.first_loaded_day and bounds.last_loaded_day
),

weekly_totals as (
    select
        weekly_active_users.week_start,
        count(*) as weekly_active_users
    from weekly_active_users
    group by weekly_active_users.week_start
),

adopters as (
    select
        feature_users.week_start,
        feature_users.feature,
        count(*) as adopters
    from feature_users
    inner join weekly_active_users
        on feature_users.week_start = weekly_active_users.week_start
        and feature_users.user_id = weekly_active_users.user_id
    group by
        feature_users.week_start,
        feature_users.feature
),

features as (
    select distinct plan.feature
    from {{ ref('stg_workspace__tracking_plan_events') }} as plan
)

select
    cast(report_weeks.week_start as date) as week_start,
    cast(features.feature as {{ type_text() }}) as feature,
    cast(coalesce(adopters.adopters, 0) as bigint) as adopters,
    cast(coalesce(weekly_totals.weekly_active_users, 0) as bigint) as weekly_active_users,
    {{ ratio_or_null('coalesce(adopters.adopters, 0)', 'weekly_totals.weekly_active_users') }} as adoption_rate,
    coalesce(week_end.is_amplitude_complete, false) as is_complete
from report_weeks
cross join features
left join {{ ref('int_reporting_days') }} as week_end
    on {{ week_last_day('report_weeks.week_start') }} = week_end.date_day
left join weekly_totals
    on report_weeks.week_start = weekly_totals.week_start
left join adopters
    on report_weeks.week_start = adopters.week_start
    and features.feature = adopters.feature
