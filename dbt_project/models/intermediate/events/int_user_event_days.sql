{{
    day_incremental_config(
        'activity_date',
        pre_hook="{% if can_delete_rows() %}delete from {{ this }} where activity_date in ({{ user_event_days_recompute_days(this) }}){% endif %}",
    )
}}
-- depends_on: {{ ref('int_events__deduplicated') }}, {{ ref('int_devices') }} (read by the pre-hook)
-- Every deduplicated event (valid or not) attributed to its resolved user (metrics.md 2.1):
-- its own user_id, else the owner of its device (retroactively: anonymous events before the
-- identification count for the owner). Events of devices without an owner are anonymous and
-- left out. One row per (user, day, event type, email domain) with event counts; the grain
-- keeps everything the user-level rules need (first seen, exclusions, activity, features).
--
-- Incremental (unique_key activity_date, delete+insert): a day's rows depend only on that day's
-- events and on the owners of their devices, so each run recomputes whole days, the ones a
-- change can reach: the days of events (re)written by this run, the day a re-decided event left
-- (replaced_event_date), and the days of the anonymous events of devices whose owner changed.
-- A night touches a few recent days, whatever the length of the history. The pre-hook deletes
-- those days first: a day left without attributed events must not keep its old rows.
{%- if is_incremental() %}
with recompute_days as (
    {{ user_event_days_recompute_days(this) }}
),

day_bounds as (
    select
        min(recompute_days.activity_date) as first_day,
        max(recompute_days.activity_date) as last_day
    from recompute_days
),
{%- else %}
with
{%- endif %}

attributed as (
    select
        coalesce(events.user_id, devices.owner_user_id) as user_id,
        events.event_date,
        events.event_type,
        events.user_email_domain,
        events.user_is_test,
        events.is_future_dated
    from {{ ref('int_events__deduplicated') }} as events
    left join {{ ref('int_devices') }} as devices
        on events.device_id = devices.device_id
    where coalesce(events.user_id, devices.owner_user_id) is not null
    {%- if is_incremental() %}
        -- the range lets the scan skip other days' row groups; the list keeps only the days
        and events.event_date between (select day_bounds.first_day from day_bounds)
            and (select day_bounds.last_day from day_bounds)
        and events.event_date in (select recompute_days.activity_date from recompute_days)
    {%- endif %}
)

select
    attributed.user_id,
    attributed.event_date as activity_date,
    attributed.event_type,
    attributed.user_email_domain,
    cast(count(*) as bigint) as events,
    cast(sum(case when attributed.is_future_dated then 0 else 1 end) as bigint) as valid_events,
    cast(sum(case when attributed.user_is_test then 1 else 0 end) as bigint) as test_flagged_events,
    (
        select max(all_events.loaded_at) from {{ ref('int_events__deduplicated') }} as all_events
    ) as loaded_at
from attributed
group by
    attributed.user_id,
    attributed.event_date,
    attributed.event_type,
    attributed.user_email_domain
order by activity_date
