"""docker-compose.yml cannot run here (no Docker engine): check its structure and pins instead."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def pinned_airflow_version() -> str:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(d.split("==")[1] for d in deps if d.startswith("apache-airflow=="))


def test_airflow_components_and_simulator_are_services(compose: dict) -> None:
    assert set(AIRFLOW_SERVICES) | {"postgres", "simulator", "airflow-init"} <= set(compose["services"])
    commands = {name: compose["services"][name].get("command") for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }


def test_every_long_running_service_has_a_healthcheck(compose: dict) -> None:
    for name, service in compose["services"].items():
        if name != "airflow-init" and service.get("restart") != "no":  # one-shots exit when done
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_airflow_uses_local_executor_on_postgres(compose: dict) -> None:
    # The default deployment's env file (INSIGHTS_DEPLOYMENT unset) sets the executor; scale: tests/stack.
    single = (REPO / "docker" / "env" / "single.env").read_text()
    assert "AIRFLOW__CORE__EXECUTOR=LocalExecutor" in single.splitlines()
    for name in AIRFLOW_SERVICES:
        env = compose["services"][name]["environment"]
        assert compose["services"][name]["env_file"] == "docker/env/${INSIGHTS_DEPLOYMENT:-single}.env"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_insights_home_is_a_volume_shared_with_the_simulator(compose: dict) -> None:
    for name in (*AIRFLOW_SERVICES, "simulator"):
        service = compose["services"][name]
        home = service["environment"]["INSIGHTS_HOME"]
        assert any(v.endswith(f":{home}") and v.split(":")[0] in compose["volumes"] for v in service["volumes"])


def test_sources_point_at_the_simulator_service(compose: dict) -> None:
    env = compose["services"]["airflow-scheduler"]["environment"]
    for source in ("AMPLITUDE", "ZENDESK", "TYPEFORM"):
        assert env[f"INSIGHTS_{source}_URL"].startswith("http://simulator:8000/")


def test_airflow_image_matches_the_pinned_version(compose: dict) -> None:
    version = pinned_airflow_version()
    base = re.search(r"^FROM apache/airflow:(\S+)", (REPO / "docker/Dockerfile").read_text(), re.M)
    assert base is not None
    assert base.group(1).startswith(f"{version}-python3.11")
    for name in (*AIRFLOW_SERVICES, "simulator"):
        assert compose["services"][name]["image"].endswith(f":{version}")
