{{ config(**audit_reference_day_config()) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by the pre-hook)
-- Valid events per day and event type over the hygiene window of each reference day, planned
-- or not: the daily trend of unplanned events in the hygiene report. Kept per reference day
-- like the other audit tables (an audit run replaces its own day's rows only). Read from the
-- per-day aggregates (int_audit__daily_event_volume), never from the events themselves.
select
    cast(ref_window.reference_date as date) as reference_date,
    cast(volumes.event_date as date) as event_date,
    cast(volumes.event_type as {{ type_text() }}) as event_type,
    plan.event_type is not null as is_planned,
    cast(volumes.events as bigint) as events
from {{ audit_window_days_from('int_audit__daily_event_volume', 'volumes') }}
left join {{ ref('stg_workspace__tracking_plan_events') }} as plan
    on volumes.event_type = plan.event_type
where volumes.event_type is not null
    and volumes.events > 0
