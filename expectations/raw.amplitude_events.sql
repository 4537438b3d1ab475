-- Amplitude export records of the recent partitions, with the fields the warehouse relies on
-- pulled out of the JSON payload and their JSON types, so the suite can check presence, types
-- and formats before any model casts them. Partitions newer than the reference day are kept:
-- the freshness rule must see them (negative days_behind_reference).
select
    raw_events.dt as dt,
    raw_events.hour as upload_hour,
    raw_events._file as source_file,
    raw_events._line as source_line,
    json_extract_string(raw_events.payload, '$.event_type') as event_type,
    json_extract_string(raw_events.payload, '$.uuid') as event_uuid,
    json_extract_string(raw_events.payload, '$.device_id') as device_id,
    json_extract_string(raw_events.payload, '$.event_time') as event_time,
    json_extract_string(raw_events.payload, '$.server_upload_time') as server_upload_time,
    json_type(raw_events.payload, '$.user_id') as user_id_json_type,
    json_type(raw_events.payload, '$."$insert_id"') as insert_id_json_type,
    json_type(raw_events.payload, '$.session_id') as session_id_json_type,
    json_type(raw_events.payload, '$.event_properties') as event_properties_json_type,
    json_type(raw_events.payload, '$.user_properties') as user_properties_json_type,
    -- The file is keyed by the upload hour of its records (docs/contracts.md, raw zone).
    try_cast(substr(json_extract_string(raw_events.payload, '$.server_upload_time'), 1, 10) as date)
        as server_upload_date,
    try_cast(substr(json_extract_string(raw_events.payload, '$.server_upload_time'), 12, 2) as integer)
        as server_upload_hour,
    cast($reference_day as date) - raw_events.dt as days_behind_reference
from raw.amplitude_events as raw_events
where raw_events.dt > cast($reference_day as date) - $window_days
order by raw_events.dt, raw_events.hour, raw_events._file, raw_events._line
