-- NPS responses (metrics.md section 5): completed responses (submitted_at not null) whose
-- form's `nps` question is answered with an integer 0-10, one per respondent per month.
-- The respondent is the hidden field user_id, else the response itself (response_id); of
-- several responses in a month the latest submitted_at wins (ties: greatest form_id,
-- then response_id, in byte order).
-- The rule spans forms: a user answering two NPS forms in a month counts once.
with nps_answers as (
    select
        responses.form_id as form_id,
        responses.response_id as response_id,
        responses.hidden_user_id as user_id,
        responses.hidden_plan as plan,
        responses.submitted_at as submitted_at,
        answers.value_number as score
    from {{ ref('stg_typeform__responses') }} as responses
    {{ join_typeform_answers('responses') }}
    where responses.is_completed
        and fields.is_nps_question
        and answers.value_number between 0 and 10
        and answers.value_number = floor(answers.value_number)
),

with_respondent as (
    select
        form_id as form_id,
        response_id as response_id,
        case
            when user_id is not null then 'user_id:' || user_id
            else 'response_id:' || form_id || ':' || response_id
        end as respondent_id,
        user_id as user_id,
        plan as plan,
        submitted_at as submitted_at,
        {{ voc_reporting_day('submitted_at') }} as submitted_day,
        {{ voc_reporting_month('submitted_at') }} as submitted_month,
        cast(score as integer) as score
    from nps_answers
),

ranked as (
    select
        form_id,
        response_id,
        respondent_id,
        user_id,
        plan,
        submitted_at,
        submitted_day,
        submitted_month,
        score,
        row_number() over (
            partition by respondent_id, submitted_month
            order by
                submitted_at desc,
                {{ ordered_text('form_id') }} desc,
                {{ ordered_text('response_id') }} desc
        ) as response_rank
    from with_respondent
)

select
    form_id as form_id,
    response_id as response_id,
    respondent_id as respondent_id,
    user_id as user_id,
    plan as plan,
    submitted_at as submitted_at,
    submitted_day as submitted_day,
    submitted_month as submitted_month,
    score as score,
    case
        when score >= 9 then 'promoter'
        when score >= 7 then 'passive'
        else 'detractor'
    end as nps_category
from ranked
where response_rank = 1
