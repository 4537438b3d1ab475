"""The end-of-run summary of `insights backfill` and `insights demo`: what was extracted, loaded and
quarantined, the gate's verdict, what was published, and where the time went."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from insights.settings import SOURCES

if TYPE_CHECKING:
    from insights.pipeline import BackfillResult


@dataclass
class AirflowNight:
    """The DAG runs `insights demo` made through `airflow dags test`, in order."""

    night: date | None = None
    runs: list[tuple[str, str, float]] = field(default_factory=list)  # (dag_id, state, seconds)

    @property
    def seconds(self) -> float:
        return sum(seconds for _, _, seconds in self.runs)


def _by_field(counts: Counter[str]) -> str:
    listed = ", ".join(f"{name} {count:,}" for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f" ({listed})" if listed else ""


def run_summary(result: BackfillResult, total_seconds: float, night: AirflowNight | None = None) -> str:
    """A short block of aligned lines; each part is left out when its stage did not run."""
    lines = [
        f"summary of the backfill {result.first_day}..{result.last_day}"
        + (f", then the night of {night.night} through Airflow" if night is not None and night.runs else "")
    ]
    for source in SOURCES:
        runs = result.extracts.get(source, [])
        if not runs:
            continue
        by_field: Counter[str] = Counter()
        for run in runs:
            by_field.update(run.quarantined_by_field)
        retried = sum(r.retries for r in runs)
        lines.append(
            f"  extracted   {source:<10} {result.landed(source):>9,} records in {len(runs)} interval(s), "
            f"{result.quarantined(source):,} quarantined{_by_field(by_field)}"
            + (f", {retried} request(s) retried" if retried else "")
        )
    if result.build is not None:
        load, dbt = result.build.load, result.build.dbt
        statuses = Counter(node.status for node in dbt.nodes)
        lines.append(f"  loaded      {load.files_loaded:,} file(s), {load.rows_inserted:,} rows into {load.schema}")
        lines.append(
            f"  dbt         {len(dbt.nodes)} node(s): " + ", ".join(f"{n} {s}" for s, n in statuses.most_common())
        )
    if result.audit is not None:
        findings = sum(result.audit.tracking_plan_findings.values()) + sum(result.audit.metric_findings.values())
        audit = result.audit
        lines.append(f"  hygiene     {findings} finding(s) for {audit.reference_day}: {audit.report_path}")
    if result.gate is not None:
        lines.append(f"  gate        {result.gate.summary().removeprefix('quality gate ')}")
    if result.publication is not None:
        pub = result.publication
        where = f"{pub.snapshot}" + (f" and Postgres schema {pub.serving_schema}" if pub.postgres else "")
        by = " by the backfill" if night is not None and night.runs else ""
        lines.append(f"  published   version {pub.version}{by}: {len(pub.tables)} governed table(s) to {where}")
    if night is not None and night.runs:
        runs = ", ".join(f"{dag} {state} ({s:.0f} s)" for dag, state, s in night.runs)
        lines.append(f"  airflow     {runs}" + ("; warehouse_build publishes the night" if night.runs else ""))
    stages = dict(result.stage_seconds)
    if night is not None and night.runs:
        stages["airflow night"] = night.seconds
    lines.append(
        "  durations   "
        + ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in stages.items())
        + f"; total {total_seconds:.0f} s"
    )
    return "\n".join(lines)
