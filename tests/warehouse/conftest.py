"""Fixtures of the warehouse tests: isolated homes, a Postgres schema prefix per test, queries."""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from insights.settings import PACKAGE_CONFIG_DIR, Settings, load_settings
from insights.warehouse import connect, schema_name
from tests.postgres_schemas import drop_prefixed_schemas


def make_settings(home: Path, config_dir: Path | None = None) -> Settings:
    """Settings of an isolated home (warehouse file inside it), whatever the environment says."""
    base = load_settings()
    return dataclasses.replace(
        base,
        home=home,
        warehouse=home / "warehouse.duckdb",
        config_dir=config_dir or PACKAGE_CONFIG_DIR,
        replay_dir=None,
    )


def copy_config(folder: Path) -> Path:
    """A private copy of the demo workspace config (tests edit it)."""
    shutil.copytree(PACKAGE_CONFIG_DIR, folder)
    return folder


def query(settings: Settings, target: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one query; `{raw}`, `{marts}`, `{intermediate}`, `{snapshots}` name the target's schemas."""
    names = {s: schema_name(s, target) for s in ("raw", "marts", "intermediate", "snapshots", "staging")}
    with connect(settings, target) as con:
        if target == "duckdb":
            return con.execute(sql.format(**names)).fetchall()
        with con.cursor() as cur:
            cur.execute(sql.format(**names))
            return cur.fetchall()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest) -> str:
    """Both warehouse targets; the Postgres one gets its own schema prefix."""
    if request.param == "postgres":
        request.getfixturevalue("pg_prefix")
    return request.param


@pytest.fixture
def wh_settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    return make_settings(home, copy_config(tmp_path / "config"))


@pytest.fixture(scope="session")
def session_prefix() -> Iterator[str]:
    """A schema prefix for session-wide Postgres builds, dropped at the end (if ever used)."""
    prefix = f"s{uuid.uuid4().hex[:10]}"
    yield prefix
    if os.environ.get("_INSIGHTS_SESSION_PG_USED") == prefix:
        drop_prefixed_schemas(prefix)


@pytest.fixture(scope="session")
def nightly_warehouse(tmp_path_factory: pytest.TempPathFactory):  # -> NightlyWarehouse
    """The night-by-night build of a small simulated world (see nightly.py); built once per session."""
    from insights_dev.simulator.config import WorldConfig
    from insights_dev.simulator.generate import generate_world

    from .nightly import build_night_by_night, with_late_changes

    root = tmp_path_factory.mktemp("nightly")
    settings = make_settings(root / "home", copy_config(root / "config"))
    # quirks inside the 3-day lookback (see nightly.py), otherwise the default quirk mix
    world = generate_world(
        WorldConfig(users=60, days=6, seed=3, late_upload_max_hours=24, max_identification_delay_days=1)
    )
    return build_night_by_night(settings, *with_late_changes(world))
