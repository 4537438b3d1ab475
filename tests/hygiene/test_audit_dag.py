"""The weekly audit_hygiene DAG: schedule, tags, one task (the policy itself: tests/dags)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dags.dag_policy import policy_violations, probe_dag_folder

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "audit_hygiene.py"

pytestmark = pytest.mark.slow


def test_audit_dag_is_weekly_tagged_and_follows_the_policy(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / DAG_FILE.name).write_text(DAG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    report = probe_dag_folder(folder)  # imports it in a clean process, blocking network and writes
    assert policy_violations(report) == []
    (dag,) = report["dags"]
    assert dag["dag_id"] == "audit_hygiene"
    assert dag["tags"] == ["audit", "product-insights"]
    assert [t["task_id"] for t in dag["tasks"]] == ["hygiene_audit"]
    assert all(t["retries"] >= 1 and t["on_failure_callback"] for t in dag["tasks"])


def test_audit_dag_runs_on_the_weekly_timetable() -> None:
    from airflow.dag_processing.dagbag import DagBag

    from insights.dag_toolkit import WEEKLY

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["audit_hygiene"]
    assert type(dag.timetable) is type(WEEKLY)
    assert dag.timetable.expression == WEEKLY.expression == "0 3 * * 1"  # Mondays 03:00 UTC
    assert dag.catchup is False and dag.max_active_runs == 1
