"""The write-audit-publish gate: validate the candidate build against every suite in expectations/.

run_gate reads the candidate warehouse read-only, never changes it (a failed candidate stays for
inspection) and never touches the published snapshot: publication is the caller's next step,
taken only when the result passed. It reports; `GateResult.raise_for_failures()` raises.

The gate holds the warehouse lock for its whole run, so every query it makes (MetricFlow's
included) reads one state of the warehouse, and it records that state's build id with its verdict
in reports/quality_gate.json. Publication accepts exactly the build id of a passed verdict
(`read_verdict`). A run that starts marks the report "running" first: a gate that crashes or is
killed leaves no earlier "passed" behind it.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from insights.locks import file_lock
from insights.quality.config import GateConfig
from insights.quality.datasets import CANDIDATE, DatasetError, load_frame, newest_raw_day, open_candidate
from insights.quality.result import Failure, GateResult, GateVerdict, Skipped
from insights.quality.semantic_layer import RELATION, SemanticLayerError, daily_metrics
from insights.quality.suites import REQUIREMENTS, ExpectationSpec, SuiteSpec, load_suites
from insights.settings import Settings
from insights.warehouse.build_id import current_build_id
from insights.warehouse.lock import WarehouseBusyError, lock_path

_log = logging.getLogger("insights.quality")
# What an explicit backfill without bounds recomputed: every day.
_ALL_DAYS = (date(1900, 1, 1), date(9999, 12, 31))
DATASET_QUERY = "dataset_query"  # the pseudo-expectation reported when a dataset cannot be read at all


def data_docs_dir(settings: Settings) -> Path:
    return settings.reports_dir / "data_docs"


def gate_report_path(settings: Settings) -> Path:
    return settings.reports_dir / "quality_gate.json"


def _conditions(config: GateConfig, backfill: bool, published: Path | None) -> dict[str, bool]:
    return {
        "semantic_layer": config.semantic_layer,
        "published_snapshot": published is not None,
        "nightly": not backfill,
    }


def _unmet(requires: tuple[str, ...], conditions: dict[str, bool]) -> list[str]:
    return [r for r in requires if not conditions[r]]


def _fetch_semantic_layer(
    settings: Settings, suites: list[SuiteSpec], conditions: dict[str, bool], log: logging.Logger
) -> tuple[Any, str | None]:
    """One `mf query` for every metric the selected suites need; (frame or None, error or None)."""
    import pandas as pd

    metrics = list(
        dict.fromkeys(
            m for s in suites if not _unmet(s.requires, conditions) for m in s.semantic_layer_metrics
        )
    )
    empty = pd.DataFrame(
        {
            "date_day": pd.Series([], dtype="datetime64[us]"),
            **{m: pd.Series([], dtype="Int64") for m in metrics},
        }
    )
    if not metrics or not conditions["semantic_layer"]:
        return empty, None
    try:
        return daily_metrics(settings, metrics, log), None
    except SemanticLayerError as exc:
        log.error("quality gate: semantic layer query failed: %s", exc)
        return empty, str(exc)


def _select_expectations(
    suite: SuiteSpec,
    conditions: dict[str, bool],
    semantic_error: str | None,
    failures: list[Failure],
    skipped: list[Skipped],
) -> list[ExpectationSpec]:
    selected = []
    for spec in suite.expectations:
        if "semantic_layer" in spec.requires and conditions["semantic_layer"] and semantic_error:
            failures.append(Failure(suite.name, spec.name, f"semantic layer query failed: {semantic_error}"))
            continue
        unmet = _unmet(spec.requires, conditions)
        if unmet:
            skipped.append(
                Skipped(
                    suite.name, spec.name, "skipped: " + "; ".join(f"needs {REQUIREMENTS[r]}" for r in unmet)
                )
            )
            continue
        selected.append(spec)
    return selected


def _run_params(con: Any, config: GateConfig, settings: Settings, backfill: bool) -> dict[str, Any]:
    reference = config.as_of or newest_raw_day(con) or datetime.now(UTC).date()
    # Nightly: no extra days (the lookback window, which every query includes, is what was recomputed).
    recheck = (config.backfill_range or _ALL_DAYS) if backfill else (None, None)
    return {
        "reference_day": reference,
        "lookback_days": int(settings.workspace.settings["late_event_lookback_days"]),
        "recheck_start": recheck[0],
        "recheck_end": recheck[1],
        "is_backfill": backfill,
    }


class GateReportError(RuntimeError):
    """reports/quality_gate.json exists but cannot be read as a gate verdict."""


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _write_running(path: Path, run_id: str, settings: Settings, backfill: bool) -> None:
    _write_json(path, {"run_id": run_id, "status": "running", "passed": False, "backfill": backfill,
                       "warehouse": str(settings.warehouse), "build_id": None, "failures": []})


def _write_report(path: Path, result: GateResult, params: dict[str, Any], backfill: bool,
                  warehouse: Path, build_id: str | None) -> None:
    doc = {
        "run_id": result.run_id,
        "status": "passed" if result.passed else "failed",
        "passed": result.passed,
        "warehouse": str(warehouse),
        "build_id": build_id,
        "backfill": backfill,
        "params": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()},
        "failures": [asdict(f) for f in result.failures],
        "skipped": [asdict(s) for s in result.skipped],
        "rows": result.rows,
        "data_docs": str(result.data_docs),
        "seconds": result.seconds,
    }
    _write_json(path, doc)


def read_verdict(settings: Settings) -> GateVerdict | None:
    """The last gate run's verdict for this home; None when no gate ever ran here."""
    path = gate_report_path(settings)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise GateReportError(f"{path}: unreadable gate report ({exc}); run the quality gate again") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("failures", []), list):
        raise GateReportError(f"{path}: not a gate report (expected a JSON object); run the quality gate again")
    status = doc.get("status") or ("passed" if doc.get("passed") is True else "failed")
    build_id = doc.get("build_id")
    return GateVerdict(
        report=path,
        status=str(status),
        build_id=str(build_id) if build_id is not None else None,
        warehouse=str(doc["warehouse"]) if doc.get("warehouse") else None,
        run_id=str(doc.get("run_id") or "?"),
        failures=len(doc.get("failures") or []),
    )


