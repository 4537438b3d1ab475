{{ config(schema='intermediate', materialized='view') }}
-- Completed product barometer responses (the semestrial PM maturity survey): responses whose
-- hidden fields carry both `edition` and `pm_email` (that is what makes a Typeform response a
-- barometer response, whatever the form id). Emails are lower-cased. Hidden fields arrive from
-- the survey link, which anyone holding it can edit: an edition that is not YYYY-H1/YYYY-H2 (the
-- format barometer_invitees.csv enforces) makes no barometer response, so the governed marts,
-- which publish editions as labels, never show free text typed there (the data test
-- barometer_editions_well_formed lists such responses). A PM may answer an edition
-- more than once: is_latest_of_pm marks the latest submission, the one that scores (like NPS,
-- one answer per respondent per period); every submission's pain point is still a feedback item.
with barometer_responses as (
    select
        responses.form_id,
        responses.response_id,
        responses.submitted_at,
        nullif(trim({{ json_text('responses.hidden', ['edition']) }}), '') as edition,
        lower(nullif(trim({{ json_text('responses.hidden', ['pm_email']) }}), '')) as pm_email
    from {{ ref('stg_typeform__responses') }} as responses
    where responses.is_completed
)

select
    barometer_responses.form_id,
    barometer_responses.response_id,
    barometer_responses.edition,
    barometer_responses.pm_email,
    barometer_responses.submitted_at,
    row_number() over (
        partition by barometer_responses.edition, barometer_responses.pm_email
        order by barometer_responses.submitted_at desc, {{ ordered_text('barometer_responses.response_id') }} desc
    ) = 1 as is_latest_of_pm
from barometer_responses
where barometer_responses.pm_email is not null
    and {{ barometer_edition_is_valid('barometer_responses.edition') }}
