{{ config(materialized='view') }}
-- The recorded metric definitions (source hygiene.metric_definitions), or no row before the
-- first audit run recorded any: the nightly build of this folder must work on a fresh warehouse.
{%- set recorded = source('hygiene', 'metric_definitions') %}
{%- set exists = execute and adapter.get_relation(
    database=recorded.database, schema=recorded.schema, identifier=recorded.identifier) is not none %}
{% if exists %}
select
    cast(definitions.reference_date as date) as reference_date,
    cast(definitions.recorded_at as timestamp) as recorded_at,
    cast(definitions.metric_name as {{ type_text() }}) as metric_name,
    cast(definitions.metric_type as {{ type_text() }}) as metric_type,
    cast(definitions.label as {{ type_text() }}) as label,
    cast(nullif(trim(definitions.owner), '') as {{ type_text() }}) as owner,
    cast(nullif(trim(definitions.description), '') as {{ type_text() }}) as description,
    cast(definitions.normalized_definition as {{ type_text() }}) as normalized_definition,
    cast(definitions.definition_hash as {{ type_text() }}) as definition_hash,
    cast(definitions.source_file as {{ type_text() }}) as source_file
from {{ recorded }} as definitions
{% else %}
select
    cast(null as date) as reference_date,
    cast(null as timestamp) as recorded_at,
    cast(null as {{ type_text() }}) as metric_name,
    cast(null as {{ type_text() }}) as metric_type,
    cast(null as {{ type_text() }}) as label,
    cast(null as {{ type_text() }}) as owner,
    cast(null as {{ type_text() }}) as description,
    cast(null as {{ type_text() }}) as normalized_definition,
    cast(null as {{ type_text() }}) as definition_hash,
    cast(null as {{ type_text() }}) as source_file
where 1 = 0
{% endif %}
