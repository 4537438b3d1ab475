{{ config(materialized='view') }}
-- Anonymous activity (metrics.md section 3, anonymous_devices): devices that never got an
-- owner (int_devices) with at least one qualifying valid event on the day. Such events are
-- in no user metric.
select
    events.device_id,
    events.event_date as date_day,
    cast(count(*) as bigint) as qualifying_events
from {{ ref('int_events__deduplicated') }} as events
inner join {{ ref('int_devices') }} as devices
    on events.device_id = devices.device_id
inner join {{ ref('stg_workspace__tracking_plan_events') }} as plan
    on events.event_type = plan.event_type
where devices.owner_user_id is null
    and plan.counts_as_active
    and not events.is_future_dated
group by
    events.device_id,
    events.event_date
