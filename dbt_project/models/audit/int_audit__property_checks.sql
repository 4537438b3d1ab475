{{ config(materialized='view') }}
-- Property violations of the window's events (metrics.md section 7), one row per (event,
-- planned property) that breaks its plan entry:
--   missing_required  a required property absent, or JSON null;
--   wrong_type        a value whose JSON type is not the planned one: string; boolean (a JSON
--                     boolean only, 1 is not one); number (any JSON number, a boolean is not a
--                     number); integer (a number without a fractional part: 3 and 3.0, not 3.5
--                     nor "3");
--   not_allowed       a value of the right type outside the property's allowed list (as text).
-- Only planned event types have planned properties; properties the plan does not list are not
-- checked.
{%- if target.type == 'postgres' %}
    {%- set value_json = "(events.event_properties -> properties.property_name)" %}
    {%- set value_text = "(events.event_properties ->> properties.property_name)" %}
    {%- set value_type -%}
        case jsonb_typeof({{ value_json }})
            when 'string' then 'string'
            when 'boolean' then 'boolean'
            when 'null' then 'null'
            when 'object' then 'object'
            when 'array' then 'array'
            when 'number' then
                case when ({{ value_text }})::numeric = floor(({{ value_text }})::numeric)
                     then 'integer' else 'number' end
        end
    {%- endset %}
{%- else %}
    {%- set path = "'$.\"' || properties.property_name || '\"'" %}
    {%- set value_text = "json_extract_string(events.event_properties, " ~ path ~ ")" %}
    {%- set value_type -%}
        case
            when json_type(events.event_properties, {{ path }}) is null then null
            when json_type(events.event_properties, {{ path }}) = 'VARCHAR' then 'string'
            when json_type(events.event_properties, {{ path }}) = 'BOOLEAN' then 'boolean'
            when json_type(events.event_properties, {{ path }}) = 'NULL' then 'null'
            when json_type(events.event_properties, {{ path }}) = 'OBJECT' then 'object'
            when json_type(events.event_properties, {{ path }}) = 'ARRAY' then 'array'
            when json_type(events.event_properties, {{ path }}) in ('BIGINT', 'UBIGINT', 'HUGEINT') then 'integer'
            when json_type(events.event_properties, {{ path }}) = 'DOUBLE' then
                case when cast(json_extract(events.event_properties, {{ path }}) as double)
                          = floor(cast(json_extract(events.event_properties, {{ path }}) as double))
                     then 'integer' else 'number' end
            else 'other'
        end
    {%- endset %}
{%- endif %}
with planned_values as (
    select
        events.reference_date,
        events.event_key,
        events.event_type,
        events.event_properties,
        properties.property_name,
        properties.property_type,
        properties.is_required,
        properties.allowed_values_json is not null as has_allowed_values,
        {{ value_type }} as value_type,
        {{ value_text }} as value_text
    from {{ ref('int_audit__window_events') }} as events
    inner join {{ ref('stg_workspace__tracking_plan_properties') }} as properties
        on events.event_type = properties.event_type
),

classified as (
    select
        planned_values.reference_date,
        planned_values.event_key,
        planned_values.event_type,
        planned_values.event_properties,
        planned_values.property_name,
        planned_values.property_type,
        planned_values.value_type,
        planned_values.value_text,
        case
            when planned_values.value_type is null or planned_values.value_type = 'null' then
                case when planned_values.is_required then 'missing_required' end
            when not (
                (planned_values.property_type = 'string' and planned_values.value_type = 'string')
                or (planned_values.property_type = 'boolean' and planned_values.value_type = 'boolean')
                or (planned_values.property_type = 'integer' and planned_values.value_type = 'integer')
                or (planned_values.property_type = 'number' and planned_values.value_type in ('integer', 'number'))
            ) then 'wrong_type'
            when planned_values.has_allowed_values and not exists (
                select 1
                from {{ ref('int_audit__plan_allowed_values') }} as allowed
                where allowed.event_type = planned_values.event_type
                    and allowed.property_name = planned_values.property_name
                    and allowed.allowed_value = planned_values.value_text
            ) then 'not_allowed'
        end as violation
    from planned_values
)

select
    classified.reference_date,
    classified.event_key,
    classified.event_type,
    classified.property_name,
    classified.property_type,
    classified.violation,
    classified.value_type,
    classified.value_text,
    classified.event_properties
from classified
where classified.violation is not null
