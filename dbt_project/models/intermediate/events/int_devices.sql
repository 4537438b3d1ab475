{{
    config(
        materialized='incremental',
        unique_key='device_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Identity stitching (metrics.md section 2.1): one row per device, with its device owner =
-- the user_id of its earliest valid event (by event_time, ties by insert_id, then uuid) that
-- carries a user_id. owner_user_id is null for a device never identified (anonymous).
--
-- Incremental: devices with events (re)written in int_events__deduplicated since the last run
-- are re-decided from all their events; every such device gets a row, owner or not.
with changed_devices as (
    select distinct events.device_id
    from {{ ref('int_events__deduplicated') }} as events
    where events.device_id is not null
    {% if is_incremental() %}
        and events.loaded_at > (
            select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp))
            from {{ this }} as previous
        )
    {% endif %}
),

identified_events as (
    select
        events.device_id,
        events.user_id,
        events.event_time,
        row_number() over (
            partition by events.device_id
            order by
                events.event_time,
                {{ ordered_text('events.insert_id') }} nulls last,
                {{ ordered_text('events.event_uuid') }}
        ) as identification_rank
    from {{ ref('int_events__deduplicated') }} as events
    where events.user_id is not null
        and not events.is_future_dated
        and events.device_id in (select changed_devices.device_id from changed_devices)
)

select
    changed_devices.device_id,
    identified_events.user_id as owner_user_id,
    identified_events.event_time as identified_at,
    (
        select max(all_events.loaded_at) from {{ ref('int_events__deduplicated') }} as all_events
    ) as loaded_at
from changed_devices
left join identified_events
    on changed_devices.device_id = identified_events.device_id
    and identified_events.identification_rank = 1
