{{ config(**audit_reference_day_config()) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by the pre-hook)
-- Volume share (metrics.md section 7): each event type's share of all valid events of the
-- hygiene window, what the analytics bill is made of. Kept per reference day: an audit run
-- replaces the rows of its own reference day only (pre-hook), so earlier days stay for trends;
-- full_refresh is off for the same reason.
with volumes as (
    -- the window's sum of the per-day aggregates (int_audit__daily_event_volume)
    select
        ref_window.reference_date,
        daily.event_type,
        cast(sum(daily.events) as bigint) as events_in_window
    from {{ audit_window_days_from('int_audit__daily_event_volume', 'daily') }}
    where daily.event_type is not null
        and daily.events > 0
    group by
        ref_window.reference_date,
        daily.event_type
),

totals as (
    select
        volumes.reference_date,
        sum(volumes.events_in_window) as all_events
    from volumes
    group by volumes.reference_date
)

select
    cast(volumes.reference_date as date) as reference_date,
    cast(volumes.event_type as {{ type_text() }}) as event_type,
    cast(coalesce(plan.status, 'unplanned') as {{ type_text() }}) as plan_status,
    cast(plan.owner as {{ type_text() }}) as owner,
    cast(volumes.events_in_window as bigint) as events_in_window,
    cast(cast(volumes.events_in_window as {{ type_double() }}) / totals.all_events as {{ type_double() }}) as volume_share
from volumes
inner join totals
    on volumes.reference_date = totals.reference_date
left join {{ ref('stg_workspace__tracking_plan_events') }} as plan
    on volumes.event_type = plan.event_type
