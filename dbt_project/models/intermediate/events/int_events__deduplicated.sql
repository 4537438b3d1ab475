{{
    config(
        materialized=merge_model_materialization(),
        unique_key='event_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- One row per event (metrics.md sections 1.2-1.3): copies sharing an insert_id are one event,
-- the copy with the earliest server_upload_time is kept (ties: smallest uuid); events without
-- an insert_id are deduplicated on uuid. Future-dated events (event_time more than 1 hour
-- after server_upload_time, judged on the kept copy) stay here, flagged.
--
-- Incremental: only raw rows loaded since the last run (loaded_at high-water mark) are read;
-- each affected event is re-decided between its kept copy and the new copies. Keeping the
-- minimum is associative, so this equals deduplicating all copies at once. When the re-decided
-- copy moves the event to another day, replaced_event_date names the day it left, so the
-- day-level incrementals downstream recompute that day too.
{%- set copy_columns = [
    'event_key', 'event_uuid', 'insert_id', 'event_type', 'user_id', 'device_id',
    'event_time', 'server_upload_time', 'session_id', 'platform', 'os_name', 'country',
    'event_properties', 'user_email', 'user_is_test', 'source_file', 'source_line', 'loaded_at',
] %}

with new_copies as (
    select
        case
            when insert_id is null then 'uuid:' || event_uuid
            else 'insert_id:' || insert_id
        end as event_key,
        event_uuid,
        insert_id,
        event_type,
        user_id,
        device_id,
        event_time,
        server_upload_time,
        session_id,
        platform,
        os_name,
        country,
        event_properties,
        user_email,
        user_is_test,
        source_file,
        source_line,
        loaded_at,
        false as is_kept_copy
    from {{ ref('stg_amplitude__events') }}
    {% if is_incremental() %}
    where loaded_at > (
        select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp))
        from {{ this }} as previous
    )
    {% endif %}
),

candidates as (
    select
        {% for column in copy_columns %}new_copies.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
        , new_copies.is_kept_copy
    from new_copies
    {% if is_incremental() %}
    union all
    select
        {% for column in copy_columns %}kept.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
        , true as is_kept_copy
    from {{ this }} as kept
    where kept.event_key in (select new_copies.event_key from new_copies)
    {% endif %}
),

ranked as (
    select
        {% for column in copy_columns %}candidates.{{ column }},
        {% endfor %}
        row_number() over (
            partition by candidates.event_key
            -- A reloaded file brings the same copy again: prefer the latest load of it, so the
            -- kept row's lineage is the one a full refresh would keep.
            order by
                candidates.server_upload_time,
                {{ ordered_text('candidates.event_uuid') }},
                candidates.loaded_at desc,
                {{ ordered_text('candidates.source_file') }},
                candidates.source_line
        ) as copy_rank,
        max(candidates.loaded_at) over (partition by candidates.event_key) as last_loaded_at,
        max(case when candidates.is_kept_copy then {{ reporting_date('candidates.event_time') }} end)
            over (partition by candidates.event_key) as kept_event_date
    from candidates
)

select
    event_key,
    event_uuid,
    insert_id,
    event_type,
    user_id,
    device_id,
    event_time,
    server_upload_time,
    {{ reporting_date('event_time') }} as event_date,
    event_time > server_upload_time + interval '1 hour' as is_future_dated,
    session_id,
    platform,
    os_name,
    country,
    event_properties,
    user_email,
    case
        when {{ dbt.position("'@'", 'user_email') }} > 0
            then lower(substr(user_email, {{ dbt.position("'@'", 'user_email') }} + 1))
    end as user_email_domain,
    user_is_test,
    source_file,
    source_line,
    last_loaded_at as loaded_at,
    case
        when (kept_event_date is distinct from {{ reporting_date('event_time') }}) then kept_event_date
    end as replaced_event_date
from ranked
where copy_rank = 1
-- Clustered by day: downstream incrementals read a few recent days, which lets the database
-- skip the row groups of every other day.
order by event_date
