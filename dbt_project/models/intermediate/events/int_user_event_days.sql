{{
    config(
        materialized='incremental',
        unique_key='user_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Every deduplicated event (valid or not) attributed to its resolved user (metrics.md 2.1):
-- its own user_id, else the owner of its device (retroactively: anonymous events before the
-- identification count for the owner). Events of devices without an owner are anonymous and
-- left out. One row per (user, day, event type, email domain) with event counts; the grain
-- keeps everything the user-level rules need (first seen, exclusions, activity, features).
--
-- Incremental (unique_key user_id, delete+insert): the users whose attributed events may have
-- changed are re-aggregated in full. A change on a device (new or re-decided event, new
-- owner) can only affect users whose user_id appears on that device: the owner is one of
-- them, as is any user that lost the device's anonymous events to a new owner.
{%- if is_incremental() %}
with changed_devices as (
    select distinct events.device_id
    from {{ ref('int_events__deduplicated') }} as events
    where events.loaded_at > (
        select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp))
        from {{ this }} as previous
    )
),

affected_users as (
    select distinct events.user_id
    from {{ ref('int_events__deduplicated') }} as events
    where events.user_id is not null
        and events.device_id in (select changed_devices.device_id from changed_devices)
),

attributed as (
    select
        events.user_id,
        events.event_date,
        events.event_type,
        events.user_email_domain,
        events.user_is_test,
        events.is_future_dated
    from {{ ref('int_events__deduplicated') }} as events
    where events.user_id in (select affected_users.user_id from affected_users)
    union all
    select
        devices.owner_user_id as user_id,
        events.event_date,
        events.event_type,
        events.user_email_domain,
        events.user_is_test,
        events.is_future_dated
    from {{ ref('int_events__deduplicated') }} as events
    inner join {{ ref('int_devices') }} as devices
        on events.device_id = devices.device_id
    where events.user_id is null
        and devices.owner_user_id in (select affected_users.user_id from affected_users)
)
{%- else %}
with attributed as (
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
)
{%- endif %}

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
