"""Parse a DAG folder with the real Airflow DagBag in a clean interpreter and report, as JSON,
everything the DAG policy looks at: import errors, parse time per file, network attempts,
files written and heavy modules imported at parse time, and each DAG's settings.

Run: python tests/dags/parse_probe.py DAG_FOLDER
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

# Modules whose import at parse time means a DAG file does work there (they belong in tasks).
HEAVY_MODULES = {"duckdb", "dbt", "great_expectations", "metricflow", "psycopg2", "insights.pipeline"}


def _seconds(value: Any) -> float | None:
    return value.total_seconds() if hasattr(value, "total_seconds") else None


def main(folder: str) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="dag-parse-home-"))
    os.environ["INSIGHTS_HOME"] = str(home)
    attempts: list[str] = []

    def blocked(self: socket.socket, address: Any) -> None:
        attempts.append(repr(address))
        raise OSError("network is disabled while parsing DAGs")

    from airflow.dag_processing.dagbag import DagBag

    socket.socket.connect = blocked  # type: ignore[method-assign]
    socket.socket.connect_ex = blocked  # type: ignore[method-assign,assignment]
    before = set(sys.modules)
    bag = DagBag(dag_folder=folder)
    new_modules = set(sys.modules) - before
    heavy = sorted(m for m in HEAVY_MODULES if any(n == m or n.startswith(m + ".") for n in new_modules))
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    dags = []
    for dag in bag.dags.values():
        default_args = dag.default_args or {}
        dags.append({
            "dag_id": dag.dag_id,
            "file": Path(dag.fileloc).name,
            "owner": default_args.get("owner"),
            "tags": sorted(dag.tags or []),
            "tasks": [
                {"task_id": t.task_id, "retries": t.retries, "owner": t.owner,
                 "on_failure_callback": bool(t.on_failure_callback),
                 "operator": type(t).__name__, "upstream": sorted(t.upstream_task_ids),
                 "deferrable": getattr(t, "deferrable", None),
                 "delta_seconds": _seconds(getattr(t, "delta", None))}
                for t in dag.tasks
            ],
        })
    return {
        "import_errors": {Path(k).name: v for k, v in bag.import_errors.items()},
        "parse_seconds": {s.file.lstrip("/"): s.duration.total_seconds() for s in bag.dagbag_stats},
        "network_attempts": attempts,
        "files_written": written,
        "heavy_imports": heavy,
        "dags": dags,
    }


if __name__ == "__main__":
    print("PROBE-RESULT " + json.dumps(main(sys.argv[1])))
