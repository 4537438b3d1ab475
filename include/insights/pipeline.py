"""The nightly pipeline's steps as plain functions.

Airflow tasks (dags/) and the `insights` command call exactly these, so every step runs
and is tested without a scheduler. Nothing here imports Airflow.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from insights import progress
from insights.settings import SOURCES, Settings, load_settings

if TYPE_CHECKING:
    from insights.extraction.extract import ExtractResult
    from insights_dev.simulator import World

log = logging.getLogger(__name__)

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
    from insights.extraction.extract import extract_interval
    from insights_dev.bundled_simulator import source_endpoints  # serves only sources without a URL (demo)

    settings = settings or load_settings()
    with source_endpoints(settings) as live:
        return extract_interval(source, start, end, live, log=log)


def extract_days(source: str, first_day: date, last_day: date, live: Settings) -> list[ExtractResult]:
    """Extract one source interval by interval, as the scheduler would run its DAG."""
    from insights.extraction.extract import extract_interval

    results: list[ExtractResult] = []
    intervals = daily_intervals(first_day, last_day)
    started = time.monotonic()
    # One line per source at INFO when it is done; the per-day lines (DEBUG) and the bar show the way there.
    with progress.task(f"extract {source}", total=len(intervals), key=source) as bar:
        for n, (start, end) in enumerate(intervals, start=1):
            results.append(extract_interval(source, start, end, live, log=log, summary_level=logging.DEBUG))
            landed = sum(r.records_landed for r in results)
            bar.advance(detail=f"{start.date()}: {landed:,} records")
            if n % 10 == 0 or n == len(intervals):
                log.debug("%s: %d/%d intervals, %d records landed so far", source, n, len(intervals), landed)
    log.info("%s", extract_summary(source, results, time.monotonic() - started))
    return results


def extract_summary(source: str, results: list[ExtractResult], seconds: float) -> str:
    """E.g. `amplitude: 89 day(s) extracted, 151,204 records landed, 3 quarantined, 2,561 requests (4 retried
    after HTTP 429/5xx, 4 s waiting) in 128 s`."""
    incomplete = sum(not r.complete for r in results)
    return (f"{source}: {len(results)} interval(s) extracted, {sum(r.records_landed for r in results):,} records "
            f"landed, {sum(r.records_quarantined for r in results):,} quarantined, "
            f"{sum(r.requests for r in results):,} requests ({sum(r.retries for r in results):,} retried after "
            f"HTTP 429/5xx, {sum(r.waited_seconds for r in results):.0f} s waiting) in {seconds:.0f} s"
            + (f"; {incomplete} interval(s) incomplete (not served yet)" if incomplete else ""))


# dbt unit tests check the models' logic on fixtures: they run in CI (tests/warehouse), not in
# production builds, where they would only repeat the same result every night.
PRODUCTION_EXCLUDE = "resource_type:unit_test"


def build_warehouse(settings: Settings | None = None, *, start: date | None = None, end: date | None = None,
                    full_refresh: bool = False, select: str | None = None) -> Any:
    """Load the raw zone and run dbt: nightly (no bounds), backfill (bounds) or full refresh."""
    from insights.warehouse import build

    settings = settings or load_settings()
    return build(settings, start=start, end=end, full_refresh=full_refresh, select=select,
                 exclude=PRODUCTION_EXCLUDE, log=log)


# The warehouse DAG's dbt tasks, one per layer, in this order.
DBT_LAYER_SELECTORS = {
    "staging": "path:models/staging path:../include/insights/sources path:snapshots",  # + each source's staging/
    "intermediate": "path:models/intermediate",
    "marts": "path:models/marts path:models/semantic",
    "audit": "path:models/audit",
}


def load_raw_zone(settings: Settings | None = None) -> dict[str, int]:
    """Load newly landed raw-zone files into the warehouse (the warehouse DAG's first task)."""
    from insights.warehouse import load_raw, warehouse_lock
    from insights.warehouse.build_id import record_new_build

    settings = settings or load_settings()
    with warehouse_lock(settings):
        record_new_build(settings, "raw load", log)
        result = load_raw(settings, log=log)
    return {"files_loaded": result.files_loaded, "rows_inserted": result.rows_inserted}


def dbt_build_layer(layer: str, settings: Settings | None = None) -> Any:
    """`dbt build` of one layer with the nightly vars, in a `dbt` process (dbt_build_night runs all four)."""
    from insights.warehouse import run_dbt, warehouse_lock

    if layer not in DBT_LAYER_SELECTORS:
        raise ValueError(f"unknown dbt layer {layer!r}; expected one of {', '.join(DBT_LAYER_SELECTORS)}")
    settings = settings or load_settings()
    with warehouse_lock(settings):
        # buildable: a test runs in the first layer where all its parents are built or upstream, so a
        # test spanning layers (a mart reconciled against staging) never runs against a stale table.
        return run_dbt(["build", "--select", DBT_LAYER_SELECTORS[layer], "--indirect-selection", "buildable",
                        "--exclude", PRODUCTION_EXCLUDE], settings, vars=nightly_dbt_vars(settings), log=log)


def dbt_build_night(settings: Settings | None = None) -> dict[str, Any]:
    """The night's dbt work (the warehouse DAG's dbt task): one `dbt build` per layer, in order, in
    this process on one parse, so start-up and parsing are paid once, not once per layer.

    Each layer's result is logged as it ends ("dbt layer marts: ..."); the first failing layer
    raises DbtError naming it and its failed nodes, and the later layers do not run (as when
    a layer task failed). Returns {layer: DbtRunResult}.
    """
    from insights.warehouse import DbtError, warehouse_lock
    from insights.warehouse.dbt_session import DbtSession

    settings = settings or load_settings()
    results: dict[str, Any] = {}
    with warehouse_lock(settings):
        session = DbtSession(settings, vars=nightly_dbt_vars(settings), log=log)
        session.parse()
        for number, (layer, selector) in enumerate(DBT_LAYER_SELECTORS.items(), start=1):
            log.info("dbt layer %s (%d of %d): building", layer, number, len(DBT_LAYER_SELECTORS))
            try:
                results[layer] = session.run(["build", "--select", selector, "--indirect-selection", "buildable",
                                              "--exclude", PRODUCTION_EXCLUDE])
            except DbtError as exc:
                skipped = ", ".join(list(DBT_LAYER_SELECTORS)[number:]) or "none"
                log.error("dbt layer %s failed; layers not built: %s", layer, skipped)
                raise DbtError(f"dbt layer {layer} failed: {exc}", exc.result) from exc
    return results


def nightly_dbt_vars(settings: Settings) -> dict[str, Any]:
    """The workspace vars, with data tests on the big incremental tables scoped to the rows the
    night wrote (`data_test_scope`, macros/night_window.sql); backfills and CI test whole tables."""
    from insights.warehouse import dbt_vars

    return {**dbt_vars(settings), "data_test_scope": "night"}


def quality_gate(settings: Settings | None = None, *, backfill_range: tuple[date, date] | None = None,
                 backfill: bool = False) -> Any:
    """Validate the candidate build; raise GateFailed (naming expectations and datasets) on failure.

    The candidate (the warehouse) stays as built for inspection; nothing is published. A backfill
    may rewrite the days of its range (or any day, with `backfill` and no range).
    """
    from insights.quality import GateConfig, run_gate

    settings = settings or load_settings()
    config = GateConfig(backfill_range=backfill_range) if backfill_range else None
    result = run_gate(settings, backfill=backfill or backfill_range is not None, log=log, config=config)
    result.raise_for_failures()
    return result


def serving_settings(settings: Settings) -> Settings:
    """Skip the Postgres publication, with a warning, when the *default* serving DSN has no server
    (a laptop without Postgres); an explicitly configured DSN must work."""
    if os.environ.get("INSIGHTS_SERVING_DSN") or settings.serving_dsn is None:
        return settings
    try:
        import psycopg2

        psycopg2.connect(settings.serving_dsn, connect_timeout=3).close()
    except psycopg2.Error as exc:
        log.warning("no Postgres at the default serving DSN (%s): publishing the DuckDB snapshot only; "
                    "set INSIGHTS_SERVING_DSN to publish to Postgres", str(exc).strip().splitlines()[0])
        return settings.replace(serving_dsn=None)
    return settings


def publish_marts(settings: Settings | None = None) -> Any:
    """Publish the governed marts of the build the gate passed, then regenerate the KPI catalog.

    Raises insights.publish.PublishRefused, naming why, when the last gate did not pass the
    warehouse's current build (no gate run, a failed gate, or a write since the gate); nothing
    readers see changes then.
    """
    from insights.catalog import build_catalog
    from insights.publish import publish
    from insights.warehouse import dbt_paths

    settings = serving_settings(settings or load_settings())
    result = publish(settings, log=log)
    catalog = build_catalog(settings, dbt_paths(settings, "duckdb")[0])
    log.info("published version %s (%d tables, build %s); KPI catalog at %s", result.version, len(result.tables),
             result.build_id, catalog)
    from insights.reports.index import build_reports

    log.info("reports (KPI overview, catalog, hygiene, Data Docs): %s", build_reports(settings))
    return result


def hygiene_audit(reference_day: date, settings: Settings | None = None) -> Any:
    from insights.hygiene import run_audit

    return run_audit(settings or load_settings(), reference_day, log=log)


@dataclass
class BackfillResult:
    first_day: date
    last_day: date
    extracts: dict[str, list[ExtractResult]] = field(default_factory=dict)
    build: Any = None
    gate: Any = None
    publication: Any = None
    audit: Any = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def landed(self, source: str) -> int:
        return sum(r.records_landed for r in self.extracts.get(source, []))

    def quarantined(self, source: str) -> int:
        return sum(r.records_quarantined for r in self.extracts.get(source, []))


def _timed(result: BackfillResult, stage: str, step: Callable[[], Any]) -> Any:
    started = time.monotonic()
    value = step()
    result.stage_seconds[stage] = round(time.monotonic() - started, 2)
    log.info("%s: done in %.1f s", stage, result.stage_seconds[stage])
    return value


def backfill(first_day: date, last_day: date, settings: Settings | None = None,
             world: World | None = None) -> BackfillResult:
    """The whole nightly pipeline over a range: extraction day by day (the sources side by
    side, as their DAGs run), then one warehouse build for the range, then the later stages."""
    settings = settings or load_settings()
    _ = settings.workspace  # a bad workspace config fails here, before any request
    intervals = daily_intervals(first_day, last_day)
    log.info("backfill %s..%s: %d daily intervals per source", first_day, last_day, len(intervals))
    result = BackfillResult(first_day, last_day)

    def extract_all() -> None:
        from insights_dev.bundled_simulator import source_endpoints  # serves only sources without a URL

        with source_endpoints(settings, world) as live, ThreadPoolExecutor(len(SOURCES)) as pool:
            futures = {s: pool.submit(extract_days, s, first_day, last_day, live) for s in SOURCES}
            result.extracts = {s: f.result() for s, f in futures.items()}

    _timed(result, "extract", extract_all)
    result.build = _timed(result, "warehouse", lambda: build_warehouse(settings, start=first_day, end=last_day))
    # Audit models are part of the candidate the gate sees; the reference day is the range's last day.
    result.audit = _timed(result, "hygiene audit", lambda: hygiene_audit(last_day, settings))
    result.gate = _timed(result, "quality gate",
                         lambda: quality_gate(settings, backfill_range=(first_day, last_day)))
    result.publication = _timed(result, "publish", lambda: publish_marts(settings))
    return result