def _gate_busy(path: Path, holder: str) -> Exception:
    return WarehouseBusyError(
        f"the quality gate cannot start: pid {holder} holds the warehouse lock {path} (a build, an audit, "
        "another gate or a publication is using the warehouse); run the gate when it is done"
    )


def run_gate(
    settings: Settings,
    *,
    backfill: bool = False,
    log: logging.Logger | None = None,
    config: GateConfig | None = None,
) -> GateResult:
    """Validate the candidate warehouse (settings.warehouse) with every suite; never raises on failed data.

    backfill=True: an explicit backfill may change days older than the lookback window, so the
    "published history does not change" rule is skipped and consistency checks cover every day
    (or config.backfill_range). Nightly runs enforce it against settings.published_snapshot
    (skipped while none exists). Data Docs go to $INSIGHTS_HOME/reports/data_docs/.
    Raises WarehouseBusyError, before validating anything, while another process holds the
    warehouse lock.
    """
    log = log or _log
    config = config or GateConfig()
    started = time.monotonic()
    run_time = datetime.now(UTC)
    run_id = f"gate-{run_time:%Y%m%dT%H%M%S%fZ}" + ("-backfill" if backfill else "")
    suites = load_suites(config.expectations_dir, config.datasets)
    published = settings.published_snapshot if settings.published_snapshot.is_file() else None
    conditions = _conditions(config, backfill, published)
    docs_index = data_docs_dir(settings) / "index.html"
    with file_lock(lock_path(settings), busy=_gate_busy):
        _write_running(gate_report_path(settings), run_id, settings, backfill)
        return _validate(settings, backfill, log, config, suites, conditions, published, run_id, run_time,
                         started, docs_index)


