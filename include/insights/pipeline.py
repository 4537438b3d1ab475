"""The nightly pipeline's steps as plain functions.

Airflow tasks (dags/) and the `insights` command call exactly these, so every step runs
and is tested without a scheduler. Nothing here imports Airflow.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from insights.bundled_simulator import source_endpoints
from insights.settings import SOURCES, Settings, load_settings
from insights.workspace import load_workspace

if TYPE_CHECKING:
    from insights.extract import ExtractResult
    from insights.simulator import World

log = logging.getLogger(__name__)

# Later stages of the nightly run; each lands as its own module. `missing_stages()` lets the
# demo say plainly which are not there yet instead of failing.
OPTIONAL_STAGES = {
    "quality gate": "insights.quality",
    "publication": "insights.publish",
    "hygiene audit": "insights.hygiene",
}


def missing_stages() -> list[str]:
    return [name for name, module in OPTIONAL_STAGES.items() if importlib.util.find_spec(module) is None]


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def daily_intervals(first_day: date, last_day: date) -> list[tuple[datetime, datetime]]:
    """[d, d+1) for every day from first_day to last_day, both included."""
    if last_day < first_day:
        raise ValueError(f"empty range: end {last_day} is before start {first_day}")
    days = (last_day - first_day).days + 1
    return [(day_start(first_day + timedelta(n)), day_start(first_day + timedelta(n + 1))) for n in range(days)]


def extract(source: str, start: datetime, end: datetime, settings: Settings | None = None) -> ExtractResult:
    """Extract one source for one interval (the extraction DAGs' task)."""
    from insights.extract import extract_interval

    settings = settings or load_settings()
    with source_endpoints(settings) as live:
        return extract_interval(source, start, end, live, log=log)


def extract_days(source: str, first_day: date, last_day: date, live: Settings) -> list[ExtractResult]:
    """Extract one source interval by interval, as the scheduler would run its DAG."""
    from insights.extract import extract_interval

    results = []
    intervals = daily_intervals(first_day, last_day)
    for n, (start, end) in enumerate(intervals, start=1):
        result = extract_interval(source, start, end, live, log=log)
        results.append(result)
        log.info("%s: interval %d/%d %s landed %d, quarantined %d", source, n, len(intervals),
                 start.date(), result.records_landed, result.records_quarantined)
    return results


def build_warehouse(settings: Settings | None = None, *, start: date | None = None, end: date | None = None,
                    full_refresh: bool = False, select: str | None = None) -> Any:
    """Load the raw zone and run dbt: nightly (no bounds), backfill (bounds) or full refresh."""
    from insights.warehouse import build

    settings = settings or load_settings()
    return build(settings, start=start, end=end, full_refresh=full_refresh, select=select, log=log)


# The warehouse DAG's dbt tasks, one per layer, in this order.
DBT_LAYER_SELECTORS = {
    "staging": "path:models/staging path:snapshots",
    "intermediate": "path:models/intermediate",
    "marts": "path:models/marts path:models/semantic",
    "audit": "path:models/audit",
}


def load_raw_zone(settings: Settings | None = None) -> dict[str, int]:
    """Load newly landed raw-zone files into the warehouse (the warehouse DAG's first task)."""
    from insights.warehouse import load_raw, warehouse_lock

    settings = settings or load_settings()
    with warehouse_lock(settings):
        result = load_raw(settings, log=log)
    return {"files_loaded": result.files_loaded, "rows_inserted": result.rows_inserted}


def dbt_build_layer(layer: str, settings: Settings | None = None) -> None:
    """`dbt build` of one layer with the nightly vars (the warehouse DAG's dbt tasks)."""
    from insights.warehouse import run_dbt, warehouse_lock

    if layer not in DBT_LAYER_SELECTORS:
        raise ValueError(f"unknown dbt layer {layer!r}; expected one of {', '.join(DBT_LAYER_SELECTORS)}")
    settings = settings or load_settings()
    with warehouse_lock(settings):
        run_dbt(["build", "--select", DBT_LAYER_SELECTORS[layer]], settings, log=log)


@dataclass
class BackfillResult:
    first_day: date
    last_day: date
    extracts: dict[str, list[ExtractResult]] = field(default_factory=dict)
    build: Any = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def landed(self, source: str) -> int:
        return sum(r.records_landed for r in self.extracts.get(source, []))

    def quarantined(self, source: str) -> int:
        return sum(r.records_quarantined for r in self.extracts.get(source, []))


def _timed(result: BackfillResult, stage: str, step: Callable[[], Any]) -> Any:
    started = time.monotonic()
    value = step()
    result.stage_seconds[stage] = round(time.monotonic() - started, 2)
    log.info("stage %s finished in %.1f s", stage, result.stage_seconds[stage])
    return value


def backfill(first_day: date, last_day: date, settings: Settings | None = None,
             world: World | None = None) -> BackfillResult:
    """The whole nightly pipeline over a range: extraction day by day (the three sources side by
    side, as their DAGs run), then one warehouse build for the range, then the later stages."""
    settings = settings or load_settings()
    load_workspace(settings.config_dir)  # a bad workspace config fails here, before any request
    intervals = daily_intervals(first_day, last_day)
    log.info("backfill %s..%s: %d daily intervals per source", first_day, last_day, len(intervals))
    result = BackfillResult(first_day, last_day)

    def extract_all() -> None:
        with source_endpoints(settings, world) as live, ThreadPoolExecutor(len(SOURCES)) as pool:
            futures = {s: pool.submit(extract_days, s, first_day, last_day, live) for s in SOURCES}
            result.extracts = {s: f.result() for s, f in futures.items()}

    _timed(result, "extract", extract_all)
    result.build = _timed(result, "warehouse", lambda: build_warehouse(settings, start=first_day, end=last_day))
    for stage in missing_stages():
        log.warning("stage %s: not built yet, skipped", stage)
    return result
