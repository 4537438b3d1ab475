{{ config(schema='intermediate', materialized='view') }}
-- The theme scores of each PM's scoring barometer response (its latest of the edition): one row
-- per opinion_scale answer, the theme being the question's ref (discovery, strategy, delivery,
-- measurement, collaboration in the simulator's form). The answer carries its field's type and
-- ref; the form definition is the fallback when it does not.
select
    responses.edition,
    responses.pm_email,
    responses.response_id,
    coalesce(answers.field_ref, fields.field_ref) as theme,
    answers.value_number as score
from {{ ref('int_barometer__responses') }} as responses
inner join {{ ref('stg_typeform__answers') }} as answers
    on responses.form_id = answers.form_id
    and responses.response_id = answers.response_id
left join {{ ref('stg_typeform__form_fields') }} as fields
    on answers.form_id = fields.form_id
    and answers.field_id = fields.field_id
where responses.is_latest_of_pm
    and coalesce(answers.field_type, fields.field_type) = 'opinion_scale'
    and answers.value_number is not null
