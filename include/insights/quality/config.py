"""Knobs of one gate run. The thresholds themselves live in the reviewed suite files (expectations/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from insights.quality.suites import suite_dirs


@dataclass(frozen=True)
class GateConfig:
    """Options of run_gate.

    as_of: the reference day raw freshness and the recent windows are judged against; default:
        the newest partition day loaded in any raw stream (the demo world lies in the past, so the
        wall clock would call every backfill stale).
    semantic_layer: run the MetricFlow cross-check (~10 s, one `mf query` per run); tests that do
        not build a semantic manifest turn it off.
    backfill_range: the days an explicit backfill recomputed (inclusive); consistency checks then
        look at those days besides the nightly lookback window. Default on a backfill: every day.
    datasets: validate only these datasets (suite names); default: every suite in expectations_dir
        (expectations/ plus each source's expectations/: insights.quality.suites.suite_dirs).
    """

    as_of: date | None = None
    semantic_layer: bool = True
    backfill_range: tuple[date, date] | None = None
    datasets: tuple[str, ...] | None = None
    expectations_dir: Path | tuple[Path, ...] = field(default_factory=suite_dirs)  # one folder, or several
    data_docs: bool = True
