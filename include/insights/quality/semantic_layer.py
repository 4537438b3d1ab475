"""The semantic layer's view of daily metrics, for the gate's cross-checks (one `mf query` per run, ~10 s)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from insights.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

RELATION = "semantic_layer_daily"  # what suite queries join against: date_day plus one column per metric
_TIME_COLUMN = "metric_time__day"


class SemanticLayerError(RuntimeError):
    """MetricFlow could not answer (no semantic manifest, unknown metric, query error)."""


def daily_metrics(settings: Settings, metrics: Sequence[str], log: logging.Logger) -> pd.DataFrame:
    """`mf query --metrics <metrics> --group-by metric_time__day` on the candidate, as date_day + metrics.

    Must run before the gate opens the warehouse: MetricFlow opens the DuckDB file itself.
    """
    import pandas as pd

    from insights.warehouse import run_metricflow

    with tempfile.TemporaryDirectory(prefix="insights-gate-mf-") as tmp:
        csv_path = Path(tmp) / "daily.csv"
        args = ["query", "--metrics", ",".join(metrics), "--group-by", _TIME_COLUMN, "--csv", str(csv_path)]
        log.debug("quality gate: semantic layer cross-check: mf %s", " ".join(args[:5]))
        try:
            run_metricflow(args, settings, log=log)
        except (RuntimeError, FileNotFoundError, OSError) as exc:
            raise SemanticLayerError(" ".join(str(exc).split())[:1500]) from exc
        if not csv_path.is_file():
            raise SemanticLayerError(f"mf query wrote no result file ({csv_path.name})")
        frame = pd.read_csv(csv_path)
    columns = {c.lower(): c for c in frame.columns}
    missing = [c for c in (_TIME_COLUMN, *metrics) if c not in columns]
    if missing:
        raise SemanticLayerError(f"mf query result lacks column(s) {missing}; it has {list(frame.columns)}")
    out = pd.DataFrame({"date_day": pd.to_datetime(frame[columns[_TIME_COLUMN]]).dt.date})
    for metric in metrics:
        out[metric] = pd.to_numeric(frame[columns[metric]])
    return out
