"""The DAG policy: what every DAG of this project must satisfy (checked by test_dag_policy.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from insights.dag_toolkit import ALLOWED_TAGS, EXTRACT_SOURCES
from insights.sources import availability_delay

MAX_PARSE_SECONDS = 2.0
PROBE = Path(__file__).with_name("parse_probe.py")


def probe_dag_folder(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    completed = subprocess.run([sys.executable, str(PROBE), str(folder)], capture_output=True, text=True,
                               env=env, timeout=180, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith("PROBE-RESULT "):
            return json.loads(line.removeprefix("PROBE-RESULT "))
    raise AssertionError(f"parse probe failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")


def policy_violations(report: dict[str, Any]) -> list[str]:
    problems = [f"{name}: import error: {error.strip().splitlines()[-1]}"
                for name, error in report["import_errors"].items()]
    problems += [f"{name}: parsing took {seconds:.2f} s (limit {MAX_PARSE_SECONDS} s)"
                 for name, seconds in report["parse_seconds"].items() if seconds > MAX_PARSE_SECONDS]
    problems += [f"network access at parse time: {a}" for a in report["network_attempts"]]
    problems += [f"file written at parse time: {f}" for f in report["files_written"]]
    problems += [f"heavy module imported at parse time: {m}" for m in report["heavy_imports"]]
    for dag in report["dags"]:
        where = f"{dag['file']}: DAG {dag['dag_id']}"
        if not dag["owner"] or dag["owner"] == "airflow":
            problems.append(f"{where}: no owner in default_args")
        if not dag["tags"]:
            problems.append(f"{where}: no tags")
        unknown = sorted(set(dag["tags"]) - ALLOWED_TAGS)
        if unknown:
            problems.append(f"{where}: tags not in the fixed list: {', '.join(unknown)}")
        problems += extraction_wait_violations(dag, where)
        for task in dag["tasks"]:
            if task["retries"] < 1:
                problems.append(f"{where}: task {task['task_id']} has retries={task['retries']}")
            if not task["on_failure_callback"]:
                problems.append(f"{where}: task {task['task_id']} has no failure callback")
    return problems


def extraction_wait_violations(dag: dict[str, Any], where: str) -> list[str]:
    """An extraction DAG (tagged `extract` and a source) waits for its source's availability before
    extracting: a deferrable TimeDeltaSensor of the source's declared delay, upstream of `extract`."""
    sources = [t for t in dag["tags"] if t in EXTRACT_SOURCES]
    if "extract" not in dag["tags"] or len(sources) != 1:
        return []
    delay = availability_delay(sources[0]).total_seconds()
    tasks = {t["task_id"]: t for t in dag["tasks"]}
    extract = tasks.get("extract")
    if extract is None:
        return [f"{where}: no task 'extract'"]
    waits = [tasks[u] for u in extract["upstream"] if tasks[u]["operator"] == "TimeDeltaSensor"]
    if not waits:
        return [f"{where}: task extract has no availability wait (TimeDeltaSensor) upstream"]
    problems = []
    for wait in waits:
        if wait["deferrable"] is not True:
            problems.append(f"{where}: availability wait {wait['task_id']} is not deferrable")
        if wait["delta_seconds"] != delay:
            problems.append(f"{where}: availability wait {wait['task_id']} waits {wait['delta_seconds']} s, "
                            f"not {sources[0]}'s declared delay of {delay:g} s")
    return problems
