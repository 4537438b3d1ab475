-- Typed Amplitude events of the upload partitions this build (re)loaded: the nightly lookback
-- window and, after an explicit backfill, the days it recomputed (duplicates included, as in the
-- model), checked in the database and aggregated per upload day: one row per upload_dt with, for every
-- rule, the number of events breaking it (<rule>_violations) and the first few of them
-- (<rule>_examples: file:line). Row-level frames would not fit in memory at millions of events
-- a day. A null value breaks only the presence rules: the blank rules judge the values present.
with checked as (
    select
        events.upload_dt as upload_dt,
        struct_pack(file := events.source_file, line := events.source_line) as position,
        events.source_file || ':' || events.source_line as at_line,
        events.event_uuid is null as event_uuid_present,
        events.event_type is null as event_type_present,
        coalesce(regexp_matches(events.event_type, $blank_regex), false) as event_type_not_blank,
        events.device_id is null as device_id_present,
        coalesce(regexp_matches(events.user_id, $blank_regex), false) as user_id_not_blank,
        coalesce(regexp_matches(events.insert_id, $blank_regex), false) as insert_id_not_blank,
        events.event_time is null as event_time_typed,
        events.server_upload_time is null as server_upload_time_typed
    from staging.stg_amplitude__events as events
    where {{ in_lookback_window('events.upload_dt', 'cast($reference_day as date)', '$lookback_days') }}
        or events.upload_dt between cast($recheck_start as date) and cast($recheck_end as date)
)

select
    checked.upload_dt as upload_dt,
    count(*) as event_count,
    count(*) filter (where checked.event_uuid_present) as event_uuid_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.event_uuid_present)
        as event_uuid_present_examples,
    count(*) filter (where checked.event_type_present) as event_type_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.event_type_present)
        as event_type_present_examples,
    count(*) filter (where checked.event_type_not_blank) as event_type_not_blank_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.event_type_not_blank)
        as event_type_not_blank_examples,
    count(*) filter (where checked.device_id_present) as device_id_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.device_id_present)
        as device_id_present_examples,
    count(*) filter (where checked.user_id_not_blank) as user_id_not_blank_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.user_id_not_blank)
        as user_id_not_blank_examples,
    count(*) filter (where checked.insert_id_not_blank) as insert_id_not_blank_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.insert_id_not_blank)
        as insert_id_not_blank_examples,
    count(*) filter (where checked.event_time_typed) as event_time_typed_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.event_time_typed)
        as event_time_typed_examples,
    count(*) filter (where checked.server_upload_time_typed) as server_upload_time_typed_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.server_upload_time_typed)
        as server_upload_time_typed_examples
from checked
group by checked.upload_dt
order by checked.upload_dt
