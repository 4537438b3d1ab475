"""Run this project's DAGs with a local Airflow (SQLite metadata DB under $INSIGHTS_HOME/airflow).

Used by `insights demo` to run the last night through real Airflow (`airflow dags test`),
and by the tests. The docker-compose stack is the production-like alternative.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from insights.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

DAGS_FOLDER = REPO_ROOT / "dags"


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
    return env


def _airflow_bin() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


def run_airflow(args: list[str], settings: Settings) -> None:
    command = [_airflow_bin(), *args]
    log.info("running: airflow %s", " ".join(args))
    completed = subprocess.run(command, env=airflow_env(settings), check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"`airflow {' '.join(args)}` failed with exit code {completed.returncode}")


def ensure_metadata_db(settings: Settings) -> None:
    """Migrate the metadata DB and store the DAGs in it (Airflow 3 lists DAGs from the DB, which
    otherwise only the dag-processor fills)."""
    (settings.home / "airflow").mkdir(parents=True, exist_ok=True)
    run_airflow(["db", "migrate"], settings)
    run_airflow(["dags", "reserialize"], settings)


def dags_test(dag_id: str, night: date, settings: Settings) -> None:
    """Run one DAG for the night of `night` (its data interval is that UTC day).

    In Airflow 3 a manual run's logical date is when it runs, and a nightly DAG's data interval
    is the day that ended then: the night of D is the run at D + 1 day, 00:00 UTC.
    """
    run_after = night + timedelta(days=1)
    run_airflow(["dags", "test", dag_id, run_after.isoformat()], settings)
