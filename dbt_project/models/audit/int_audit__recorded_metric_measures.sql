{{ config(materialized='view') }}
-- The recorded (metric, measure, model) rows (source hygiene.metric_measures), or no row before
-- the first audit run recorded any.
{%- set recorded = source('hygiene', 'metric_measures') %}
{%- set exists = execute and adapter.get_relation(
    database=recorded.database, schema=recorded.schema, identifier=recorded.identifier) is not none %}
{% if exists %}
select
    cast(measures.reference_date as date) as reference_date,
    cast(measures.metric_name as {{ type_text() }}) as metric_name,
    cast(measures.measure_name as {{ type_text() }}) as measure_name,
    cast(measures.model_name as {{ type_text() }}) as model_name,
    cast(measures.measure_expr as {{ type_text() }}) as measure_expr
from {{ recorded }} as measures
{% else %}
select
    cast(null as date) as reference_date,
    cast(null as {{ type_text() }}) as metric_name,
    cast(null as {{ type_text() }}) as measure_name,
    cast(null as {{ type_text() }}) as model_name,
    cast(null as {{ type_text() }}) as measure_expr
where 1 = 0
{% endif %}
