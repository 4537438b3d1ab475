{{ config(schema='intermediate', materialized='view') }}
-- The theme scores of each PM's scoring barometer response (its latest of the edition): one row
-- per opinion_scale answer, the theme being the question's ref (discovery, strategy, delivery,
-- measurement, collaboration in the simulator's form). The answer carries its field's type and
-- ref; the form definition is the fallback when it does not.
select
    responses.edition,
    responses.pm_email,
    responses.response_id,
    {{ typeform_answer_field('ref') }} as theme,
    answers.value_number as score
from {{ ref('int_barometer__responses') }} as responses
{{ join_typeform_answers('responses') }}
where responses.is_latest_of_pm
    and {{ typeform_answer_field('type') }} = 'opinion_scale'
    and answers.value_number is not null
