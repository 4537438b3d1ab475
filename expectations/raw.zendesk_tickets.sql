-- Zendesk ticket versions of the recent partitions (dt = start of the extraction interval), with
-- the fields the warehouse relies on pulled out of the JSON payload and their JSON types.
select
    raw_tickets.dt as dt,
    raw_tickets._file as source_file,
    raw_tickets._line as source_line,
    json_type(raw_tickets.payload, '$.id') as id_json_type,
    json_extract_string(raw_tickets.payload, '$.status') as status,
    json_extract_string(raw_tickets.payload, '$.created_at') as created_at,
    json_extract_string(raw_tickets.payload, '$.updated_at') as updated_at,
    json_type(raw_tickets.payload, '$.generated_timestamp') as generated_timestamp_json_type,
    -- The extraction of [a, b) keeps the tickets whose generated_timestamp is in [a, b).
    cast(to_timestamp(try_cast(json_extract_string(raw_tickets.payload, '$.generated_timestamp') as bigint))
        at time zone 'UTC' as date) as generated_date,
    json_type(raw_tickets.payload, '$.tags') as tags_json_type,
    json_extract_string(raw_tickets.payload, '$.satisfaction_rating.score') as satisfaction_score,
    json_type(raw_tickets.payload, '$.metric_set') as metric_set_json_type,
    cast($reference_day as date) - raw_tickets.dt as days_behind_reference
from raw.zendesk_tickets as raw_tickets
where raw_tickets.dt > cast($reference_day as date) - $window_days
order by raw_tickets.dt, raw_tickets._file, raw_tickets._line
