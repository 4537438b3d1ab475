"""`insights bench`: a nightly run at scale, stage by stage, against the DuckDB floor.

For each case (events per day E, days of history H) in its own INSIGHTS_HOME:
  setup (not measured as the nightly): the scale world's history lands as raw files (generated
  by DuckDB, insights_dev.bench.scale_world, hard-linked from a cache shared by all cases), the
  Zendesk/Typeform history is extracted from the simulator, then one backfill build, gate and
  publish leave the warehouse as the previous night left it;
  the night (measured, each stage in its own process: wall seconds and peak RSS): extract the
  night from the real HTTP simulator, load the raw zone, the DAG's dbt tasks (one incremental
  `dbt build` per layer, nightly vars), quality gate, publish (the weekly hygiene report is not
  part of a night);
  then `dbt build --full-refresh` on the same raw tables, and the floor: one DuckDB query for
  DAU/WAU/MAU straight from the same raw files, cross-checked against the nightly mart.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from insights.extraction.landing import RawZone, utc_iso
from insights.settings import PACKAGE_CONFIG_DIR, load_settings
from insights.workspace import load_workspace
from insights_dev.bench.scale_world import ScaleConfig, write_day
from insights_dev.simulator.credentials import simulated_env

log = logging.getLogger("insights_dev.bench")

NIGHT = date(2026, 9, 2)  # the measured night; history is the days before it
NIGHT_STAGES = ("extract", "load", "dbt", "gate", "publish")
SERVER_START_TIMEOUT = 600
@dataclass(frozen=True)
class StageRun:
    stage: str
    seconds: float
    peak_rss_mb: float
    details: dict[str, Any]


def cache_events_dir(cache_dir: Path, events_per_day: int) -> Path:
    """Where the scale world's hour files of one size live (a pure function of seed and day, so
    any later run, of any case, reuses them)."""
    return cache_dir / f"e{events_per_day}" / "amplitude"


def run_stage(stage: str, night: date, env: dict[str, str], work: Path) -> StageRun:
    """Run one stage in a child process: wall time, and peak RSS = the stage process's own VmHWM plus
    its children's (dbt) peak, an upper bound of what the stage held at once."""
    result_path = work / f"{stage}.json"
    result_path.unlink(missing_ok=True)
    started = time.monotonic()
    with (work / f"{stage}.log").open("wb") as output:
        proc = subprocess.Popen([sys.executable, "-m", "insights_dev.bench.stage", stage, night.isoformat(),
                                 str(result_path)], env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status = os.waitpid(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"bench stage {stage} failed (exit {proc.returncode}); see {work / f'{stage}.log'}")
    details = json.loads(result_path.read_text())
    # Not usage.ru_maxrss: a child inherits this (large) process's high-water mark through fork/exec.
    peak = details["own_peak_rss_mb"] + (details["children_peak_rss_mb"] if details["children_peak_rss_mb"] > 1 else 0)
    run = StageRun(stage, round(seconds, 2), round(peak, 1), details)
    log.info("stage %s: %.1f s, peak RSS %.0f MB", stage, run.seconds, run.peak_rss_mb)
    return run


def _land_history(home: Path, events_dir: Path, days: list[date], config: ScaleConfig) -> int:
    """Hard-link the cached hour files into the raw zone and write each partition's manifest."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    zone = RawZone(home / "raw")
    workspace = load_workspace(PACKAGE_CONFIG_DIR)
    rows = 0
    for day in days:
        files = write_day(con, config, workspace, day, events_dir)
        partition = zone.path("amplitude", "events", f"dt={day.isoformat()}")
        partition.mkdir(parents=True, exist_ok=True)
        for landed in files:
            os.link(events_dir / f"dt={day.isoformat()}" / landed.name, partition / landed.name)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        zone.write_manifest(partition, source="amplitude", stream="events", interval=(start, start + timedelta(days=1)),
                            files=files, cursor={"generated_by": "insights_dev.bench.scale_world"})
        rows += sum(f.rows for f in files)
    con.close()
    return rows


def _start_server(events_dir: Path, first_day: date, night: date, work: Path) -> tuple[subprocess.Popen, int]:
    port_file = work / "simulator.port"
    port_file.unlink(missing_ok=True)
    log_file = (work / "simulator.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "insights_dev.bench.serve", str(events_dir), first_day.isoformat(),
                             night.isoformat(), str(port_file)], stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError(f"the bench simulator did not start; see {work / 'simulator.log'}")
        time.sleep(0.5)
    return proc, int(port_file.read_text())


def _mart_rows(warehouse: Path) -> list[list[Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("select date_day, dau, wau, mau from marts.metrics_active_users_daily order by 1").fetchall()
    finally:
        con.close()
    return [[d.isoformat(), dau, wau, mau] for d, dau, wau, mau in rows]


def compare(floor_rows: list[list[Any]], mart_rows: list[list[Any]]) -> dict[str, Any]:
    """Days where the floor and the mart disagree (a fair floor computes the same numbers)."""
    floor = {r[0]: tuple(r[1:]) for r in floor_rows}
    mart = {r[0]: tuple(r[1:]) for r in mart_rows}
    mismatched = sorted(d for d in floor.keys() | mart.keys() if floor.get(d) != mart.get(d))
    return {"days": len(floor.keys() | mart.keys()), "mismatched_days": len(mismatched),
            "examples": [[d, floor.get(d), mart.get(d)] for d in mismatched[:3]]}


def _before_dbt(home: Path, env: dict[str, str], work: Path) -> StageRun:
    """The former dbt tasks (a `dbt` process per layer, whole-table tests) on a copy of the loaded
    warehouse, which is then put back: the measured `dbt` stage starts from the same state."""
    from insights.warehouse import dbt_paths, dbt_vars, run_dbt

    settings = load_settings()
    saved = [(path, work / f"before-{path.name}") for path in (settings.warehouse, dbt_paths(settings, "duckdb")[0])]
    for path, copy in saved:
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, copy)
    try:
        # The former nights parsed with these vars: start from their partial-parse state, as they did.
        run_dbt(["parse"], settings, vars=dbt_vars(settings), log=log)
        run = run_stage("dbt_per_layer", NIGHT, env, work)
    finally:
        for path, copy in saved:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            shutil.move(copy, path)
    return run


PREPARED_MARKER = "prepared.json"


def history_before_night(history_days: int) -> list[date]:
    """The days of a case's history: the `history_days` days before the measured night."""
    return [NIGHT - timedelta(days=history_days - n) for n in range(history_days)]


@dataclass(frozen=True)
class CaseLayout:
    """Where one case lives: its INSIGHTS_HOME under the bench dir, the cached world it reads."""

    events_per_day: int
    history_days: int
    home: Path
    events_dir: Path

    @property
    def work(self) -> Path:
        return self.home / "bench"

    @property
    def first_day(self) -> date:
        return NIGHT - timedelta(days=self.history_days)

    @property
    def history(self) -> list[date]:
        return history_before_night(self.history_days)


def case_layout(bench_dir: Path, events_per_day: int, history_days: int, cache_dir: Path | None) -> CaseLayout:
    return CaseLayout(events_per_day, history_days, bench_dir / f"run-e{events_per_day}-h{history_days}",
                      cache_events_dir(cache_dir or bench_dir / "cache", events_per_day))


@contextmanager
def _simulator(layout: CaseLayout) -> Iterator[dict[str, str]]:
    """The case's environment with the night served by the real HTTP simulator in its own process;
    this process's own setup calls read the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGHTS_")}
    env.update({"INSIGHTS_HOME": str(layout.home), "INSIGHTS_SERVING_DSN": "none",
                "INSIGHTS_CONFIG_DIR": os.environ.get("INSIGHTS_CONFIG_DIR", str(PACKAGE_CONFIG_DIR))})
    server, port = _start_server(layout.events_dir, layout.first_day, NIGHT, layout.work)
    try:
        env.update(simulated_env(f"http://127.0.0.1:{port}"))
        os.environ.clear()
        os.environ.update(env)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def prepare_case(layout: CaseLayout) -> dict[str, Any]:
    """Setup, not measured: the history lands, then the previous nights' backfill, gate and publish.
    Leaves work/prepared.json, so a later `measure_case` (another process, e.g. once the machine
    is idle) can time the night on this home."""
    config = ScaleConfig(events_per_day=layout.events_per_day)
    shutil.rmtree(layout.home, ignore_errors=True)
    layout.work.mkdir(parents=True)
    case: dict[str, Any] = {"events_per_day": layout.events_per_day, "history_days": layout.history_days,
                            "night": NIGHT.isoformat(), "setup": {}, "setup_load_average": os.getloadavg()}
    started = time.monotonic()
    con = duckdb.connect()
    write_day(con, config, load_workspace(PACKAGE_CONFIG_DIR), NIGHT, layout.events_dir)  # the night, to be served
    con.close()
    case["history_events"] = _land_history(layout.home, layout.events_dir, layout.history, config)
    case["setup"]["generate_and_land_history"] = round(time.monotonic() - started, 1)
    with _simulator(layout):
        _setup_previous_nights(case, layout.history, layout.first_day)
    (layout.work / PREPARED_MARKER).write_text(json.dumps(case, indent=2, default=str))
    log.info("prepared %s", layout.home)
    return case


def measure_case(layout: CaseLayout, *, full_refresh: bool = True, compare_before: bool = False) -> dict[str, Any]:
    """The measured night on a prepared home (one shot: the night changes the home)."""
    from insights.pipeline import nightly_dbt_vars
    from insights.warehouse import run_dbt

    marker = layout.work / PREPARED_MARKER
    if not marker.exists():
        raise RuntimeError(f"{layout.home} is not a prepared bench home (no {marker}): run "
                           "`insights bench --prepare-only` with the same --dir and cases first")
    case = json.loads(marker.read_text())
    marker.unlink()
    with _simulator(layout) as env:
        # The code may have moved since the home was prepared: a previous night's partial-parse
        # state for the current project, as in _setup_previous_nights (not measured).
        started = time.monotonic()
        run_dbt(["parse"], load_settings(), vars=nightly_dbt_vars(load_settings()), log=log)
        case["setup"]["parse_before_night"] = round(time.monotonic() - started, 1)
        case["load_average_start"] = os.getloadavg()
        work = layout.work
        runs = [run_stage(stage, NIGHT, env, work) for stage in ("extract", "load")]
        if compare_before:
            runs.append(_before_dbt(layout.home, env, work))
        runs += [run_stage(stage, NIGHT, env, work) for stage in NIGHT_STAGES[2:]]
        mart_rows = _mart_rows(layout.home / "warehouse.duckdb")
        if full_refresh:
            runs.append(run_stage("full_refresh", NIGHT, env, work))
        floor_run = run_stage("floor", NIGHT, env, work)
        runs.append(floor_run)
    case["stages"] = [asdict(r) for r in runs]
    for r in case["stages"]:
        r["details"].pop("rows", None)
    case["floor_vs_mart"] = compare(floor_run.details["rows"], mart_rows)
    case["load_average_end"] = os.getloadavg()
    case["raw_gzip_bytes"] = sum(p.stat().st_size for p in (layout.home / "raw").rglob("*.jsonl.gz"))
    return case


def run_case(bench_dir: Path, events_per_day: int, history_days: int, *, cache_dir: Path | None = None,
             full_refresh: bool = True, compare_before: bool = False, phase: str = "all") -> dict[str, Any]:
    """One case in bench_dir/run-e<E>-h<H>. phase: "all" (prepare, then measure), "prepare" (setup
    only) or "measure" (the night on a home an earlier "prepare" left). compare_before also times
    the former dbt tasks (a process per layer, whole-table tests) on a copy of the loaded warehouse."""
    layout = case_layout(bench_dir, events_per_day, history_days, cache_dir)
    if phase in ("all", "prepare"):
        prepared = prepare_case(layout)
        if phase == "prepare":
            return prepared
    return measure_case(layout, full_refresh=full_refresh, compare_before=compare_before)


def _setup_previous_nights(case: dict[str, Any], history: list[date], first_day: date) -> None:
    """VoC history, then one backfill build + gate + publish: the state a previous night left."""
    from insights.extraction.extract import extract_interval
    from insights.pipeline import build_warehouse, daily_intervals, nightly_dbt_vars, publish_marts, quality_gate
    from insights.warehouse import run_dbt

    settings = load_settings()
    started = time.monotonic()
    for start, end in daily_intervals(first_day, history[-1]):
        for source in ("zendesk", "typeform"):
            extract_interval(source, start, end, settings, log=log)
    case["setup"]["voc_history_extract"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    build_warehouse(settings, start=first_day, end=history[-1])
    case["setup"]["history_build"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    quality_gate(settings, backfill=True)
    publish_marts(settings)
    # A previous *nightly* run leaves dbt's partial-parse state with the nightly vars (the backfill's
    # bounds would force the night's first dbt task into a full re-parse no real night pays).
    run_dbt(["parse"], settings, vars=nightly_dbt_vars(settings), log=log)
    case["setup"]["history_gate_publish"] = round(time.monotonic() - started, 1)


def machine() -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), platform.processor()),
        "python": platform.python_version(),
        "versions": {p: version(p) for p in ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "requests")},
        "measured_at": utc_iso(datetime.now(UTC)),
    }


def case_days(history_days: int) -> list[date]:
    """The upload days a case reads: its history and the measured night."""
    return [*history_before_night(history_days), NIGHT]


def generate_world(cache_dir: Path, cases: list[tuple[int, int]]) -> dict[str, Any]:
    """Write (or reuse) every cached day the cases read, and nothing else: the same files and
    sidecars a later `run_case` with the same cache_dir finds and hard-links."""
    summary: dict[str, Any] = {"cache_dir": str(cache_dir), "sizes": []}
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    workspace = load_workspace(PACKAGE_CONFIG_DIR)
    try:
        for events in sorted({e for e, _ in cases}):
            days = sorted({d for e, h in cases if e == events for d in case_days(h)})
            events_dir = cache_events_dir(cache_dir, events)
            config = ScaleConfig(events_per_day=events)
            started = time.monotonic()
            rows = 0
            for day in days:
                day_started = time.monotonic()
                rows += sum(f.rows for f in write_day(con, config, workspace, day, events_dir))
                log.info("generated e%d %s in %.1f s", events, day, time.monotonic() - day_started)
            size = sum(p.stat().st_size for p in events_dir.rglob("*.jsonl.gz"))
            summary["sizes"].append({"events_per_day": events, "days": len(days), "rows": rows,
                                     "gzip_bytes": size, "seconds": round(time.monotonic() - started, 1)})
    finally:
        con.close()
    return summary


def run_bench(bench_dir: Path, cases: list[tuple[int, int]], *, cache_dir: Path | None = None,
              full_refresh: bool = True, compare_before: bool = False, phase: str = "all") -> dict[str, Any]:
    """Run every (events per day, history days) case, in order; results are written to
    bench_dir/results.json after each case (bench_dir/prepared.json for phase "prepare"). The scale
    world is cached under cache_dir (default bench_dir/cache) and reused across cases and runs."""
    bench_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "phase": phase, "cases": []}
    out = bench_dir / ("prepared.json" if phase == "prepare" else "results.json")
    for events, days in cases:
        log.info("bench case (%s): %d events/day, %d days of history", phase, events, days)
        results["cases"].append(run_case(bench_dir, events, days, cache_dir=cache_dir, full_refresh=full_refresh,
                                         compare_before=compare_before, phase=phase))
        out.write_text(json.dumps(results, indent=2, default=str))
    return results
