{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- Latest definition of each Typeform form (definitions are re-fetched with each extraction;
-- the most recent fetch describes the form as it is now). Its questions, one row each, are
-- in stg_typeform__form_fields. Fields come from the record schema in _typeform__sources.yml.
with ranked as (
    select
        form_id as form_id,
        {{ typed_field('typeform', 'forms', 'title') }} as title,
        {{ typed_field('typeform', 'forms', 'form_type') }} as form_type,
        {{ typed_field('typeform', 'forms', 'hidden_fields') }} as hidden_fields,
        {{ typed_field('typeform', 'forms', 'fields') }} as fields,
        dt as source_dt,
        row_number() over (
            partition by form_id
            order by dt desc nulls last, _loaded_at desc nulls last, _file desc nulls last, _line desc nulls last
        ) as definition_rank
    from {{ source('typeform', 'forms') }}
)

select
    form_id as form_id,
    title as title,
    form_type as form_type,
    hidden_fields as hidden_fields,
    fields as fields,
    source_dt as source_dt
from ranked
where definition_rank = 1
