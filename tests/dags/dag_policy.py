"""The DAG policy: what every DAG of this project must satisfy (checked by test_dag_policy.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from insights.dag_toolkit import ALLOWED_TAGS

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
        for task in dag["tasks"]:
            if task["retries"] < 1:
                problems.append(f"{where}: task {task['task_id']} has retries={task['retries']}")
            if not task["on_failure_callback"]:
                problems.append(f"{where}: task {task['task_id']} has no failure callback")
    return problems
