-- Typed Amplitude events of the recent upload partitions (duplicates included, as in the model).
select
    events.source_file as source_file,
    events.source_line as source_line,
    events.event_uuid as event_uuid,
    events.insert_id as insert_id,
    events.event_type as event_type,
    events.user_id as user_id,
    events.device_id as device_id,
    events.event_time as event_time,
    events.server_upload_time as server_upload_time,
    events.user_is_test as user_is_test,
    events.upload_dt as upload_dt
from staging.stg_amplitude__events as events
where events.upload_dt > cast($reference_day as date) - $window_days
order by events.upload_dt, events.source_file, events.source_line
