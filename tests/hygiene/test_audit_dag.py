"""The weekly audit_hygiene DAG (the project-wide DAG policy test covers it too: tests/dags)."""

from __future__ import annotations

from pathlib import Path

import pytest

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "audit_hygiene.py"

pytestmark = pytest.mark.slow


def test_audit_dag_is_weekly_with_one_retried_task() -> None:
    from airflow.dag_processing.dagbag import DagBag

    from insights.dag_toolkit import OWNER, WEEKLY

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["audit_hygiene"]
    assert type(dag.timetable) is type(WEEKLY)
    assert dag.timetable.expression == WEEKLY.expression == "0 3 * * 1"  # Mondays 03:00 UTC
    assert dag.catchup is False and dag.max_active_runs == 1
    assert sorted(dag.tags) == ["audit", "product-insights"]
    (task,) = dag.tasks
    assert task.task_id == "hygiene_audit" and task.owner == OWNER
    assert task.retries >= 1 and task.on_failure_callback