def _validate(
    settings: Settings, backfill: bool, log: logging.Logger, config: GateConfig, suites: list[SuiteSpec],
    conditions: dict[str, bool], published: Path | None, run_id: str, run_time: datetime, started: float,
    docs_index: Path,
) -> GateResult:
    """The gate's run proper; the caller holds the warehouse lock."""
    from insights.quality.gx_runner import runner_for

    failures: list[Failure] = []
    skipped: list[Skipped] = []
    rows: dict[str, int] = {}
    params: dict[str, Any] = {}

    # MetricFlow opens the DuckDB file itself: ask it before the gate holds its read-only handle.
    # Its `mf query` (a process start, 10-35 s) runs while this one imports GX and opens its context,
    # which do not touch the warehouse.
    import pandas  # noqa: F401  (imported once, here: both threads need it, and GX imports it too)

    with ThreadPoolExecutor(1, thread_name_prefix="gate-semantic-layer") as pool:
        semantic = pool.submit(_fetch_semantic_layer, settings, suites, conditions, log)
        runner = runner_for(settings.home, data_docs_dir(settings))
        semantic_frame, semantic_error = semantic.result()
    log.info("quality gate: semantic layer and GX context ready in %.1f s", time.monotonic() - started)
    try:
        con = open_candidate(settings.warehouse, published)
    except DatasetError as exc:
        failures.append(Failure("candidate", DATASET_QUERY, str(exc)))
        result = GateResult(False, failures, docs_index, skipped, rows, run_id, time.monotonic() - started)
        _write_report(gate_report_path(settings), result, params, backfill, settings.warehouse, None)
        log.error("%s", result.summary())
        return result
    try:
        build_id = current_build_id(con, CANDIDATE)
        con.register(RELATION, semantic_frame)
        params = _run_params(con, config, settings, backfill)
        log.info(
            "quality gate %s: build %s, %d suite(s), reference day %s, lookback %d day(s)%s",
            run_id,
            build_id or "(no build id)",
            len(suites),
            params["reference_day"],
            params["lookback_days"],
            ", backfill" if backfill else "",
        )
        for suite in suites:
            unmet = _unmet(suite.requires, conditions)
            if unmet:
                reason = "; ".join(f"needs {REQUIREMENTS[r]}" for r in unmet)
                skipped.append(Skipped(suite.name, None, f"skipped: {reason}"))
                log.debug("quality gate: %s skipped (%s)", suite.name, reason)
                continue
            expectations = _select_expectations(suite, conditions, semantic_error, failures, skipped)
            if not expectations:
                continue
            suite_started = time.monotonic()
            try:
                frame = load_frame(con, suite, params)
            except DatasetError as exc:
                failures.append(Failure(suite.name, DATASET_QUERY, str(exc)))
                log.error("quality gate: %s: %s", suite.name, exc)
                continue
            rows[suite.name] = len(frame)
            outcomes = runner.validate(suite, expectations, frame, run_id, run_time)
            bad = [o for o in outcomes if not o.success]
            failures += [Failure(suite.name, o.expectation, o.detail) for o in bad]
            log.info(
                "quality gate: %s: %d row(s), %d/%d expectation(s) passed, %.1f s",
                suite.name,
                len(frame),
                len(outcomes) - len(bad),
                len(outcomes),
                time.monotonic() - suite_started,
            )
        if config.data_docs:
            docs_started = time.monotonic()
            docs_index = runner.build_data_docs()
            log.info("quality gate: Data Docs built in %.1f s", time.monotonic() - docs_started)
    finally:
        con.close()
    result = GateResult(not failures, failures, docs_index, skipped, rows, run_id, time.monotonic() - started,
                        build_id=build_id)
    _write_report(gate_report_path(settings), result, params, backfill, settings.warehouse, build_id)
    (log.info if result.passed else log.error)("%s", result.summary())
    return result
