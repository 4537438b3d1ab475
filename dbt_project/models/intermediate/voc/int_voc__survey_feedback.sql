-- Survey feedback items (metrics.md section 6): every non-empty answer to a `long_text`
-- question of a completed response, no deduplication, each routed to its product area:
-- the first area in alphabetical order (byte order, the same on every database) with a
-- keyword that occurs in the text, case-insensitive and on word boundaries (macro
-- voc_matches_keyword: `project` does not match "Projects", `due date` matches "due date").
with long_text_answers as (
    select
        answers.form_id as form_id,
        answers.response_id as response_id,
        answers.answer_position as answer_position,
        answers.field_id as field_id,
        responses.submitted_at as submitted_at,
        answers.value_text as feedback_text
    from {{ ref('stg_typeform__responses') }} as responses
    {{ join_typeform_answers('responses') }}
    where responses.is_completed
        and {{ typeform_answer_field('type') }} = 'long_text'
        and {{ voc_has_text('answers.value_text') }}
),

matched_areas as (
    select
        long_text_answers.form_id as form_id,
        long_text_answers.response_id as response_id,
        long_text_answers.answer_position as answer_position,
        min({{ ordered_text('keywords.area') }}) as area
    from long_text_answers
    inner join {{ ref('stg_workspace__product_area_keywords') }} as keywords
        on {{ voc_matches_keyword('long_text_answers.feedback_text', 'keywords.keyword') }}
    group by
        long_text_answers.form_id,
        long_text_answers.response_id,
        long_text_answers.answer_position
)

select
    long_text_answers.form_id as form_id,
    long_text_answers.response_id as response_id,
    long_text_answers.answer_position as answer_position,
    long_text_answers.field_id as field_id,
    long_text_answers.submitted_at as submitted_at,
    long_text_answers.feedback_text as feedback_text,
    matched_areas.area as area
from long_text_answers
left join matched_areas
    on long_text_answers.form_id = matched_areas.form_id
    and long_text_answers.response_id = matched_areas.response_id
    and long_text_answers.answer_position = matched_areas.answer_position
