{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- One row per Typeform response. Extraction intervals overlap (30-minute lookback), so a
-- response can be landed several times: deduplicate on response_id (unique per form; older
-- items carry it as `token`). The copy kept is the completed one if any (a partial response
-- that was later submitted keeps its id), else the most recently extracted. Fields, paths and
-- types come from the record schema in _typeform__sources.yml (record_schema.sql).
with parsed as (
    select
        form_id as form_id,
        coalesce(
            {{ typed_field('typeform', 'responses', 'response_id') }},
            {{ typed_field('typeform', 'responses', 'token') }}
        ) as response_id,
        {{ typed_field('typeform', 'responses', 'response_type') }} as response_type,
        {{ typed_field('typeform', 'responses', 'landed_at') }} as landed_at,
        {{ typed_field('typeform', 'responses', 'submitted_at') }} as submitted_at,
        {{ typed_field('typeform', 'responses', 'hidden') }} as hidden,
        nullif(trim({{ typed_field('typeform', 'responses', 'hidden_user_id') }}), '') as hidden_user_id,
        nullif(trim({{ typed_field('typeform', 'responses', 'hidden_plan') }}), '') as hidden_plan,
        {{ typed_field('typeform', 'responses', 'calculated_score') }} as calculated_score,
        {{ typed_field('typeform', 'responses', 'metadata') }} as metadata,
        {{ typed_field('typeform', 'responses', 'answers') }} as answers,
        dt as source_dt,
        _loaded_at as source_loaded_at,
        _file as source_file,
        _line as source_line
    from {{ source('typeform', 'responses') }}
),

ranked as (
    select
        form_id,
        response_id,
        response_type,
        landed_at,
        submitted_at,
        hidden,
        hidden_user_id,
        hidden_plan,
        calculated_score,
        metadata,
        answers,
        source_dt,
        row_number() over (
            partition by form_id, response_id
            order by
                case when submitted_at is not null then 0 else 1 end,
                source_dt desc nulls last,
                source_loaded_at desc nulls last,
                source_file desc nulls last,
                source_line desc nulls last
        ) as copy_rank
    from parsed
)

select
    form_id as form_id,
    response_id as response_id,
    response_type as response_type,
    landed_at as landed_at,
    submitted_at as submitted_at,
    submitted_at is not null as is_completed,
    hidden as hidden,
    hidden_user_id as hidden_user_id,
    hidden_plan as hidden_plan,
    calculated_score as calculated_score,
    metadata as metadata,
    answers as answers,
    source_dt as source_dt
from ranked
where copy_rank = 1
