"""CeleryExecutor on the local Redis: the scheduler queues the extract and warehouse DAGs' tasks on the
broker, an `airflow celery worker` (the Procfile's celery-worker, as INSIGHTS_EXECUTOR=celery runs it)
executes them, and the night is published. One night of the scheduler test's tiny world, to stay cheap.

Redis database INSIGHTS_TEST_CELERY_REDIS_DB (default 13) is flushed before and after the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from insights.stack import supervisor
from insights.stack.airflow_api import AirflowApi
from insights.stack.config import ALL_DAGS, CELERY_WORKER, EXTRACT_DAGS
from insights.stack.snapshot import read_publication
from insights_dev.simulator import SimulatorServer
from tests.scheduler.test_nights import (
    AIRFLOW_PROCESSES,
    FAST_LIMITS,
    NIGHTS,
    PASSWORD,
    morning_after,
    runs,
    settle,
    stack_config,
    stack_environment,
    tiny_world,
)

pytestmark = [pytest.mark.celery, pytest.mark.slow, pytest.mark.postgres]

REDIS_DB = int(os.environ.get("INSIGHTS_TEST_CELERY_REDIS_DB", "13"))
BROKER_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture
def broker() -> str:
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"no local Redis at {BROKER_URL}: {exc}")
    client.flushdb()
    yield BROKER_URL
    client.flushdb()


def test_celery_worker_runs_the_dags_under_the_scheduler(tmp_path: Path, clock, webhook, broker: str) -> None:
    started = time.monotonic()
    night = NIGHTS[0]
    clock.set(morning_after(night))
    with SimulatorServer(tiny_world(), clock=clock.now, limits=FAST_LIMITS) as sim:
        config = stack_config(tmp_path, sim, executor="celery", celery_broker_url=broker)
        assert CELERY_WORKER in config.processes()
        env = stack_environment(config, sim, clock.path, webhook.url)
        env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = "3"
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        config.passwords_file.parent.mkdir(parents=True)
        config.passwords_file.write_text(json.dumps({"admin": PASSWORD}))
        airflow = str(Path(sys.executable).with_name("airflow"))
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        api = AirflowApi(config.airflow_url, "admin", PASSWORD)
        try:
            supervisor.start(config, env, (*AIRFLOW_PROCESSES, CELERY_WORKER), tag="airflow")
            supervisor.start(config, env, ("scheduler",), tag="scheduler")
            api.wait_healthy(timeout=180)
            api.wait_for_dags(ALL_DAGS, timeout=180)

            builds = settle(api, [night], builds_before=0)
            assert [b["state"] for b in builds] == ["success"]
            publication = read_publication(config.home / "published" / "insights.duckdb")
            assert publication is not None and publication.newest_complete_day == night

            # Every DAG's tasks ran on the Celery worker (its log names each workload it executed).
            executed = [
                line
                for line in (config.run_dir / "airflow.log").read_text(errors="replace").splitlines()
                if "celery-worker" in line and "Executing workload in Celery" in line
            ]
            for dag_id in (*EXTRACT_DAGS, "warehouse_build"):
                assert any(f"dag_id={dag_id}/" in line for line in executed), f"no Celery workload of {dag_id}"
                assert {r["state"] for r in runs(api, dag_id)} == {"success"}
        finally:
            supervisor.stop(config, tag="scheduler")
            supervisor.stop(config, tag="airflow")
            print(f"celery test: {time.monotonic() - started:.0f} s")
