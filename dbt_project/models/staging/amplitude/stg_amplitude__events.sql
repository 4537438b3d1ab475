-- Amplitude export records, typed: one row per raw record (duplicates included, see
-- int_events__deduplicated). Timestamps are UTC without a zone, as the export writes them
-- (`2026-01-05 13:45:12.123456`). An empty $insert_id or user_id means absent.
-- The scalar fields are read in one pass over each document (json_texts): parsing the payload
-- once per field was most of the nightly cost of the events pipeline.
with source_rows as (
    select
        payload as payload,
        dt as upload_dt,
        hour as upload_hour,
        _file as source_file,
        _line as source_line,
        _loaded_at as loaded_at
    from {{ source('amplitude', 'events') }}
),

parsed as (
    select
        {{ json_texts('source_rows.payload', [
            ['uuid'], ['$insert_id'], ['event_type'], ['user_id'], ['device_id'], ['event_time'],
            ['client_event_time'], ['server_upload_time'], ['server_received_time'], ['session_id'],
            ['amplitude_id'], ['app'], ['platform'], ['os_name'], ['country'], ['user_properties', 'email'],
        ]) }} as texts,
        {{ json_value('source_rows.payload', ['event_properties']) }} as event_properties,
        {{ json_value('source_rows.payload', ['user_properties']) }} as user_properties,
        source_rows.upload_dt,
        source_rows.upload_hour,
        source_rows.source_file,
        source_rows.source_line,
        source_rows.loaded_at
    from source_rows
)

select
    parsed.texts[1] as event_uuid,
    nullif(parsed.texts[2], '') as insert_id,
    parsed.texts[3] as event_type,
    nullif(parsed.texts[4], '') as user_id,
    parsed.texts[5] as device_id,
    cast(parsed.texts[6] as timestamp) as event_time,
    cast(parsed.texts[7] as timestamp) as client_event_time,
    cast(parsed.texts[8] as timestamp) as server_upload_time,
    cast(parsed.texts[9] as timestamp) as server_received_time,
    cast(parsed.texts[10] as bigint) as session_id,
    cast(parsed.texts[11] as bigint) as amplitude_id,
    parsed.texts[12] as app_id,
    parsed.texts[13] as platform,
    parsed.texts[14] as os_name,
    parsed.texts[15] as country,
    parsed.event_properties,
    parsed.user_properties,
    parsed.texts[16] as user_email,
    -- Only a JSON boolean is a test flag: the string "true" is not (metrics.md section 2.2).
    case
        when {{ json_type('parsed.user_properties', ['is_test']) }} = 'boolean'
            then {{ json_text('parsed.user_properties', ['is_test']) }} = 'true'
    end as user_is_test,
    parsed.upload_dt,
    parsed.upload_hour,
    parsed.source_file,
    parsed.source_line,
    parsed.loaded_at
from parsed
