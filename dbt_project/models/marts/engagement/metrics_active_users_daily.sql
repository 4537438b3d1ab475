{{ day_incremental_config('date_day') }}
-- depends_on: {{ ref('int_user_event_days') }} (the days its last run wrote are recomputed here)
-- Daily engagement (metrics.md section 3): one row per day, no gaps, from the first day with a
-- valid event to the last one or, when later, the last day complete for amplitude (a complete
-- day without activity is a real zero). Users come from int_active_users_daily only.
-- is_complete (metrics.md 1.6): amplitude is complete through the day's end (int_reporting_days);
-- rows of incomplete days are published, flagged false.
-- Nightly runs recompute the last late_event_lookback_days days, any day not built yet, and every
-- day stored or now incomplete (a day that became complete gets its final values even beyond the
-- lookback window), and every day whose 28-day window holds a day whose user-days the night
-- rewrote (a device identified late re-attributes older anonymous days to its owner);
-- a backfill adds [backfill_start, backfill_end]; --full-refresh recomputes all.
with bounds as (
    {{ engagement_day_range() }}
),

report_days as (
    select
        spine.date_day,
        coalesce(completeness.is_amplitude_complete, false) as is_complete
    from bounds
    {{ day_series('bounds.first_loaded_day', 'bounds.last_loaded_day', 'spine') }}
    left join {{ ref('int_reporting_days') }} as completeness
        on spine.date_day = completeness.date_day
    {% if is_incremental() %}
    where {{ recompute_day_filter(
        'spine.date_day', 'bounds.first_loaded_day', 'bounds.last_loaded_day', this, 'date_day',
        is_complete_now='completeness.is_amplitude_complete', changed_days=user_event_days_written_last(),
        changed_reach=27
    ) }}
    {% endif %}
),

window_activity as (
    -- active user-days inside some report day's 28-day window
    select
        active.user_id,
        active.date_day
    from {{ ref('int_active_users_daily') }} as active
    where active.date_day >= (select min(report_days.date_day) - 27 from report_days)
        and active.date_day <= (select max(report_days.date_day) from report_days)
),

user_counts as (
    select
        report_days.date_day,
        count(distinct case when window_activity.date_day = report_days.date_day
            then window_activity.user_id end) as dau,
        count(distinct case when window_activity.date_day >= report_days.date_day - 6
            then window_activity.user_id end) as wau,
        count(distinct window_activity.user_id) as mau
    from report_days
    inner join window_activity
        on window_activity.date_day between report_days.date_day - 27 and report_days.date_day
    group by report_days.date_day
),

anonymous_counts as (
    select
        report_days.date_day,
        count(distinct anonymous.device_id) as anonymous_devices
    from report_days
    inner join {{ ref('int_anonymous_devices_daily') }} as anonymous
        on report_days.date_day = anonymous.date_day
    group by report_days.date_day
)

select
    cast(report_days.date_day as date) as date_day,
    cast(coalesce(user_counts.dau, 0) as bigint) as dau,
    cast(coalesce(user_counts.wau, 0) as bigint) as wau,
    cast(coalesce(user_counts.mau, 0) as bigint) as mau,
    {{ ratio_or_null('user_counts.dau', 'user_counts.mau') }} as stickiness,
    cast(coalesce(anonymous_counts.anonymous_devices, 0) as bigint) as anonymous_devices,
    report_days.date_day - 6 >= bounds.first_loaded_day as wau_is_complete_window,
    report_days.date_day - 27 >= bounds.first_loaded_day as mau_is_complete_window,
    report_days.is_complete
from report_days
cross join bounds
left join user_counts
    on report_days.date_day = user_counts.date_day
left join anonymous_counts
    on report_days.date_day = anonymous_counts.date_day
