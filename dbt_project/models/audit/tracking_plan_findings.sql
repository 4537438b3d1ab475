{{ config(**audit_reference_day_config()) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by the pre-hook)
-- Tracking-plan hygiene findings of the reference day (metrics.md section 7), one row per
-- (event type, finding), over the valid events of the hygiene window. Kept per reference day:
-- an audit run replaces its own day's rows only (pre-hook; a day that became clean keeps no
-- stale row), and full_refresh is off so the history of earlier days survives.
-- events_in_window = the events of the type in the window that show the finding (all of them
-- for a type-level finding, the violating ones for property_violation, 0 for dead_tracker).
-- Volumes and violations come from the per-day aggregates (int_audit__daily_*), not the events.
{%- set default_rule = '^[a-z][a-z0-9]*(_[a-z0-9]+)*$' %}
{%- set matches_rule = regexp_contains('volumes.event_type', 'naming.naming_rule') %}
with volumes as (
    select
        volume_share.event_type,
        volume_share.events_in_window
    from {{ audit_reference_day_from('event_volume_share', 'volume_share') }}
),

plan as (
    select
        plan_events.event_type,
        plan_events.owner,
        plan_events.status
    from {{ ref('stg_workspace__tracking_plan_events') }} as plan_events
),

naming as (
    select coalesce(max(meta.naming_rule), '{{ default_rule }}') as naming_rule
    from {{ ref('stg_workspace__tracking_plan_meta') }} as meta
),

unplanned_events as (
    select
        volumes.event_type,
        'unplanned_event' as finding,
        'not in the tracking plan; ' || cast(volumes.events_in_window as {{ type_text() }}) || ' event(s) in the window'
            as detail,
        volumes.events_in_window
    from volumes
    left join plan
        on volumes.event_type = plan.event_type
    where plan.event_type is null
),

dead_trackers as (
    select
        plan.event_type,
        'dead_tracker' as finding,
        'status active in the plan (owner ' || plan.owner || ') but no event in the window' as detail,
        0 as events_in_window
    from plan
    left join volumes
        on plan.event_type = volumes.event_type
    where plan.status = 'active'
        and volumes.event_type is null
),

deprecated_firing as (
    select
        plan.event_type,
        'deprecated_but_firing' as finding,
        'status deprecated in the plan (owner ' || plan.owner || ') but '
            || cast(volumes.events_in_window as {{ type_text() }}) || ' event(s) in the window' as detail,
        volumes.events_in_window
    from plan
    inner join volumes
        on plan.event_type = volumes.event_type
    where plan.status = 'deprecated'
),

property_counts as (
    -- the window's days of the per-day property checks (int_audit__daily_property_checks)
    select
        daily.event_type,
        daily.property_name,
        daily.violation,
        cast(sum(daily.violating_events) as bigint) as violating_events
    from {{ audit_window_days_from('int_audit__daily_property_checks', 'daily') }}
    where daily.event_type is not null
        and daily.property_name is not null
    group by
        daily.event_type,
        daily.property_name,
        daily.violation
),

property_violations as (
    -- events with at least one violation: the per-day counts add up (an event has one day)
    select
        daily.event_type,
        'property_violation' as finding,
        max(volumes.events_in_window) as events_of_type,
        cast(sum(daily.violating_events) as bigint) as violating_events
    from {{ audit_window_days_from('int_audit__daily_property_checks', 'daily') }}
    inner join volumes
        on daily.event_type = volumes.event_type
    where daily.event_type is not null
        and daily.property_name is null
    group by daily.event_type
),

property_details as (
    select
        property_counts.event_type,
        {%- set detail_item -%}
            property_counts.property_name || ' ' || property_counts.violation
                || ' (' || cast(property_counts.violating_events as {{ type_text() }}) || ')'
        {%- endset %}
        {{ ordered_string_agg(detail_item, '; ', ['property_counts.property_name', 'property_counts.violation']) }}
            as detail
    from property_counts
    group by property_counts.event_type
),

naming_violations as (
    select
        volumes.event_type,
        'naming_violation' as finding,
        'does not match the naming rule ' || naming.naming_rule || '; '
            || cast(volumes.events_in_window as {{ type_text() }}) || ' event(s) in the window' as detail,
        volumes.events_in_window
    from volumes
    cross join naming
    where not {{ matches_rule }}
),

billed_but_unused as (
    select
        ledger.event_type,
        'billed_but_unused' as finding,
        cast(ledger.events_in_window as {{ type_text() }})
            || ' event(s) in the window feed no governed model or metric (see event_usage_ledger)' as detail,
        ledger.events_in_window
    from {{ audit_reference_day_from('event_usage_ledger', 'ledger') }}
    where ledger.is_billed_but_unused
),

findings as (
    select event_type, finding, detail, events_in_window from unplanned_events
    union all
    select event_type, finding, detail, events_in_window from dead_trackers
    union all
    select event_type, finding, detail, events_in_window from deprecated_firing
    union all
    select
        property_violations.event_type,
        property_violations.finding,
        cast(property_violations.violating_events as {{ type_text() }}) || ' of ' || cast(property_violations.events_of_type as {{ type_text() }})
            || ' event(s) in the window: ' || property_details.detail as detail,
        property_violations.violating_events as events_in_window
    from property_violations
    inner join property_details
        on property_violations.event_type = property_details.event_type
    union all
    select event_type, finding, detail, events_in_window from naming_violations
    union all
    select event_type, finding, detail, events_in_window from billed_but_unused
)

select
    cast(ref_window.reference_date as date) as reference_date,
    cast(findings.event_type as {{ type_text() }}) as event_type,
    cast(findings.finding as {{ type_text() }}) as finding,
    cast(findings.detail as {{ type_text() }}) as detail,
    cast(findings.events_in_window as bigint) as events_in_window
from findings
cross join {{ ref('int_audit__reference_window') }} as ref_window
