-- Every finding of the governed-metric audit (metrics.md section 7).
select
    findings.metric_name as metric_name,
    findings.finding as finding,
    findings.detail as detail
from audit.metric_findings as findings
order by findings.metric_name, findings.finding
