-- Every finding of the tracking-plan hygiene audit (metrics.md section 7).
select
    findings.reference_date as reference_date,
    findings.event_type as event_type,
    findings.finding as finding,
    findings.detail as detail,
    findings.events_in_window as events_in_window
from audit.tracking_plan_findings as findings
order by findings.reference_date, findings.event_type, findings.finding
