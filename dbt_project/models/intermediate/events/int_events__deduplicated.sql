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
--
-- Cost (BENCHMARKS.md): a re-sent copy may meet its kept copy on any day of the history, so the
-- lookup reads every stored key, but only the narrow event_key and event_date columns; the
-- whole kept rows are then read on their days only. Ranking copies is needed only for events
-- with more than one candidate copy (a re-sent or reloaded event): the others pass through.
{%- set copy_columns = [
    'event_key', 'event_uuid', 'insert_id', 'event_type', 'user_id', 'device_id',
    'event_time', 'server_upload_time', 'session_id', 'platform', 'os_name', 'country',
    'event_properties', 'user_email', 'user_is_test', 'source_file', 'source_line', 'loaded_at',
] %}

with new_copies as (
    select
        {{ amplitude_event_key('insert_id', 'event_uuid') }} as event_key,
        {% for column in copy_columns if column != 'event_key' %}{{ column }},
        {% endfor %}
        false as is_kept_copy
    from {{ ref('stg_amplitude__events') }}
    {% if is_incremental() %}
    where loaded_at > (
        select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp))
        from {{ this }} as previous
    )
    {% endif %}
),

{% if is_incremental() %}
{%- set kept_copy_columns -%}
    {% for column in copy_columns %}kept.{{ column }}, {% endfor %}true as is_kept_copy
{%- endset %}
-- The kept copies the new ones compete with: found on the key column, then read on their days.
kept_keys as (
    select
        known.event_key,
        known.event_date
    from {{ this }} as known
    where known.event_key in (select new_copies.event_key from new_copies)
),
{% endif %}

candidates as (
    select
        {% for column in copy_columns %}new_copies.{{ column }}{{ ',' if not loop.last }}
        {% endfor %}
        , new_copies.is_kept_copy
    from new_copies
    {% if is_incremental() %}
    union all
    select {{ kept_copy_columns }}
    from {{ this }} as kept
    inner join kept_keys
        -- plain equality, so the database skips the row groups of other days; a kept copy
        -- without a day (no event_time) is read by the branch below
        on
            kept.event_key = kept_keys.event_key
            and kept.event_date = kept_keys.event_date
    union all
    select {{ kept_copy_columns }}
    from {{ this }} as kept
    where
        kept.event_date is null
        and kept.event_key in (select kept_keys.event_key from kept_keys)
    {% endif %}
),

-- Per event: its number of candidate copies, its latest load, the day of its kept copy (if any).
copy_counts as (
    select
        candidates.event_key,
        count(*) as copies,
        max(candidates.loaded_at) as last_loaded_at,
        max(case when candidates.is_kept_copy then {{ reporting_date('candidates.event_time') }} end)
            as kept_event_date
    from candidates
    group by candidates.event_key
),

-- The copies of events with more than one candidate, ranked; a copy is named by its key, uuid,
-- upload time, source line and load (a reloaded file brings the same line again, with a later load).
contested as (
    select
        candidates.event_key,
        candidates.event_uuid,
        candidates.server_upload_time,
        candidates.source_file,
        candidates.source_line,
        candidates.loaded_at,
        candidates.is_kept_copy,
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
        ) as copy_rank
    from candidates
    inner join copy_counts
        on candidates.event_key = copy_counts.event_key
    where copy_counts.copies > 1
),

winners as (
    select
        {% for column in copy_columns %}candidates.{{ column }},
        {% endfor %}
        copy_counts.last_loaded_at,
        copy_counts.kept_event_date
    from candidates
    inner join copy_counts
        on candidates.event_key = copy_counts.event_key
    left join contested
        on
            candidates.event_key = contested.event_key
            and candidates.loaded_at = contested.loaded_at
            and candidates.is_kept_copy = contested.is_kept_copy
            and candidates.event_uuid is not distinct from contested.event_uuid
            and candidates.server_upload_time is not distinct from contested.server_upload_time
            and candidates.source_file is not distinct from contested.source_file
            and candidates.source_line is not distinct from contested.source_line
    where copy_counts.copies = 1 or contested.copy_rank = 1
)

select
    winners.event_key,
    winners.event_uuid,
    winners.insert_id,
    winners.event_type,
    winners.user_id,
    winners.device_id,
    winners.event_time,
    winners.server_upload_time,
    {{ reporting_date('winners.event_time') }} as event_date,
    winners.event_time > winners.server_upload_time + interval '1 hour' as is_future_dated,
    winners.session_id,
    winners.platform,
    winners.os_name,
    winners.country,
    winners.event_properties,
    winners.user_email,
    case
        when {{ dbt.position("'@'", 'winners.user_email') }} > 0
            then lower(substr(winners.user_email, {{ dbt.position("'@'", 'winners.user_email') }} + 1))
    end as user_email_domain,
    winners.user_is_test,
    winners.source_file,
    winners.source_line,
    winners.last_loaded_at as loaded_at,
    case
        when (winners.kept_event_date is distinct from {{ reporting_date('winners.event_time') }})
            then winners.kept_event_date
    end as replaced_event_date
from winners
-- Clustered by day: downstream incrementals read a few recent days, which lets the database
-- skip the row groups of every other day.
order by event_date
