"""Product Ops hygiene: tracking-plan and metric audits, the usage ledger and the HTML report.

Public API:
    run_audit(settings, reference_day, *, log=None, target="duckdb") -> AuditResult
    audit_summary(settings, reference_day, *, target="duckdb") -> str
    render_report(settings, reference_day, *, target="duckdb") -> Path
The findings themselves are dbt models (dbt_project/models/audit/); this package records what
they need to know about the dbt project, runs them for a reference day and reports on them.
"""

from insights.hygiene.audit import AUDIT_SELECTION, AuditResult, audit_vars, run_audit
from insights.hygiene.definitions import ArtifactError, ProjectSnapshot, project_snapshot, read_artifacts
from insights.hygiene.recording import record_snapshot
from insights.hygiene.report import render_report
from insights.hygiene.report_data import AuditNotFoundError
from insights.hygiene.summary import audit_summary

__all__ = [
    "AUDIT_SELECTION",
    "ArtifactError",
    "AuditNotFoundError",
    "AuditResult",
    "ProjectSnapshot",
    "audit_summary",
    "audit_vars",
    "project_snapshot",
    "read_artifacts",
    "record_snapshot",
    "render_report",
    "run_audit",
]
