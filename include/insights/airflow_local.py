"""Run this project's DAGs with a local Airflow (SQLite metadata DB under $INSIGHTS_HOME/airflow).

Used by `insights demo` to run the last night through real Airflow (`airflow dags test`),
and by the tests. The docker-compose stack is the production-like alternative.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from insights.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

DAGS_FOLDER = REPO_ROOT / "dags"

# -W filters (action:message prefix:category:module), each matching one known warning at its origin only.
AIRFLOW_CLI_WARNING_FILTERS = (
    "ignore:Could not import graphviz:UserWarning:airflow.cli.commands.dag_command",
    "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning:fastapi.testclient",
)

# Airflow's console lines: `2026-12-05T05:13:04.705609Z [info     ] message [logger] key=value ...`.
_RECORD = re.compile(r"^\S+Z \[(?P<level>[a-z]+)\s*\] (?P<rest>.*)$")
_LOGGER = re.compile(r" \[(?P<logger>[\w.]+)\](?: |$)")
_RUN_STATE = re.compile(r"DagRun Finished: dag_id=[\w.-]+,.*? state=(?P<state>\w+)")
_LEVELS = {"warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL}


def airflow_line_level(line: str, previous: int = logging.DEBUG) -> int:
    """The level an `airflow` output line is forwarded at: Airflow's own INFO is detail (DEBUG); this
    project's INFO lines (one per step of a task) stay INFO; warnings and errors stay what they are.
    A line without a record header continues the previous record."""
    record = _RECORD.match(line)
    if record is None:
        return previous
    level = _LEVELS.get(record.group("level"))
    if level is not None:
        return level
    loggers = _LOGGER.findall(record.group("rest"))
    own = bool(loggers) and loggers[-1].split(".")[0] == "insights" and record.group("level") == "info"
    return logging.INFO if own else logging.DEBUG


def _message(line: str) -> str:
    """The record's message, without Airflow's timestamp, level, logger and key=value fields."""
    record = _RECORD.match(line)
    if record is None:
        return line
    rest = record.group("rest")
    found = list(_LOGGER.finditer(rest))
    return rest[: found[-1].start()].rstrip() if found else rest

def airflow_env(settings: Settings) -> dict[str, str]:
    """The environment the README documents for running Airflow against this project."""
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(settings.home / "airflow"))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
    env.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
    env.setdefault("INSIGHTS_HOME", str(settings.home))
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("INSIGHTS_RETRY_DELAY_SECONDS", "5")  # `dags test` really sleeps between retries
    # Two warnings every `airflow` command prints, about optional extras the CLI here never uses: the graph
    # rendering (graphviz) and FastAPI's test client importing starlette's deprecated httpx transport.
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), *AIRFLOW_CLI_WARNING_FILTERS]))
    return env


def _airflow_bin() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


def run_airflow(args: list[str], settings: Settings) -> str | None:
    """Run `airflow <args>`, its output forwarded to the log (airflow_line_level); returns the state of
    the DAG run it finished, if any. Raises RuntimeError, with the last lines, when it fails."""
    command = [_airflow_bin(), *args]
    log.debug("running: airflow %s", " ".join(args))
    started = time.monotonic()
    tail: list[str] = []
    state = None
    level = logging.DEBUG
    with subprocess.Popen(command, env=airflow_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip()
            if not line:
                continue
            level = airflow_line_level(line, level)
            log.log(level, "%s", _message(line) if level >= logging.INFO else line)
            tail = [*tail[-29:], line]
            finished = _RUN_STATE.search(line)
            state = finished.group("state") if finished else state
        returncode = proc.wait()
    seconds = time.monotonic() - started
    if returncode != 0 or state not in (None, "success"):
        outcome = f"exit code {returncode}" if returncode else f"DAG run {state}"
        raise RuntimeError(f"`airflow {' '.join(args)}` failed ({outcome}) after {seconds:.0f} s; last output:\n  "
                           + "\n  ".join(tail[-15:]))
    log.info("airflow %s: %s in %.0f s", " ".join(args), f"DAG run {state}" if state else "done", seconds)
    return state


def ensure_metadata_db(settings: Settings) -> None:
    """Migrate the metadata DB and store the DAGs in it (Airflow 3 lists DAGs from the DB, which
    otherwise only the dag-processor fills)."""
    (settings.home / "airflow").mkdir(parents=True, exist_ok=True)
    run_airflow(["db", "migrate"], settings)
    run_airflow(["dags", "reserialize"], settings)


def dags_test(dag_id: str, night: date, settings: Settings) -> str | None:
    """Run one DAG for the night of `night` (its data interval is that UTC day).

    In Airflow 3 a manual run's logical date is when it runs, and a nightly DAG's data interval
    is the day that ended then: the night of D is the run at D + 1 day, 00:00 UTC.
    """
    run_after = night + timedelta(days=1)
    return run_airflow(["dags", "test", dag_id, run_after.isoformat()], settings)
