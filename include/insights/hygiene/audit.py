"""run_audit: the weekly hygiene audit of one reference day, end to end.

1. `dbt parse` of the current project (fresh manifest and semantic manifest in this home's
   target path; the same vars as the build, so the build reuses the parse);
2. record the project snapshot (metric definitions and hashes, models, lineage) for the
   reference day (insights.hygiene.recording);
3. `dbt build` of the audit models and the barometer marts with the var audit_reference_date;
4. render the HTML report.
The warehouse lock is held throughout (DuckDB allows one writer). The warehouse must have been
built (nightly or backfill) before: the audit reads the intermediate models, never rebuilds them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from insights.hygiene.definitions import project_snapshot, read_artifacts
from insights.hygiene.recording import record_snapshot
from insights.hygiene.report import render_report
from insights.hygiene.report_data import read_report_data
from insights.settings import Settings
from insights.warehouse import dbt_paths, dbt_vars, run_dbt, warehouse_lock
from insights.warehouse.build_id import record_new_build

_log = logging.getLogger("insights.hygiene")

# The audit models, the barometer marts and the one staging view they add (the invited PMs).
AUDIT_SELECTION = "path:models/audit path:models/marts/barometer stg_workspace__barometer_invitees"


@dataclass(frozen=True)
class AuditResult:
    reference_day: date
    target: str
    tracking_plan_findings: dict[str, int]  # finding code -> rows of the reference day
    metric_findings: dict[str, int]
    report_path: Path
    seconds: float
    recorded_rows: dict[str, int] = field(default_factory=dict)

    @property
    def finding_counts(self) -> dict[str, int]:
        return {**self.tracking_plan_findings, **self.metric_findings}

    @property
    def total_findings(self) -> int:
        return sum(self.finding_counts.values())


def audit_vars(settings: Settings, reference_day: date) -> dict[str, Any]:
    """The workspace settings as dbt vars, plus the audit's reference day."""
    return {**dbt_vars(settings), "audit_reference_date": reference_day.isoformat()}


def run_audit(
    settings: Settings, reference_day: date, *, log: logging.Logger | None = None, target: str = "duckdb"
) -> AuditResult:
    """Audit `reference_day` (see the module docstring); returns counts by finding and the report path.

    Raises FileNotFoundError without a warehouse, insights.warehouse.WarehouseBusyError while a build
    holds the lock, insights.warehouse.DbtError when dbt fails (a data test of the audit included).
    """
    log = log or _log
    started = time.monotonic()
    if target == "duckdb" and not settings.warehouse.is_file():
        raise FileNotFoundError(
            f"{settings.warehouse}: no warehouse to audit; build it first (insights backfill, nightly build)"
        )
    variables = audit_vars(settings, reference_day)
    target_path, _ = dbt_paths(settings, target)
    with warehouse_lock(settings):
        run_dbt(["parse"], settings, target, variables, log)
        snapshot = project_snapshot(*read_artifacts(target_path), variables)
        if target == "duckdb":  # the recording writes the warehouse: the gate's verdict no longer holds
            record_new_build(settings, f"hygiene recording of {reference_day}", log)
        recorded = record_snapshot(settings, target, reference_day, snapshot)
        log.info(
            "hygiene: recorded %d metric(s) and %d model(s) for %s",
            len(snapshot.metrics),
            len(snapshot.models),
            reference_day,
        )
        # buildable: a data test runs only when all the models it reads are built here
        build_args = ["build", "--select", AUDIT_SELECTION, "--indirect-selection", "buildable"]
        run_dbt(build_args, settings, target, variables, log)
        path = render_report(settings, reference_day, target=target)
        data = read_report_data(settings, reference_day, target)
    result = AuditResult(
        reference_day=reference_day,
        target=target,
        tracking_plan_findings=data.tracking_counts(),
        metric_findings=data.metric_counts(),
        report_path=path,
        seconds=time.monotonic() - started,
        recorded_rows=recorded,
    )
    log.info(
        "hygiene audit of %s: %d finding(s), report %s (%.1f s)",
        reference_day,
        result.total_findings,
        path,
        result.seconds,
    )
    return result
