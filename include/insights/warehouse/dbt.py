"""Run dbt (and MetricFlow) on the warehouse, and the build entry point: load, then `dbt build`.

dbt runs in a subprocess (`dbt` next to the running Python), in dbt_project/ with
`--profiles-dir dbt_project`, so its lineage, retries and logs stay visible to the caller;
every log line is forwarded to the given logger. Artifacts (manifest, run_results, partial
parse cache) and logs go under `$INSIGHTS_HOME/dbt/<target>/`, so builds of different homes
(tests, CI runs) never share or overwrite each other's state.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from insights import progress
from insights.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings
from insights.warehouse.build_id import dbt_command_writes, record_new_build
from insights.warehouse.load import LoadResult, load_raw
from insights.warehouse.lock import warehouse_lock
from insights.warehouse.targets import check_target

__all__ = [
    "BuildResult",
    "DbtError",
    "DbtNodeResult",
    "DbtRunResult",
    "build",
    "dbt_common_args",
    "dbt_env",
    "dbt_failure_message",
    "dbt_paths",
    "dbt_summary",
    "dbt_vars",
    "run_dbt",
    "run_metricflow",
]

_log = logging.getLogger("insights.warehouse.dbt")
FAILED_STATUSES = ("error", "fail", "runtime error")
# Open ends of a backfill given only one bound (valid dates on both databases).
_EARLIEST, _LATEST = "1900-01-01", "9999-12-31"


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


@dataclass(frozen=True)
class DbtNodeResult:
    unique_id: str
    status: str
    message: str
    seconds: float
    failures: int | None = None


@dataclass(frozen=True)
class DbtRunResult:
    args: tuple[str, ...]
    returncode: int
    seconds: float
    nodes: tuple[DbtNodeResult, ...] = ()
    tail: tuple[str, ...] = ()  # last log lines, for errors without run results

    @property
    def failed(self) -> tuple[DbtNodeResult, ...]:
        return tuple(n for n in self.nodes if n.status in FAILED_STATUSES)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed

    def node(self, unique_id: str) -> DbtNodeResult:
        return next(n for n in self.nodes if n.unique_id == unique_id)


class DbtError(RuntimeError):
    """dbt failed; the message lists the failed nodes (or dbt's last log lines)."""

    def __init__(self, message: str, result: DbtRunResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class BuildResult:
    target: str
    load: LoadResult
    dbt: DbtRunResult
    seconds: float
    vars: dict[str, Any] = field(default_factory=dict)


def dbt_paths(settings: Settings, target: str) -> tuple[Path, Path]:
    """(target-path, log-path) of dbt runs on this home and target."""
    base = settings.home / "dbt" / target
    return base / "target", base / "logs"


def dbt_vars(settings: Settings, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Workspace settings (settings.yml) plus the backfill bounds, as dbt vars."""
    variables: dict[str, Any] = dict(settings.workspace.dbt_vars())
    if start is not None or end is not None:
        if start is not None and end is not None and start > end:
            raise ValueError(f"backfill start {start} is after its end {end}")
        variables["backfill_start"] = start.isoformat() if start else _EARLIEST
        variables["backfill_end"] = end.isoformat() if end else _LATEST
    return variables


def dbt_env(settings: Settings, target: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "INSIGHTS_HOME": str(settings.home),
            "INSIGHTS_WAREHOUSE": str(settings.warehouse),
            "INSIGHTS_DBT_TARGET": target,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
        }
    )
    return env


def _read_run_results(path: Path, since: float) -> tuple[DbtNodeResult, ...]:
    if not path.is_file() or path.stat().st_mtime < since:
        return ()
    doc = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        DbtNodeResult(
            unique_id=r.get("unique_id", "?"),
            status=str(r.get("status", "")),
            message=(r.get("message") or "").strip(),
            seconds=float(r.get("execution_time") or 0.0),
            failures=r.get("failures"),
        )
        for r in doc.get("results", [])
    )


# dbt's text log lines: `12:00:01  3 of 380 OK created sql table model marts.x ... [OK in 0.2s]`.
_CLOCK = re.compile(r"^\d\d:\d\d:\d\d\s+")
_NODE = re.compile(r"^(\d+) of (\d+) (START|OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")
_TROUBLE = re.compile(r"\[WARNING\]|\bWarning\b|\bERROR\b|\bError\b|Failure in |Completed with \d+ (error|warning)")


def dbt_line_level(line: str) -> int:
    """The level a dbt log line is forwarded at: a node's start and success are detail (DEBUG), its
    warnings and failures and dbt's own warnings are WARNING."""
    text = _CLOCK.sub("", line)
    node = _NODE.match(text)
    if node:
        return logging.WARNING if node.group(3) in ("WARN", "ERROR", "FAIL") else logging.DEBUG
    if text.startswith("Done. PASS="):  # the run's tally: run_dbt's own summary line says it at INFO
        return logging.DEBUG
    return logging.WARNING if _TROUBLE.search(text) else logging.DEBUG


def _stream(
    cmd: Sequence[str], cwd: Path, env: Mapping[str, str], log: logging.Logger, bar: progress.Bar | None = None
) -> tuple[int, list[str]]:
    tail: list[str] = []
    with subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if not line:
                continue
            text = _CLOCK.sub("", line)
            level = dbt_line_level(line)
            log.log(level, "dbt: %s" if level > logging.DEBUG else "%s", text)
            tail = [*tail[-39:], line]
            node = _NODE.match(text)
            if bar is not None and node:
                bar.update(total=int(node.group(2)))
                if node.group(3) != "START":  # the node's name: the last word before the dots
                    words = text[node.end():].split(" .")[0].split()
                    bar.advance(detail=words[-1] if words else "")
        returncode = proc.wait()
    return returncode, tail


def run_dbt(
    args: Sequence[str],
    settings: Settings,
    target: str = "duckdb",
    vars: Mapping[str, Any] | None = None,
    log: logging.Logger | None = None,
    check: bool = True,
) -> DbtRunResult:
    """Run `dbt <args>` on the target; raise DbtError listing the failed nodes when `check`.

    `vars` defaults to the workspace settings (dbt_vars(settings)).
    A command that can write the DuckDB warehouse first records a new build id (the caller holds
    the warehouse lock), so a run that dies half-way never keeps the id of what the gate passed.
    """
    log = log or _log
    check_target(target)
    if target == "duckdb" and dbt_command_writes(args):
        record_new_build(settings, f"dbt {' '.join(args)}"[:500], log)
    variables = dict(vars) if vars is not None else dbt_vars(settings)
    target_path, _ = dbt_paths(settings, target)
    cmd = [_bin("dbt"), *args, *dbt_common_args(settings, target, variables)]
    started_wall = time.time()
    started = time.monotonic()
    log.debug("dbt %s (target %s)", " ".join(args), target)
    with progress.task(f"dbt {args[0] if args else ''}") as bar:
        returncode, tail = _stream(cmd, DBT_PROJECT_DIR, dbt_env(settings, target), log, bar)
    result = DbtRunResult(
        args=tuple(args),
        returncode=returncode,
        seconds=time.monotonic() - started,
        nodes=_read_run_results(target_path / "run_results.json", started_wall - 1),
        tail=tuple(tail),
    )
    log.info("%s", dbt_summary(result, target))
    if check and not result.ok:
        raise DbtError(dbt_failure_message(result, target), result)
    return result


def dbt_common_args(settings: Settings, target: str, variables: Mapping[str, Any]) -> list[str]:
    """The options every dbt command of this home and target takes (after the command's own)."""
    target_path, log_path = dbt_paths(settings, target)
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--vars",
        json.dumps(variables),
        "--no-use-colors",
    ]


def dbt_summary(result: DbtRunResult, target: str) -> str:
    """One line per dbt command: `dbt build --select ... (duckdb): 380 node(s): 380 pass in 71 s`."""
    counts: dict[str, int] = {}
    for node in result.nodes:
        counts[node.status] = counts.get(node.status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    outcome = f"{len(result.nodes)} node(s): {tally}" if result.nodes else "done"
    if result.returncode != 0:
        outcome += f", exit code {result.returncode}"
    return f"dbt {' '.join(result.args)} ({target}): {outcome} in {result.seconds:.0f} s"


def dbt_failure_message(result: DbtRunResult, target: str) -> str:
    head = f"dbt {' '.join(result.args)} failed on target {target} (exit code {result.returncode})"
    if result.failed:
        lines = [f"{head}; {len(result.failed)} node(s) failed:"]
        for node in result.failed:
            message = " ".join(node.message.split())[:500]
            lines.append(f"  - {node.unique_id} [{node.status}]: {message}")
        return "\n".join(lines)
    return head + "; last dbt output:\n  " + "\n  ".join(result.tail[-15:])


def build(
    settings: Settings,
    *,
    start: date | None = None,
    end: date | None = None,
    full_refresh: bool = False,
    target: str = "duckdb",
    select: str | None = None,
    log: logging.Logger | None = None,
    exclude: str | None = None,
) -> BuildResult:
    """Load the raw zone into the target, then `dbt build` (all of it, or `select`).

    start/end: an explicit backfill of the daily marts over [start, end] (both inclusive; either
    may be open); without them the nightly rule applies (the last `late_event_lookback_days`
    days). full_refresh rebuilds every incremental model from the raw tables. select/exclude are
    dbt node selections (tests with buildable indirect selection, as the warehouse DAG's layers
    run them). Holds the warehouse lock for the whole build.
    """
    log = log or _log
    check_target(target)
    variables = dbt_vars(settings, start, end)
    started = time.monotonic()
    with warehouse_lock(settings):
        if target == "duckdb":
            record_new_build(settings, "raw load", log)
        loaded = load_raw(settings, target, log)
        args = ["build"]
        if full_refresh:
            args.append("--full-refresh")
        if select:
            # buildable: a test runs only when all its parents are selected or upstream of the
            # selection, so a test that spans the selection's edge (a mart checked against
            # int_reporting_days, which every source feeds) never runs against a table not built.
            args += ["--select", select, "--indirect-selection", "buildable"]
        if exclude:
            args += ["--exclude", exclude]
        result = run_dbt(args, settings, target, variables, log)
    return BuildResult(target=target, load=loaded, dbt=result, seconds=time.monotonic() - started, vars=variables)


def _shadow_project(settings: Settings, target: str) -> Path:
    """dbt_project/ as symlinks, with `target` pointing at this home's artifacts.

    MetricFlow's CLI reads `<project>/target/semantic_manifest.json` (the path is fixed), so
    this lets it use the manifest of this home's last dbt run without touching dbt_project/.
    """
    target_path, _ = dbt_paths(settings, target)
    shadow = settings.home / "dbt" / target / "project"
    shadow.mkdir(parents=True, exist_ok=True)
    for entry in DBT_PROJECT_DIR.iterdir():
        if entry.name in ("target", "logs", ".user.yml"):
            continue
        link = shadow / entry.name
        if not link.is_symlink():
            link.symlink_to(entry)
    link = shadow / "target"
    if not link.is_symlink():
        link.symlink_to(target_path, target_is_directory=True)
    # The sources' staging folders: dbt_project.yml's model path ../include/insights/sources.
    sources = shadow.parent / "include"
    if not sources.is_symlink():
        sources.symlink_to(REPO_ROOT / "include", target_is_directory=True)
    return shadow


def run_metricflow(
    args: Sequence[str], settings: Settings, target: str = "duckdb", log: logging.Logger | None = None
) -> str:
    """Run `mf <args>` against this home's warehouse and last dbt manifest; returns its stdout.

    Needs a prior dbt run (build or parse) on this home and target.
    """
    log = log or _log
    check_target(target)
    target_path, _ = dbt_paths(settings, target)
    if not (target_path / "semantic_manifest.json").is_file():
        raise FileNotFoundError(
            f"{target_path / 'semantic_manifest.json'}: no semantic manifest; run a dbt build or parse first"
        )
    shadow = _shadow_project(settings, target)
    proc = subprocess.run(
        [_bin("mf"), *args],
        cwd=shadow,
        env={**dbt_env(settings, target), "DBT_PROJECT_DIR": str(shadow), "DBT_PROFILES_DIR": str(shadow)},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mf {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    log.debug("mf %s: %s", " ".join(args), proc.stdout)
    return proc.stdout
