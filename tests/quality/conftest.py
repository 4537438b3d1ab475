"""Fixtures of the quality-gate tests: a clean candidate warehouse, and a home with a published snapshot.

The clean warehouse is built once per session; every test corrupts its own copy. The home (GX
context, Data Docs, published snapshot) is shared by a module, so GX is imported and its context
created once, as in one Airflow task.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from insights.publish import publish
from insights.quality import GateConfig, GateResult, run_gate
from insights.settings import PACKAGE_CONFIG_DIR, SOURCES, Settings, SourceEndpoint
from insights.warehouse import dbt_paths, run_dbt
from tests.quality.world import REFERENCE_DAY, build_warehouse, execute


def make_settings(home: Path, warehouse: Path) -> Settings:
    """Settings of a test home; no Postgres serving target (the DuckDB snapshot is what readers open here)."""
    return Settings(
        home=home,
        warehouse=warehouse,
        config_dir=PACKAGE_CONFIG_DIR,
        replay_dir=None,
        endpoints={source: SourceEndpoint(source, None) for source in SOURCES},
        serving_dsn=None,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_value(settings: Settings, sql: str) -> object:
    """What a BI reader sees: one value from the published snapshot, opened read-only."""
    with duckdb.connect(str(settings.published_snapshot), read_only=True) as con:
        row = con.execute(sql).fetchone()
    return row[0] if row else None


def gate_then_publish(settings: Settings, *, backfill: bool = False, config: GateConfig | None = None) -> GateResult:
    """Write-audit-publish as the pipeline runs it: publish the candidate only when the gate passed."""
    result = run_gate(settings, backfill=backfill, config=config)
    if result.passed:
        publish(settings)
    return result


def config_for(*datasets: str, **overrides: object) -> GateConfig:
    """A gate over the fixture's reference day, without the MetricFlow cross-check (no dbt build here)."""
    options: dict[str, object] = {"as_of": REFERENCE_DAY, "semantic_layer": False, "data_docs": False}
    if datasets:
        options["datasets"] = datasets
    options.update(overrides)
    return GateConfig(**options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def clean_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("clean") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def project_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's dbt manifest (`dbt parse`): publication reads which models are governed from it."""
    home = tmp_path_factory.mktemp("parse")
    run_dbt(["parse"], make_settings(home, home / "warehouse.duckdb"))
    return dbt_paths(make_settings(home, home / "warehouse.duckdb"), "duckdb")[0] / "manifest.json"


def install_manifest(settings: Settings, manifest: Path) -> None:
    """The manifest a build of the project leaves in the home (publication reads the governed models)."""
    target = dbt_paths(settings, "duckdb")[0]
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(manifest, target / "manifest.json")


@pytest.fixture(scope="module")
def published_home(tmp_path_factory: pytest.TempPathFactory, clean_warehouse: Path, project_manifest: Path) -> Settings:
    """A home whose published snapshot holds the clean build (publication 1: the real gate passed it,
    the real publisher published it), with the manifest a build of the project leaves."""
    home = tmp_path_factory.mktemp("home")
    settings = make_settings(home, home / "warehouse.duckdb")
    shutil.copyfile(clean_warehouse, settings.warehouse)
    install_manifest(settings, project_manifest)
    result = gate_then_publish(settings, config=config_for())
    assert result.passed, result.summary()
    return settings


@pytest.fixture
def candidate(tmp_path: Path, clean_warehouse: Path, published_home: Settings) -> Candidate:
    """A copy of the clean build as this test's candidate, in the module's published home."""
    path = tmp_path / "candidate.duckdb"
    shutil.copyfile(clean_warehouse, path)
    return Candidate(replace(published_home, warehouse=path))


class Candidate:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def path(self) -> Path:
        return self.settings.warehouse

    def corrupt(self, statements: Iterable[str]) -> None:
        execute(self.path, statements)
