{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- Amplitude export records, typed: one row per raw record (duplicates included, see
-- int_events__deduplicated). Timestamps are UTC without a zone, as the export writes them
-- (`2026-01-05 13:45:12.123456`). An empty $insert_id or user_id means absent.
-- The scalar fields are read in one pass over each document (json_texts): parsing the payload
-- once per field was most of the nightly cost of the events pipeline. Fields, paths and types come
-- from the record schema in _amplitude__sources.yml (record_schema.sql); a value that does not
-- cast is null here, never a failed build (landing quarantines such records anyway).
{%- set text_fields = [
    'uuid', 'insert_id', 'event_type', 'user_id', 'device_id', 'event_time', 'client_event_time',
    'server_upload_time', 'server_received_time', 'session_id', 'amplitude_id', 'app_id', 'platform',
    'os_name', 'country', 'user_email',
] %}
{%- set blank_is_absent = ['insert_id', 'user_id'] %}
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
        {{ json_texts('source_rows.payload', record_paths('amplitude', 'events', text_fields)) }} as texts,
        {{ typed_field('amplitude', 'events', 'event_properties', 'source_rows.payload') }} as event_properties,
        {{ typed_field('amplitude', 'events', 'user_properties', 'source_rows.payload') }} as user_properties,
        source_rows.upload_dt,
        source_rows.upload_hour,
        source_rows.source_file,
        source_rows.source_line,
        source_rows.loaded_at
    from source_rows
)

select
    {%- for name in text_fields %}
    {%- set typed = typed_text('amplitude', 'events', name, list_item('parsed.texts', loop.index)) %}
    {{ 'nullif(' ~ typed ~ ", '')" if name in blank_is_absent else typed }} as {{ record_field('amplitude', 'events', name).get('column', name) }},
    {%- endfor %}
    parsed.event_properties,
    parsed.user_properties,
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
