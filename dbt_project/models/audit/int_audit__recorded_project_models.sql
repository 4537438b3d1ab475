{{ config(materialized='view') }}
-- The recorded models of the dbt project (source hygiene.project_models), or no row before the
-- first audit run recorded any.
{%- set recorded = source('hygiene', 'project_models') %}
{%- set exists = execute and adapter.get_relation(
    database=recorded.database, schema=recorded.schema, identifier=recorded.identifier) is not none %}
{% if exists %}
select
    cast(models.reference_date as date) as reference_date,
    cast(models.model_name as {{ type_text() }}) as model_name,
    cast(models.resource_path as {{ type_text() }}) as resource_path,
    cast(models.layer as {{ type_text() }}) as layer,
    cast(models.owner as {{ type_text() }}) as owner,
    cast(models.counts_distinct_users as boolean) as counts_distinct_users
from {{ recorded }} as models
{% else %}
select
    cast(null as date) as reference_date,
    cast(null as {{ type_text() }}) as model_name,
    cast(null as {{ type_text() }}) as resource_path,
    cast(null as {{ type_text() }}) as layer,
    cast(null as {{ type_text() }}) as owner,
    cast(null as boolean) as counts_distinct_users
where 1 = 0
{% endif %}
