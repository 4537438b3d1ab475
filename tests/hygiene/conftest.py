"""Fixtures of the hygiene tests: the fixture world built and audited once per session.

`audited`: one warehouse holds both windows of fixture_world.py; the audit runs for CLEAN_DAY,
then for DIRTY_DAY (the real dbt project both times), as the weekly DAG would.
`reaudited`: a copy of it where the bad fixture project (fixture_project.py) is recorded for
V1_DAY and, changed, for V2_DAY, then the audit models are built for V2_DAY.
Tests that change a warehouse work on a copy (`warehouse_copy`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from insights.hygiene import (
    AuditResult,
    audit_vars,
    project_snapshot,
    read_artifacts,
    record_snapshot,
    run_audit,
)
from insights.settings import Settings, load_settings
from insights.warehouse import (
    DbtRunResult,
    connect,
    dbt_paths,
    dbt_vars,
    load_raw,
    run_dbt,
    warehouse_lock,
)

from .fixture_project import copy_project, make_version_2, parse_project
from .fixture_world import CLEAN_DAY, DIRTY_DAY, write_raw_zone, write_workspace_config

log = logging.getLogger("tests.hygiene")
V1_DAY, V2_DAY = date(2026, 11, 2), date(2026, 11, 3)  # after the fixture's audits: the latest snapshots
STALE_DAY = date(2026, 9, 15)  # a day never audited, holding a stale row before the re-audit
# Everything the audit and the barometer marts read, nothing else (keeps the build short).
FIXTURE_SELECTION = "+path:models/audit +path:models/marts/barometer"


@dataclass(frozen=True)
class AuditedWarehouse:
    settings: Settings
    build: DbtRunResult
    clean: AuditResult
    dirty: AuditResult
    dirty_test_statuses: dict[str, str]  # data test name -> status, from the dirty audit's dbt build
    build_test_statuses: dict[str, str]  # data test name -> status, from the fixture's first dbt build


def home_settings(home: Path, config_dir: Path) -> Settings:
    return dataclasses.replace(
        load_settings(),
        home=home,
        warehouse=home / "warehouse.duckdb",
        config_dir=config_dir,
        replay_dir=None,
    )


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connect(settings, "duckdb") as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def audited(tmp_path_factory: pytest.TempPathFactory) -> AuditedWarehouse:
    root = tmp_path_factory.mktemp("hygiene")
    settings = home_settings(root / "home", write_workspace_config(root / "config"))
    write_raw_zone(settings.raw_dir)
    with warehouse_lock(settings):
        load_raw(settings, log=log)
        built = run_dbt(
            ["build", "--select", FIXTURE_SELECTION, "--indirect-selection", "buildable"],
            settings,
            vars=dbt_vars(settings),
            log=log,
        )
    clean = run_audit(settings, CLEAN_DAY, log=log)
    dirty = run_audit(settings, DIRTY_DAY, log=log)
    results = json.loads((dbt_paths(settings, "duckdb")[0] / "run_results.json").read_text())["results"]
    tests = {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.")}
    build_tests = {n.unique_id.split(".")[2]: n.status for n in built.nodes if n.unique_id.startswith("test.")}
    return AuditedWarehouse(settings, built, clean, dirty, tests, build_tests)


@pytest.fixture
def warehouse_copy(audited: AuditedWarehouse, tmp_path: Path) -> Callable[[], Settings]:
    """A private copy of the audited warehouse (same config), for tests that change it."""

    def make() -> Settings:
        home = tmp_path / "copy-home"
        home.mkdir()
        shutil.copy(audited.settings.warehouse, home / "warehouse.duckdb")
        # dbt's artifacts too: the copy's first dbt run reuses the partial parse (seconds saved)
        shutil.copytree(audited.settings.home / "dbt", home / "dbt", symlinks=True)
        return home_settings(home, audited.settings.config_dir)

    return make


@pytest.fixture(scope="session")
def reaudited(audited: AuditedWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the audited warehouse re-audited for V2_DAY after recording the bad fixture project.

    Before the audit build, a stale finding is inserted for V2_DAY (the build must replace it)
    and one for STALE_DAY (the build must leave it alone).
    """
    root = tmp_path_factory.mktemp("reaudit")
    (root / "home").mkdir()
    shutil.copy(audited.settings.warehouse, root / "home" / "warehouse.duckdb")
    settings = home_settings(root / "home", audited.settings.config_dir)
    project = copy_project(root / "project")
    for version, day in (("v1", V1_DAY), ("v2", V2_DAY)):
        if version == "v2":
            make_version_2(project)
        variables = audit_vars(settings, day)
        artifacts = parse_project(project, settings, root / f"target-{version}", variables)
        record_snapshot(settings, "duckdb", day, project_snapshot(*read_artifacts(artifacts), variables))
    with connect(settings, "duckdb") as con:
        for day in (V2_DAY, STALE_DAY):
            con.execute(
                "insert into audit.tracking_plan_findings "
                "values (?, 'stale_type', 'unplanned_event', 'stale', 9)",
                [day],
            )
    build = ["build", "--select", "path:models/audit", "--indirect-selection", "buildable"]
    run_dbt(build, settings, vars=audit_vars(settings, V2_DAY), log=log)
    return settings
