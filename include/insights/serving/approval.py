"""Publication accepts only the warehouse build the quality gate passed, and says why when it refuses.

Checked under the warehouse lock (no writer can run in between): the home's last gate verdict
(reports/quality_gate.json) must be "passed", for this warehouse file, and for the build id the
warehouse holds now. Every refusal is a PublishRefused naming the reason and what to do; nothing
readers see has changed when it is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insights.quality.gate import GateReportError, gate_report_path, read_verdict
from insights.quality.result import GateVerdict
from insights.serving.errors import PublishError
from insights.settings import Settings
from insights.warehouse.build_id import RELATION, current_build_id

KEEP = "Nothing was published; readers keep the previous publication"


class PublishRefused(PublishError):
    """Publication refused before changing anything: no passed gate for the warehouse's current build."""


@dataclass(frozen=True)
class BuildInfo:
    build_id: str | None
    writer: str | None = None
    started_at: Any = None

    def describe(self) -> str:
        if self.build_id is None:
            return "no build id"
        return self.build_id + (f" (written by {self.writer} at {self.started_at:%Y-%m-%d %H:%M:%S} UTC)"
                                if self.writer and self.started_at else "")


def build_info(con: Any, catalog: str) -> BuildInfo:
    """The current build id of the warehouse attached as `catalog`, with who wrote it and when."""
    build_id = current_build_id(con, catalog)
    if build_id is None:
        return BuildInfo(None)
    rows = con.execute(
        f"select b.writer, timezone('UTC', b.started_at) from {catalog}.{RELATION} as b where b.build_id = ?",
        [build_id],
    ).fetchall()
    return BuildInfo(build_id, *(rows[0] if rows else (None, None)))


def passed_verdict(settings: Settings) -> GateVerdict:
    """The home's last gate verdict when it passed this warehouse; PublishRefused otherwise.

    The caller holds the warehouse lock: the gate writes its verdict under it.
    """
    try:
        verdict = read_verdict(settings)
    except GateReportError as exc:
        raise PublishRefused(f"publish refused: {exc}. {KEEP}") from exc
    if verdict is None:
        raise PublishRefused(
            f"publish refused: no quality gate has run on this home ({gate_report_path(settings)} does not exist); "
            f"run `insights gate` on the build, then publish. {KEEP}"
        )
    if verdict.status == "running":
        raise PublishRefused(
            f"publish refused: the last quality gate run ({verdict.run_id}) never finished (it crashed or was "
            f"stopped; {verdict.report}); run `insights gate` again. {KEEP}"
        )
    if not verdict.passed:
        raise PublishRefused(
            f"publish refused: the quality gate failed on build {verdict.build_id or '(no build id)'} with "
            f"{verdict.failures} failed expectation(s), see {verdict.report} (and the Data Docs); fix the data "
            f"or the build and run the gate again. {KEEP}"
        )
    if verdict.warehouse is not None and Path(verdict.warehouse) != settings.warehouse:
        raise PublishRefused(
            f"publish refused: the gate that passed ({verdict.run_id}) validated {verdict.warehouse}, not "
            f"{settings.warehouse}; run `insights gate` on this warehouse. {KEEP}"
        )
    return verdict


def check_same_build(verdict: GateVerdict, current: BuildInfo) -> None:
    """Refuse when the warehouse was written after the gate passed it."""
    if current.build_id != verdict.build_id:
        raise PublishRefused(
            f"publish refused: the warehouse changed since the quality gate passed: the gate "
            f"({verdict.run_id}) validated build {verdict.build_id or '(no build id)'}, the warehouse now holds "
            f"build {current.describe()}; run `insights gate` on the new build, then publish. {KEEP}"
        )

