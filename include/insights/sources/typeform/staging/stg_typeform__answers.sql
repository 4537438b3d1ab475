{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- One row per answer of each (deduplicated) response, in answer order. An answer is
-- {"field": {"id", "type", "ref"}, "type": T, T: value}; its value is typed into the column
-- that fits T (unanswered questions have no row: Typeform omits them). Casts are defensive
-- (field_cast): a value that does not cast is null, never a failed build.
with answer_rows as (
    select
        responses.form_id as form_id,
        responses.response_id as response_id,
        cast(answer.ordinal as integer) as answer_position,
        answer.element as answer
    from {{ ref('stg_typeform__responses') }} as responses
    {{ voc_json_array_rows('responses.answers', [], 'answer') }}
),

parsed as (
    select
        form_id as form_id,
        response_id as response_id,
        answer_position as answer_position,
        {{ json_text('answer', ['field', 'id']) }} as field_id,
        {{ json_text('answer', ['field', 'type']) }} as field_type,
        {{ json_text('answer', ['field', 'ref']) }} as field_ref,
        {{ json_text('answer', ['type']) }} as answer_type,
        answer as answer
    from answer_rows
)

select
    form_id as form_id,
    response_id as response_id,
    answer_position as answer_position,
    field_id as field_id,
    field_type as field_type,
    field_ref as field_ref,
    answer_type as answer_type,
    case answer_type
        when 'text' then {{ json_text('answer', ['text']) }}
        when 'email' then {{ json_text('answer', ['email']) }}
        when 'url' then {{ json_text('answer', ['url']) }}
        when 'file_url' then {{ json_text('answer', ['file_url']) }}
        when 'phone_number' then {{ json_text('answer', ['phone_number']) }}
        when 'date' then {{ json_text('answer', ['date']) }}
        when 'choice' then coalesce(
            {{ json_text('answer', ['choice', 'label']) }}, {{ json_text('answer', ['choice', 'other']) }}
        )
    end as value_text,
    case when answer_type = 'number' then
        {{ field_cast(json_text('answer', ['number']), {'name': 'number', 'type': 'number'}) }}
    end as value_number,
    case when answer_type = 'boolean' then
        {{ field_cast(json_text('answer', ['boolean']), {'name': 'boolean', 'type': 'boolean'}) }}
    end as value_boolean,
    case answer_type
        when 'choices' then {{ json_value('answer', ['choices']) }}
        when 'choice' then {{ json_value('answer', ['choice']) }}
        when 'payment' then {{ json_value('answer', ['payment']) }}
    end as value_json
from parsed
