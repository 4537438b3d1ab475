-- Amplitude export records, typed: one row per raw record (duplicates included, see
-- int_events__deduplicated). Timestamps are UTC without a zone, as the export writes them
-- (`2026-01-05 13:45:12.123456`). An empty $insert_id or user_id means absent.
with source_rows as (
    select
        payload as payload,
        dt as upload_dt,
        hour as upload_hour,
        _file as source_file,
        _line as source_line,
        _loaded_at as loaded_at
    from {{ source('amplitude', 'events') }}
)

select
    {{ json_text('payload', ['uuid']) }} as event_uuid,
    nullif({{ json_text('payload', ['$insert_id']) }}, '') as insert_id,
    {{ json_text('payload', ['event_type']) }} as event_type,
    nullif({{ json_text('payload', ['user_id']) }}, '') as user_id,
    {{ json_text('payload', ['device_id']) }} as device_id,
    cast({{ json_text('payload', ['event_time']) }} as timestamp) as event_time,
    cast({{ json_text('payload', ['client_event_time']) }} as timestamp) as client_event_time,
    cast({{ json_text('payload', ['server_upload_time']) }} as timestamp) as server_upload_time,
    cast({{ json_text('payload', ['server_received_time']) }} as timestamp) as server_received_time,
    cast({{ json_text('payload', ['session_id']) }} as bigint) as session_id,
    cast({{ json_text('payload', ['amplitude_id']) }} as bigint) as amplitude_id,
    {{ json_text('payload', ['app']) }} as app_id,
    {{ json_text('payload', ['platform']) }} as platform,
    {{ json_text('payload', ['os_name']) }} as os_name,
    {{ json_text('payload', ['country']) }} as country,
    {{ json_value('payload', ['event_properties']) }} as event_properties,
    {{ json_value('payload', ['user_properties']) }} as user_properties,
    {{ json_text('payload', ['user_properties', 'email']) }} as user_email,
    -- Only a JSON boolean is a test flag: the string "true" is not (metrics.md section 2.2).
    case
        when {{ json_type('payload', ['user_properties', 'is_test']) }} = 'boolean'
            then {{ json_text('payload', ['user_properties', 'is_test']) }} = 'true'
    end as user_is_test,
    upload_dt,
    upload_hour,
    source_file,
    source_line,
    loaded_at
from source_rows
