{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- One row per question of each form's latest definition, in form order. Questions inside a
-- group (type group / inline_group, properties.fields) are listed after their group. The
-- form's NPS question is its first field of type `nps` (shared spec sources.md section 3):
-- answers carry only the field id, so the definition is what identifies it.
with top_level as (
    select
        forms.form_id as form_id,
        cast(top_field.ordinal as integer) as top_position,
        cast(0 as integer) as child_position,
        top_field.element as field
    from {{ ref('stg_typeform__forms') }} as forms
    {{ voc_json_array_rows('forms.fields', [], 'top_field') }}
),

grouped as (
    select
        top_level.form_id as form_id,
        top_level.top_position as top_position,
        cast(child_field.ordinal as integer) as child_position,
        child_field.element as field
    from top_level
    {{ voc_json_array_rows('top_level.field', ['properties', 'fields'], 'child_field') }}
),

all_fields as (
    select form_id, top_position, child_position, field from top_level
    union all
    select form_id, top_position, child_position, field from grouped
),

typed as (
    select
        form_id as form_id,
        {{ json_text('field', ['id']) }} as field_id,
        {{ json_text('field', ['ref']) }} as field_ref,
        {{ json_text('field', ['type']) }} as field_type,
        {{ json_text('field', ['title']) }} as field_title,
        child_position > 0 as is_in_group,
        row_number() over (
            partition by form_id order by top_position, child_position
        ) as field_position
    from all_fields
)

select
    form_id as form_id,
    field_id as field_id,
    field_ref as field_ref,
    field_type as field_type,
    field_title as field_title,
    cast(field_position as integer) as field_position,
    is_in_group as is_in_group,
    coalesce(
        field_type = 'nps'
        and field_position = min(case when field_type = 'nps' then field_position end)
            over (partition by form_id),
        false
    ) as is_nps_question
from typed
