-- Amplitude export records of the partitions this build (re)loaded, checked in the database and
-- aggregated per partition day: one row per dt with, for every rule, the number of records breaking it
-- (<rule>_violations) and the first few of them (<rule>_examples: file:line and the value).
-- Row-level frames would not fit in memory at millions of events a day. The fields the warehouse
-- relies on are pulled out of the JSON payload once per record (one parse for all paths).
-- The partitions: the nightly lookback window (the days a nightly build recomputes; older ones
-- were validated by the nights that loaded them) and, after an explicit backfill, the days it
-- recomputed. Partitions newer than the reference day are kept: the freshness rule must see them.
with records as (
    select
        raw_events.dt as dt,
        raw_events.hour as upload_hour,
        struct_pack(file := raw_events._file, line := raw_events._line) as position,
        raw_events._file || ':' || raw_events._line as at_line,
        json_extract_string(
            raw_events.payload, ['$.event_type', '$.uuid', '$.device_id', '$.event_time', '$.server_upload_time']
        ) as texts,
        json_type(
            raw_events.payload,
            ['$.user_id', '$."$insert_id"', '$.session_id', '$.event_properties', '$.user_properties']
        ) as types
    from raw.amplitude_events as raw_events
    where raw_events.dt > cast($reference_day as date) - $lookback_days
        or raw_events.dt between cast($recheck_start as date) and cast($recheck_end as date)
),

fields as (
    select
        records.dt as dt,
        records.upload_hour as upload_hour,
        records.position as position,
        records.at_line as at_line,
        records.texts[1] as event_type,
        records.texts[2] as event_uuid,
        records.texts[3] as device_id,
        records.texts[4] as event_time,
        records.texts[5] as server_upload_time,
        records.types[1] as user_id_json_type,
        records.types[2] as insert_id_json_type,
        records.types[3] as session_id_json_type,
        records.types[4] as event_properties_json_type,
        records.types[5] as user_properties_json_type,
        -- The file is keyed by the upload hour of its records (docs/contracts.md, raw zone).
        try_cast(substr(records.texts[5], 1, 10) as date) as server_upload_date,
        try_cast(substr(records.texts[5], 12, 2) as integer) as server_upload_hour
    from records
),

-- One flag per rule (true = the record breaks it). A missing value breaks only the presence
-- rules: format and type rules judge the values that are there, as GX's column rules do.
checked as (
    select
        fields.*,
        fields.event_type is null as event_type_present,
        fields.event_uuid is null as uuid_present,
        fields.device_id is null as device_id_present,
        fields.event_time is null as event_time_present,
        coalesce(not regexp_matches(fields.event_time, $timestamp_regex), false) as event_time_format,
        coalesce(not regexp_matches(fields.server_upload_time, $timestamp_regex), false)
            as server_upload_time_format,
        fields.server_upload_date is distinct from fields.dt as in_upload_day_partition,
        fields.server_upload_hour is distinct from fields.upload_hour as in_upload_hour_file,
        coalesce(fields.user_id_json_type not in ('VARCHAR', 'NULL'), false) as user_id_type,
        coalesce(fields.insert_id_json_type not in ('VARCHAR', 'NULL'), false) as insert_id_type,
        coalesce(fields.session_id_json_type not in ('BIGINT', 'UBIGINT'), false) as session_id_type,
        coalesce(fields.event_properties_json_type <> 'OBJECT', false) as event_properties_type,
        coalesce(fields.user_properties_json_type <> 'OBJECT', false) as user_properties_type
    from fields
)

select
    checked.dt as dt,
    cast($reference_day as date) - checked.dt as days_behind_reference,
    count(*) as record_count,
    count(*) filter (where checked.event_type_present) as event_type_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.event_type_present)
        as event_type_present_examples,
    count(*) filter (where checked.uuid_present) as uuid_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.uuid_present) as uuid_present_examples,
    count(*) filter (where checked.device_id_present) as device_id_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.device_id_present)
        as device_id_present_examples,
    count(*) filter (where checked.event_time_format) as event_time_format_violations,
    arg_min(checked.at_line || ' event_time=' || checked.event_time, checked.position, 5)
        filter (where checked.event_time_format) as event_time_format_examples,
    count(*) filter (where checked.event_time_present) as event_time_present_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.event_time_present)
        as event_time_present_examples,
    count(*) filter (where checked.server_upload_time_format) as server_upload_time_format_violations,
    arg_min(checked.at_line || ' server_upload_time=' || checked.server_upload_time, checked.position, 5)
        filter (where checked.server_upload_time_format) as server_upload_time_format_examples,
    count(*) filter (where checked.in_upload_day_partition) as in_upload_day_partition_violations,
    arg_min(
        checked.at_line || ' server_upload_time=' || coalesce(checked.server_upload_time, 'null'),
        checked.position,
        5
    ) filter (where checked.in_upload_day_partition) as in_upload_day_partition_examples,
    count(*) filter (where checked.in_upload_hour_file) as in_upload_hour_file_violations,
    arg_min(
        checked.at_line || ' hour=' || checked.upload_hour
        || ' server_upload_time=' || coalesce(checked.server_upload_time, 'null'),
        checked.position,
        5
    ) filter (where checked.in_upload_hour_file) as in_upload_hour_file_examples,
    count(*) filter (where checked.user_id_type) as user_id_type_violations,
    arg_min(checked.at_line || ' user_id is ' || checked.user_id_json_type, checked.position, 5)
        filter (where checked.user_id_type) as user_id_type_examples,
    count(*) filter (where checked.insert_id_type) as insert_id_type_violations,
    arg_min(checked.at_line || ' $insert_id is ' || checked.insert_id_json_type, checked.position, 5)
        filter (where checked.insert_id_type) as insert_id_type_examples,
    count(*) filter (where checked.session_id_type) as session_id_type_violations,
    arg_min(checked.at_line || ' session_id is ' || checked.session_id_json_type, checked.position, 5)
        filter (where checked.session_id_type) as session_id_type_examples,
    count(*) filter (where checked.event_properties_type) as event_properties_type_violations,
    arg_min(
        checked.at_line || ' event_properties is ' || checked.event_properties_json_type, checked.position, 5
    ) filter (where checked.event_properties_type) as event_properties_type_examples,
    count(*) filter (where checked.user_properties_type) as user_properties_type_violations,
    arg_min(
        checked.at_line || ' user_properties is ' || checked.user_properties_json_type, checked.position, 5
    ) filter (where checked.user_properties_type) as user_properties_type_examples
from checked
group by checked.dt
order by checked.dt
