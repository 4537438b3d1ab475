"""The real scheduler on a moving clock: the local stack's Airflow processes (api-server, dag-processor,
triggerer, scheduler) run the asset-driven chain extract DAGs -> raw assets -> warehouse_build night
after night as the clock advances; the scheduler is taken down for two nights and catches up in order
when it comes back; a night whose data fails the quality gate keeps the previous publication and
alerts the webhook.

The clock: tests/scheduler/clockhook shifts every stack process's wall clock (time-machine) and the
metadata database's now() by the same amount; the simulator runs in this process on that clock.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from insights.stack import supervisor
from insights.stack.airflow_api import AirflowApi
from insights.stack.config import ALL_DAGS, EXTRACT_DAGS, StackConfig
from insights.stack.snapshot import read_publication
from insights_dev.simulator import Limits, SimulatorServer, WorldConfig, generate_world
from insights_dev.simulator.live import live_world_config

from .conftest import HOOK_DIR, PG_DSN

pytestmark = [pytest.mark.scheduler, pytest.mark.slow, pytest.mark.postgres]

D0 = date(2026, 8, 3)  # a Monday: the weekly audit has no complete interval during the test
NIGHTS = [D0 + timedelta(days=i) for i in range(4)]
BAD_NIGHT = NIGHTS[3]  # a Typeform response landed after it was submitted: the gate fails
PASSWORD = "scheduler-test"
AIRFLOW_PROCESSES = ("api-server", "dag-processor", "triggerer")
FAST_LIMITS = Limits(zendesk_requests_per_minute=10_000, typeform_requests_per_second=10_000)


def morning_after(night: date) -> datetime:
    """03:00 UTC the next day: every source serves the night (Amplitude's 2 h delay included)."""
    return datetime.combine(night + timedelta(days=1), day_time(3), tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tiny_world():
    world = generate_world(live_world_config(WorldConfig(users=80, seed=11), D0 + timedelta(days=1), 1, 4))
    for items in world.responses.values():
        for item in items:
            if (item.get("submitted_at") or "").startswith(BAD_NIGHT.isoformat()):
                submitted = datetime.fromisoformat(item["submitted_at"].replace("Z", "+00:00"))
                item["landed_at"] = (submitted + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                return world
    raise AssertionError(f"the tiny world has no survey response on {BAD_NIGHT}")


def stack_config(tmp_path: Path, sim: SimulatorServer, **extra: Any) -> StackConfig:
    """The test stack: fresh ports, one day of history, today = the second night, metadata on Postgres."""
    return StackConfig(
        home=tmp_path / "stack",
        airflow_port=free_port(),
        simulator_port=sim.port,
        reports_port=free_port(),
        history_days=1,
        today=NIGHTS[1],
        user="admin",
        metadata_dsn=PG_DSN,
        **extra,
    )


def stack_environment(config: StackConfig, sim: SimulatorServer, clock_file: Path, webhook_url: str) -> dict:
    env = config.environment()
    env.update(
        {
            "PYTHONPATH": str(HOOK_DIR),
            "INSIGHTS_TEST_CLOCK_FILE": str(clock_file),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "testclock_db.SYNC",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS_ASYNC": "testclock_db.ASYNC",
            "INSIGHTS_SCHEDULE_START": D0.isoformat(),
            "INSIGHTS_SCHEDULE_CATCHUP": "true",  # the scheduler itself runs the nights it missed
            "INSIGHTS_SERVING_DSN": "none",  # the snapshot is the publication checked here
            "INSIGHTS_ALERT_WEBHOOK": webhook_url,
            "INSIGHTS_RETRY_DELAY_SECONDS": "1",
            "INSIGHTS_MAX_QUARANTINE_SHARE": "0.05",  # a tiny night's quirks exceed 1 %
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__CORE__PARALLELISM": "3",
        }
    )
    for source in ("amplitude", "zendesk", "typeform"):
        env[f"INSIGHTS_{source.upper()}_URL"] = sim.base_url(source)
    return env


def runs(api: AirflowApi, dag_id: str) -> list[dict[str, Any]]:
    return sorted(api.dag_runs(dag_id), key=lambda r: r["logical_date"] or r["run_after"])


def settle(api: AirflowApi, nights: list[date], builds_before: int, timeout: float = 240) -> list[dict]:
    """Wait until every extraction DAG ran `nights` and a warehouse build started after the last of
    them has finished; returns the warehouse_build runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        extracts = {dag_id: runs(api, dag_id) for dag_id in EXTRACT_DAGS}
        done = all(
            {r["logical_date"][:10] for r in dag_runs if r["state"] == "success"} >= {n.isoformat() for n in nights}
            for dag_runs in extracts.values()
        )
        builds = runs(api, "warehouse_build")
        # A build counts when the asset events that triggered it came after the night's last extraction
        # started: the asset event is emitted when the extract task ends, before its DAG run's end_date.
        last_extract = max((r["start_date"] or "" for dag_runs in extracts.values() for r in dag_runs), default="")
        finished = [b for b in builds if b["state"] in ("success", "failed")]
        busy = any(b["state"] in ("queued", "running") for b in builds)
        if (
            done
            and not busy
            and len(finished) > builds_before
            and max(b["run_after"] for b in finished) > last_extract
        ):
            return builds
        time.sleep(2)
    raise AssertionError(f"nights {nights} not settled within {timeout} s: {extracts} {builds}")


def published_days(snapshot: Path) -> list[tuple[date, int]]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute(
            "select daily.date_day, count(*) from marts.metrics_active_users_daily as daily group by 1 order by 1"
        ).fetchall()


def test_nights_on_the_real_scheduler(tmp_path: Path, clock, webhook) -> None:
    started = time.monotonic()
    clock.set(morning_after(NIGHTS[0]))
    with SimulatorServer(tiny_world(), clock=clock.now, limits=FAST_LIMITS) as sim:
        config = stack_config(tmp_path, sim)
        env = stack_environment(config, sim, clock.path, webhook.url)
        config.passwords_file.parent.mkdir(parents=True)
        config.passwords_file.write_text(json.dumps({"admin": PASSWORD}))
        airflow = str(Path(sys.executable).with_name("airflow"))
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        api = AirflowApi(config.airflow_url, "admin", PASSWORD)
        snapshot = config.home / "published" / "insights.duckdb"
        try:
            supervisor.start(config, env, AIRFLOW_PROCESSES, tag="airflow")
            supervisor.start(config, env, ("scheduler",), tag="scheduler")
            api.wait_healthy(timeout=180)
            api.wait_for_dags(ALL_DAGS, timeout=180)

            # Night 0: the scheduler runs it once its data interval is over.
            builds = settle(api, NIGHTS[:1], builds_before=0)
            first = read_publication(snapshot)
            assert first is not None and first.newest_complete_day == NIGHTS[0]

            # The scheduler is down for nights 1 and 2; back up, it runs both, in order.
            supervisor.stop(config, tag="scheduler")
            clock.set(morning_after(NIGHTS[2]))
            time.sleep(3)
            assert all(len(api.dag_runs(dag_id)) == 1 for dag_id in EXTRACT_DAGS)  # nothing ran meanwhile
            supervisor.start(config, env, ("scheduler",), tag="scheduler")
            builds = settle(api, NIGHTS[:3], builds_before=len(builds))
            caught_up = read_publication(snapshot)
            assert caught_up is not None and caught_up.newest_complete_day == NIGHTS[2]
            assert caught_up.version > first.version

            # Night 3 fails the quality gate: the previous publication stays, the webhook is alerted.
            clock.set(morning_after(NIGHTS[3]))
            builds = settle(api, NIGHTS[:4], builds_before=len(builds))
            assert builds[-1]["state"] == "failed"
            assert read_publication(snapshot) == caught_up
            alerts = [p for p in webhook.posts if p.get("dag_id") == "warehouse_build"]
            assert [a["task_id"] for a in alerts] == ["quality_gate"]

            for dag_id in EXTRACT_DAGS:
                dag_runs = runs(api, dag_id)
                # each night exactly once, by the scheduler, and in the order of the nights
                assert [r["logical_date"][:10] for r in dag_runs] == [n.isoformat() for n in NIGHTS]
                assert {r["run_type"] for r in dag_runs} == {"scheduled"}
                assert [r["start_date"] for r in dag_runs] == sorted(r["start_date"] for r in dag_runs)
            assert all(b["run_type"] == "asset_triggered" for b in builds)
            days = published_days(snapshot)
            assert [d for d, _ in days][-1] == NIGHTS[2]
            assert all(count == 1 for _, count in days)  # each published day once
        finally:
            supervisor.stop(config, tag="scheduler")
            supervisor.stop(config, tag="airflow")
            print(f"scheduler test: {time.monotonic() - started:.0f} s")
