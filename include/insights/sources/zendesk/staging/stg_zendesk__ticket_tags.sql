{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- One row per tag of the latest version of each ticket, with its position in the tags
-- array (1-based): "the first tag of the form area:<name>" depends on array order.
select
    tickets.ticket_id as ticket_id,
    cast(tag.ordinal as integer) as tag_position,
    {{ json_text('tag.element', []) }} as tag
from {{ ref('stg_zendesk__tickets') }} as tickets
{{ voc_json_array_rows('tickets.tags', [], 'tag') }}
