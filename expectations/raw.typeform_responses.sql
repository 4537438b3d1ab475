-- Typeform response items of the recent partitions (dt = start of the extraction interval).
-- No freshness rule here: a day without responses is normal; raw.typeform_forms carries it.
select
    raw_responses.dt as dt,
    raw_responses.form_id as form_id,
    raw_responses._file as source_file,
    raw_responses._line as source_line,
    coalesce(
        json_extract_string(raw_responses.payload, '$.response_id'),
        json_extract_string(raw_responses.payload, '$.token')
    ) as response_id,
    json_extract_string(raw_responses.payload, '$.response_type') as response_type,
    json_extract_string(raw_responses.payload, '$.landed_at') as landed_at,
    json_extract_string(raw_responses.payload, '$.submitted_at') as submitted_at,
    json_type(raw_responses.payload, '$.hidden') as hidden_json_type,
    json_type(raw_responses.payload, '$.answers') as answers_json_type,
    cast($reference_day as date) - raw_responses.dt as days_behind_reference
from raw.typeform_responses as raw_responses
where raw_responses.dt > cast($reference_day as date) - $window_days
order by raw_responses.dt, raw_responses._file, raw_responses._line
