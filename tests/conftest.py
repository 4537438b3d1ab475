"""Shared test fixtures: an isolated INSIGHTS_HOME per test and the local Postgres server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_DSN = os.environ.get("INSIGHTS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def insights_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data folder; the sources left unset so the bundled simulator is used."""
    home = tmp_path / "insights-home"
    monkeypatch.setenv("INSIGHTS_HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("INSIGHTS_AMPLITUDE_", "INSIGHTS_ZENDESK_", "INSIGHTS_TYPEFORM_")) or name in (
            "INSIGHTS_WAREHOUSE", "INSIGHTS_REPLAY_DIR", "INSIGHTS_CONFIG_DIR",
        ):
            monkeypatch.delenv(name)
    yield home


def postgres_available() -> bool:
    try:
        import psycopg2

        psycopg2.connect(PG_DSN, connect_timeout=3).close()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The local Postgres DSN. CI must have the server: there a missing one fails instead of skipping."""
    if not postgres_available():
        message = f"PostgreSQL not reachable at {PG_DSN} (see README: Services)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return PG_DSN


@pytest.fixture
def pg_prefix(postgres_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A unique INSIGHTS_PG_SCHEMA_PREFIX for this test; its schemas are dropped afterwards."""
    from tests.postgres_schemas import drop_prefixed_schemas

    prefix = f"t{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("INSIGHTS_PG_SCHEMA_PREFIX", prefix)
    try:
        yield prefix
    finally:
        drop_prefixed_schemas(prefix)


@pytest.fixture(scope="session")
def project_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The target folder of a `dbt parse` of the project (manifest.json, semantic_manifest.json)."""
    from dataclasses import replace

    from insights.settings import load_settings
    from insights.warehouse import dbt_paths, run_dbt

    home = tmp_path_factory.mktemp("dbt-parse")
    settings = replace(load_settings(), home=home, warehouse=home / "warehouse.duckdb")
    run_dbt(["parse"], settings)
    return dbt_paths(settings, "duckdb")[0]
