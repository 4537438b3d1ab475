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
-- Valid events per day and event type over the hygiene window of each reference day, planned
-- or not: the daily trend of unplanned events in the hygiene report. Kept per reference day
-- like the other audit tables (an audit run replaces its own day's rows only).
select
    cast(events.reference_date as date) as reference_date,
    cast(events.event_date as date) as event_date,
    cast(events.event_type as text) as event_type,
    plan.event_type is not null as is_planned,
    cast(count(*) as bigint) as events
from {{ ref('int_audit__window_events') }} as events
left join {{ ref('stg_workspace__tracking_plan_events') }} as plan
    on events.event_type = plan.event_type
group by
    events.reference_date,
    events.event_date,
    events.event_type,
    plan.event_type
