{{
    config(
        materialized=merge_model_materialization(),
        unique_key='device_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Identity stitching (metrics.md section 2.1): one row per device, with its device owner =
-- the user_id of its earliest valid event (by event_time, ties by insert_id, then uuid) that
-- carries a user_id. owner_user_id is null for a device never identified (anonymous).
--
-- Incremental (merge): the owner is a minimum, so a device touched by this run keeps its stored
-- identifying event unless a valid identified event of this run sorts before it. Only when the
-- stored identifying event itself was re-decided this run (a replacing copy may carry another
-- time, user or device, or be future-dated) is the device recomputed from all its events. The
-- nightly cost follows the night's events, not the history.
{%- set identifying_columns = ['device_id', 'user_id', 'event_time', 'insert_id', 'event_uuid'] %}

{% if is_incremental() %}
with changed_events as (
    select
        events.event_key,
        events.device_id,
        events.user_id,
        events.event_time,
        events.insert_id,
        events.event_uuid,
        events.is_future_dated,
        events.loaded_at
    from {{ ref('int_events__deduplicated') }} as events
    where events.device_id is not null
        and events.loaded_at > (
            select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp))
            from {{ this }} as previous
        )
),

redecided_devices as (
    select distinct stored.device_id
    from {{ this }} as stored
    inner join changed_events
        on changed_events.event_key = case
            when stored.identified_insert_id is null then 'uuid:' || stored.identified_event_uuid
            else 'insert_id:' || stored.identified_insert_id
        end
),

changed_devices as (
    select changed_events.device_id from changed_events
    union
    select redecided_devices.device_id from redecided_devices
),

candidates as (
    -- this run's valid identified events
    select
        {% for column in identifying_columns %}changed_events.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from changed_events
    where changed_events.user_id is not null
        and not changed_events.is_future_dated
        and changed_events.device_id not in (select redecided_devices.device_id from redecided_devices)
    union all
    -- the stored identifying event of the other touched devices
    select
        stored.device_id,
        stored.owner_user_id,
        stored.identified_at,
        stored.identified_insert_id,
        stored.identified_event_uuid
    from {{ this }} as stored
    where stored.owner_user_id is not null
        and stored.device_id in (select changed_events.device_id from changed_events)
        and stored.device_id not in (select redecided_devices.device_id from redecided_devices)
    union all
    -- every valid identified event of a re-decided device
    select
        {% for column in identifying_columns %}events.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('int_events__deduplicated') }} as events
    where events.user_id is not null
        and not events.is_future_dated
        and events.device_id in (select redecided_devices.device_id from redecided_devices)
),

run_stamp as (
    select max(changed_events.loaded_at) as loaded_at from changed_events
),
{% else %}
with changed_devices as (
    select distinct events.device_id
    from {{ ref('int_events__deduplicated') }} as events
    where events.device_id is not null
),

candidates as (
    select
        {% for column in identifying_columns %}events.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('int_events__deduplicated') }} as events
    where events.user_id is not null
        and not events.is_future_dated
),

run_stamp as (
    select max(all_events.loaded_at) as loaded_at from {{ ref('int_events__deduplicated') }} as all_events
),
{% endif %}

ranked_candidates as (
    select
        {% for column in identifying_columns %}candidates.{{ column }},
        {% endfor %}
        row_number() over (
            partition by candidates.device_id
            order by
                candidates.event_time,
                {{ ordered_text('candidates.insert_id') }} nulls last,
                {{ ordered_text('candidates.event_uuid') }}
        ) as identification_rank
    from candidates
),

decided as (
    select
        changed_devices.device_id,
        ranked_candidates.user_id as owner_user_id,
        ranked_candidates.event_time as identified_at,
        ranked_candidates.insert_id as identified_insert_id,
        ranked_candidates.event_uuid as identified_event_uuid
    from changed_devices
    left join ranked_candidates
        on changed_devices.device_id = ranked_candidates.device_id
        and ranked_candidates.identification_rank = 1
)

select
    decided.device_id,
    decided.owner_user_id,
    decided.identified_at,
    decided.identified_insert_id,
    decided.identified_event_uuid,
    run_stamp.loaded_at,
    -- When owner_user_id last changed (or the device appeared): int_user_event_days re-attributes
    -- the anonymous events of exactly these devices.
    {% if is_incremental() %}
    case
        when stored.device_id is null or (stored.owner_user_id is distinct from decided.owner_user_id)
            then run_stamp.loaded_at
        else stored.owner_loaded_at
    end as owner_loaded_at
    {% else %}
    run_stamp.loaded_at as owner_loaded_at
    {% endif %}
from decided
cross join run_stamp
{% if is_incremental() %}
left join {{ this }} as stored
    on decided.device_id = stored.device_id
{% endif %}
