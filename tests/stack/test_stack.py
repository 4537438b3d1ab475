"""The local stack's pieces that run without Airflow: its environment, the schedule settings the DAGs
read, and honcho's supervision (started and stopped by process group)."""

from __future__ import annotations

import dataclasses
import importlib
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from insights.stack import supervisor
from insights.stack.config import StackConfig


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackConfig:
    monkeypatch.setenv("INSIGHTS_STACK_HOME", str(tmp_path / "stack"))
    monkeypatch.delenv("INSIGHTS_STACK_METADATA_DSN", raising=False)
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "postgresql://postgres@127.0.0.1:5432/somewhere")
    return StackConfig.from_env(today=date(2026, 12, 5))


def test_the_environment_unpauses_dags_and_starts_the_schedule_with_the_history(config: StackConfig) -> None:
    env = config.environment()
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["INSIGHTS_SCHEDULE_START"] == "2026-11-21"  # 14 days of history behind today
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == str(config.passwords_file)
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8080/execution/"
    assert env["INSIGHTS_AMPLITUDE_URL"] == "http://127.0.0.1:8765/amplitude"


def test_every_process_shares_one_jwt_secret_kept_across_restarts(config: StackConfig) -> None:
    first = config.environment()["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert len(first) >= 32
    assert config.environment()["AIRFLOW__API_AUTH__JWT_SECRET"] == first
    other = dataclasses.replace(config, home=config.home.parent / "other")
    assert other.environment()["AIRFLOW__API_AUTH__JWT_SECRET"] != first


def test_metadata_db_is_postgres_unless_there_is_none(config: StackConfig, monkeypatch) -> None:
    env = config.metadata_env()
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://postgres@127.0.0.1:5432/somewhere"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"].startswith("postgresql+asyncpg://")
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "none")
    sqlite = StackConfig.from_env().metadata_env()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert sqlite.startswith("sqlite:///") and sqlite.endswith("airflow.db")


@pytest.mark.parametrize(
    "start, catchup, expected_start, expected_catchup",
    [
        ("", "", datetime(2026, 8, 3, tzinfo=UTC), False),
        ("2026-11-21", "true", datetime(2026, 11, 21, tzinfo=UTC), True),
    ],
)
def test_dag_schedule_settings_come_from_the_environment(monkeypatch, start, catchup, expected_start, expected_catchup):
    monkeypatch.setenv("INSIGHTS_SCHEDULE_START", start)
    monkeypatch.setenv("INSIGHTS_SCHEDULE_CATCHUP", catchup)
    import insights.dag_toolkit as toolkit

    try:
        reloaded = importlib.reload(toolkit)
        assert (reloaded.START_DATE, reloaded.CATCHUP) == (expected_start, expected_catchup)
        dag = reloaded.extract_dag("zendesk")
        assert (dag.start_date, dag.catchup) == (expected_start, expected_catchup)
    finally:
        monkeypatch.undo()
        importlib.reload(toolkit)


PROCFILE = """\
polite: sleep 300
stubborn: bash -c "trap '' TERM; sleep 300 & wait; sleep 300"
"""


def test_down_stops_every_process_group_even_one_ignoring_sigterm(config: StackConfig, tmp_path, monkeypatch):
    procfile = tmp_path / "Procfile"
    procfile.write_text(PROCFILE)
    monkeypatch.setattr(supervisor, "PROCFILE", procfile)
    pid = supervisor.start(config, dict(os.environ))
    deadline = time.monotonic() + 30
    while len(supervisor.started_processes(config)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    groups = supervisor.started_processes(config)
    assert set(groups) == {"polite", "stubborn"}
    assert supervisor.read_pid(config) == pid
    assert all(supervisor.process_group_alive(g) for g in groups.values())

    killed = supervisor.stop(config, grace=3)

    assert "stubborn" in killed and "polite" not in killed
    assert not any(supervisor.process_group_alive(g) for g in groups.values())
    assert supervisor.read_pid(config) is None


def test_local_executor_runs_no_celery_worker(config: StackConfig) -> None:
    assert config.environment()["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert "celery-worker" not in config.processes()
    assert {"scheduler", "api-server", "simulator"} <= set(config.processes())


def test_celery_executor_uses_the_broker_and_the_metadata_db_as_result_backend(config, monkeypatch) -> None:
    monkeypatch.setenv("INSIGHTS_EXECUTOR", "celery")
    monkeypatch.setenv("INSIGHTS_CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    celery = StackConfig.from_env(today=date(2026, 12, 5))
    env = celery.environment()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/13"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg2://postgres@127.0.0.1:5432/somewhere"
    assert celery.processes()[-1] == "celery-worker"


@pytest.mark.parametrize(
    "executor, serving, message",
    [("kubernetes", "postgresql://x@h/db", "expected one of celery, local"), ("celery", "none", "Postgres metadata")],
)
def test_unusable_executor_settings_fail_early(config, monkeypatch, executor, serving, message) -> None:
    monkeypatch.setenv("INSIGHTS_EXECUTOR", executor)
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", serving)
    with pytest.raises(ValueError, match=message):
        StackConfig.from_env().environment()
