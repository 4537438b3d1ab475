{{ config(materialized='view') }}
-- The recorded model lineage (source hygiene.model_lineage: every model with each model upstream
-- of it, transitively), or no row before the first audit run recorded any.
{%- set recorded = source('hygiene', 'model_lineage') %}
{%- set exists = execute and adapter.get_relation(
    database=recorded.database, schema=recorded.schema, identifier=recorded.identifier) is not none %}
{% if exists %}
select
    cast(lineage.reference_date as date) as reference_date,
    cast(lineage.model_name as {{ type_text() }}) as model_name,
    cast(lineage.ancestor_name as {{ type_text() }}) as ancestor_name
from {{ recorded }} as lineage
{% else %}
select
    cast(null as date) as reference_date,
    cast(null as {{ type_text() }}) as model_name,
    cast(null as {{ type_text() }}) as ancestor_name
where 1 = 0
{% endif %}
