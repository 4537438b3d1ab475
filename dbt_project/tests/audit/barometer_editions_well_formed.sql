{{ config(severity='warn') }}
-- Completed responses that carry a barometer's hidden pm_email but no well-formed edition
-- (YYYY-H1/YYYY-H2): int_barometer__responses leaves them out of the barometer, so they are
-- listed here (a warning: the survey link was edited, or the form's hidden field is misnamed).
select
    responses.form_id,
    responses.response_id
from {{ ref('stg_typeform__responses') }} as responses
where responses.is_completed
    and nullif(trim({{ json_text('responses.hidden', ['pm_email']) }}), '') is not null
    and not {{ barometer_edition_is_valid("trim(" ~ json_text('responses.hidden', ['edition']) ~ ")") }}
