{{ config(materialized='view') }}
-- One row per allowed value of each planned property that restricts its values (the plan's
-- `allowed` list, stored as a JSON array of texts). Values compare as text.
{#- Spark keeps JSON as text (the json_* macros parse it) -#}
{%- set json_type_name = {'postgres': 'jsonb', 'spark': type_text()}.get(target.type, 'json') %}
with restricted as (
    select
        properties.event_type,
        properties.property_name,
        cast(properties.allowed_values_json as {{ json_type_name }}) as allowed_values
    from {{ ref('stg_workspace__tracking_plan_properties') }} as properties
    where properties.allowed_values_json is not null
)

select
    restricted.event_type,
    restricted.property_name,
    {{ json_text('allowed.element', []) }} as allowed_value
from restricted
{{ voc_json_array_rows('restricted.allowed_values', [], 'allowed') }}
