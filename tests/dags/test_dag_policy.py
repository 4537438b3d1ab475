"""DAG policy on the real Airflow DagBag (see dag_policy.py), and proof that it catches faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from insights.sources import availability_delay
from tests.dags.dag_policy import policy_violations, probe_dag_folder

REPO = Path(__file__).resolve().parents[2]
EXPECTED_DAGS = {"extract_amplitude", "extract_zendesk", "extract_typeform", "warehouse_build", "audit_hygiene"}


@pytest.fixture(scope="module")
def project_report() -> dict:
    return probe_dag_folder(REPO / "dags")


@pytest.fixture(scope="module")
def broken_report() -> dict:
    return probe_dag_folder(Path(__file__).parent / "fixtures" / "broken")


def test_project_dags_follow_the_policy(project_report: dict) -> None:
    assert policy_violations(project_report) == []


def test_every_expected_dag_is_loaded(project_report: dict) -> None:
    assert EXPECTED_DAGS <= {d["dag_id"] for d in project_report["dags"]}


def test_extraction_dags_have_owner_tags_and_retries(project_report: dict) -> None:
    extract = {d["dag_id"]: d for d in project_report["dags"] if d["dag_id"].startswith("extract_")}
    for dag_id, dag in extract.items():
        source = dag_id.removeprefix("extract_")
        assert dag["owner"] == "data-platform"
        assert {"extract", source} <= set(dag["tags"])
        assert all(t["retries"] >= 1 for t in dag["tasks"])


def test_each_extraction_dag_waits_for_its_source_before_extracting(project_report: dict) -> None:
    extract = {d["dag_id"]: d for d in project_report["dags"] if d["dag_id"].startswith("extract_")}
    assert set(extract) == {"extract_amplitude", "extract_zendesk", "extract_typeform"}
    for dag_id, dag in extract.items():
        tasks = {t["task_id"]: t for t in dag["tasks"]}
        wait = tasks["wait_for_availability"]
        assert wait["operator"] == "TimeDeltaSensor" and wait["deferrable"] is True
        assert wait["delta_seconds"] == availability_delay(dag_id.removeprefix("extract_")).total_seconds()
        assert tasks["extract"]["upstream"] == ["wait_for_availability"]


def test_policy_catches_each_fault_of_the_broken_fixtures(broken_report: dict) -> None:
    problems = "\n".join(policy_violations(broken_report))
    assert "import_error_dag.py: import error" in problems
    assert "slow_dag.py: parsing took" in problems
    assert "network access at parse time" in problems
    assert "file written at parse time: parse_time_cache.json" in problems
    assert "heavy module imported at parse time: duckdb" in problems
    assert "DAG bad_policy: no owner in default_args" in problems
    assert "DAG bad_policy: tags not in the fixed list: misc" in problems
    assert "DAG bad_policy: task work has retries=0" in problems
    assert "DAG bad_policy: task work has no failure callback" in problems
    assert "DAG extract_without_wait: task extract has no availability wait (TimeDeltaSensor) upstream" in problems
    assert "DAG extract_waiting_wrong: availability wait wait_for_availability is not deferrable" in problems
    assert ("DAG extract_waiting_wrong: availability wait wait_for_availability waits 600.0 s, not "
            "zendesk's declared delay of 60 s") in problems
