-- property_violation findings reconcile with tracking_plan_property_violations per reference
-- day and event type: the finding's violating events lie between the largest per-property
-- count and their sum (one event may break several properties), and no event type with a
-- violation lacks its finding. Returns the disagreeing (day, event type) pairs.
with per_type as (
    select
        violations.reference_date,
        violations.event_type,
        max(violations.violating_events) as largest_count,
        sum(violations.violating_events) as summed_count
    from {{ ref('tracking_plan_property_violations') }} as violations
    group by
        violations.reference_date,
        violations.event_type
),

findings as (
    select
        findings_rows.reference_date,
        findings_rows.event_type,
        findings_rows.events_in_window
    from {{ ref('tracking_plan_findings') }} as findings_rows
    where findings_rows.finding = 'property_violation'
)

select
    coalesce(per_type.reference_date, findings.reference_date) as reference_date,
    coalesce(per_type.event_type, findings.event_type) as event_type,
    findings.events_in_window,
    per_type.largest_count,
    per_type.summed_count
from per_type
full outer join findings
    on per_type.reference_date = findings.reference_date
    and per_type.event_type = findings.event_type
where findings.event_type is null
    or per_type.event_type is null
    or findings.events_in_window < per_type.largest_count
    or findings.events_in_window > per_type.summed_count
