"""docker-compose.yml's BI part (no Docker engine here, so its structure is checked): Metabase wired
to the Postgres serving schema as the reader role, with the password publication sets."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from psycopg2.extensions import parse_dsn

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def resolve(value: str) -> str:
    """${NAME:-default} -> default, as compose does when NAME is unset."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def test_metabase_is_a_pinned_healthchecked_service(compose: dict) -> None:
    metabase = compose["services"]["metabase"]
    image, _, tag = metabase["image"].partition(":")
    assert image == "metabase/metabase" and re.fullmatch(r"v\d+\.\d+\.\d+", tag), "pin a release, not latest"
    assert "3000:3000" in metabase["ports"]
    assert "/api/health" in " ".join(metabase["healthcheck"]["test"])
    assert metabase["depends_on"]["serving-db"]["condition"] == "service_healthy"
    # Its settings (admin, data source) survive restarts.
    assert any(v.split(":")[0] in compose["volumes"] for v in metabase["volumes"])


def test_serving_database_is_separate_from_airflows_metadata(compose: dict) -> None:
    serving = compose["services"]["serving-db"]
    assert serving["image"].startswith("postgres:")
    assert serving["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert any(v.split(":")[0] in compose["volumes"] for v in serving["volumes"])
    env = compose["services"]["airflow-scheduler"]["environment"]
    assert parse_dsn(resolve(env["INSIGHTS_SERVING_DSN"]))["host"] == "serving-db"
    assert "@postgres:" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_metabase_is_wired_as_the_reader_with_the_password_publication_sets(compose: dict) -> None:
    init = compose["services"]["metabase-init"]
    assert init["entrypoint"][-2:] == ["-m", "insights.serving.metabase"]
    assert importlib.util.find_spec("insights.serving.metabase") is not None
    assert init["depends_on"]["metabase"]["condition"] == "service_healthy"
    assert init["restart"] == "no"
    wiring = {k: resolve(v) for k, v in init["environment"].items()}
    assert wiring["METABASE_URL"] == "http://metabase:3000"
    # The publisher sets the password Metabase logs in with, on the same database.
    for name in AIRFLOW_SERVICES:
        publisher = {k: resolve(v) for k, v in compose["services"][name]["environment"].items()}
        assert publisher["INSIGHTS_PM_READER_PASSWORD"] == wiring["INSIGHTS_PM_READER_PASSWORD"]
        assert parse_dsn(publisher["INSIGHTS_SERVING_DSN"]) == parse_dsn(wiring["INSIGHTS_SERVING_DSN"])
        assert compose["services"][name]["depends_on"]["serving-db"]["condition"] == "service_healthy"
    # Metabase itself never gets the publisher's (superuser) DSN.
    metabase_env = compose["services"]["metabase"].get("environment", {})
    assert not any("INSIGHTS_SERVING_DSN" in k for k in metabase_env)


def test_metabase_is_provisioned_from_the_repositorys_dashboard_definitions(compose: dict) -> None:
    init = compose["services"]["metabase-init"]
    folder = init["environment"]["INSIGHTS_BI_DIR"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in init["volumes"]}
    assert mounts[folder] == "./bi" and (REPO / "bi" / "dashboards").is_dir()
    assert sorted((REPO / "bi" / "dashboards").glob("*.yml")), "no dashboard definition to provision"
