{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=false,
        pre_hook="{% if is_incremental() %}delete from {{ this }} where reference_date in (select ref_window.reference_date from {{ ref('int_audit__reference_window') }} as ref_window){% endif %}",
    )
}}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by the pre-hook)
-- Property violations of the hygiene window per (event type, property, kind), with one example
-- payload each (the event_properties of the violating event with the smallest event key, so the
-- example is stable). The property_violation rows of tracking_plan_findings summarize these.
-- Kept per reference day (an audit run replaces its own day's rows only).
with ranked as (
    select
        checks.reference_date,
        checks.event_type,
        checks.property_name,
        checks.property_type,
        checks.violation,
        checks.event_key,
        checks.event_properties,
        count(*) over (
            partition by checks.reference_date, checks.event_type, checks.property_name, checks.violation
        ) as violating_events,
        row_number() over (
            partition by checks.reference_date, checks.event_type, checks.property_name, checks.violation
            order by {{ ordered_text('checks.event_key') }}
        ) as example_rank
    from {{ ref('int_audit__property_checks') }} as checks
)

select
    cast(ranked.reference_date as date) as reference_date,
    cast(ranked.event_type as text) as event_type,
    cast(ranked.property_name as text) as property_name,
    cast(ranked.property_type as text) as property_type,
    cast(ranked.violation as text) as violation,
    cast(ranked.violating_events as bigint) as violating_events,
    cast(ranked.event_key as text) as example_event_key,
    cast(ranked.event_properties as text) as example_event_properties
from ranked
where ranked.example_rank = 1
