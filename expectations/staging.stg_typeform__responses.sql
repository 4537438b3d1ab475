-- Deduplicated Typeform responses whose kept copy was extracted in the recent window.
select
    responses.form_id as form_id,
    responses.response_id as response_id,
    responses.response_type as response_type,
    responses.landed_at as landed_at,
    responses.submitted_at as submitted_at,
    responses.source_dt as source_dt
from staging.stg_typeform__responses as responses
where responses.source_dt > cast($reference_day as date) - $window_days
order by responses.form_id, responses.response_id
