-- Typeform form definitions of the recent partitions: fetched on every extraction interval, so
-- they show whether the survey source is fresh even on days without responses.
select
    raw_forms.dt as dt,
    raw_forms.form_id as form_id,
    raw_forms._file as source_file,
    raw_forms._line as source_line,
    json_extract_string(raw_forms.payload, '$.id') as definition_id,
    json_type(raw_forms.payload, '$.fields') as fields_json_type,
    cast($reference_day as date) - raw_forms.dt as days_behind_reference
from raw.typeform_forms as raw_forms
where raw_forms.dt > cast($reference_day as date) - $window_days
order by raw_forms.dt, raw_forms.form_id
