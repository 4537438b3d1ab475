"""The source registry: every registered source has its parts, and one registered without them fails.

The mutations build a fourth source in a temporary folder (a copy of zendesk's parts under another name)
and take one part away at a time.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import insights.sources
from insights.extraction.source_spec import SourceSpec, StreamSpec
from insights.settings import load_settings
from insights.sources import SOURCE_PACKAGES, registered_sources, source_spec
from insights.sources.parts import missing_parts

ZENDESK = source_spec("zendesk")


@pytest.mark.parametrize("name", SOURCE_PACKAGES)
def test_every_registered_source_has_its_parts(name: str) -> None:
    assert missing_parts(source_spec(name)) == []


def test_the_shared_registries_derive_from_the_specs() -> None:
    from insights.dag_toolkit import ALLOWED_TAGS, EXTRACT_SOURCES
    from insights.extraction.extract import URL_ENV
    from insights.extraction.http import CREDENTIAL_ENV, RETRY_STATUSES
    from insights.extraction.schema import STREAMS as SCHEMA_STREAMS
    from insights.warehouse.raw_tables import STREAMS as RAW_STREAMS
    from insights_dev.simulator.server import SOURCES as SIMULATED

    names = tuple(spec.name for spec in registered_sources())
    assert names == SOURCE_PACKAGES == EXTRACT_SOURCES == SIMULATED == tuple(load_settings().endpoints)
    assert set(names) <= ALLOWED_TAGS
    assert set(CREDENTIAL_ENV) == set(RETRY_STATUSES) == set(URL_ENV) == set(names)
    assert {s for s, _ in SCHEMA_STREAMS} == {s.source for s in RAW_STREAMS} == set(names)


@pytest.fixture
def fourth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SourceSpec]:
    """A complete fourth source `fourth`, importable as insights.sources.fourth: its client, its staging
    folder (zendesk's sources YAML, renamed) and its raw suite, all in its own folder."""
    package = tmp_path / "packages" / "fourth"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "client.py").write_text("def extract(ctx):\n    pass\n")
    monkeypatch.setattr(insights.sources, "__path__", [*insights.sources.__path__, str(package.parent)])
    staging = package / "staging"
    staging.mkdir()
    text = ZENDESK.sources_yml.read_text().replace("zendesk_tickets", "fourth_tickets")
    (staging / "_fourth__sources.yml").write_text(text.replace("name: zendesk", "name: fourth"))
    (staging / "stg_fourth__tickets.sql").write_text("select 1 as ticket_id\n")
    (package / "raw_suites.py").write_text(
        "import dataclasses\n"
        "from insights.sources.zendesk.raw_suites import DATASETS as ZENDESK\n"
        "DATASETS = tuple(dataclasses.replace(d, name='raw.fourth_tickets', table='fourth_tickets', source='fourth')"
        " for d in ZENDESK)\n"
    )
    yield SourceSpec(
        name="fourth", package_dir=package, credential_env={"token": "INSIGHTS_FOURTH_TOKEN"},
        retry_statuses=ZENDESK.retry_statuses, read_timeout=30.0, availability_delay=ZENDESK.availability_delay,
        streams=(StreamSpec("tickets", "fourth_tickets", "tickets"),),
    )
    for module in [m for m in sys.modules if m.startswith("insights.sources.fourth")]:
        del sys.modules[module]


def test_a_complete_fourth_source_passes(fourth: SourceSpec) -> None:
    assert missing_parts(fourth) == []


def test_a_source_without_its_client_fails(fourth: SourceSpec) -> None:
    (fourth.package_dir / "client.py").unlink()
    assert missing_parts(fourth) == ["fourth: no client module insights.sources.fourth.client"]


def test_a_client_without_extract_fails(fourth: SourceSpec) -> None:
    (fourth.package_dir / "client.py").write_text("def fetch(ctx):\n    pass\n")
    assert missing_parts(fourth) == ["fourth: insights.sources.fourth.client has no extract(ctx)"]


def test_a_source_without_its_dbt_sources_yaml_fails(fourth: SourceSpec) -> None:
    fourth.sources_yml.unlink()
    assert [m.split(" in ")[0] for m in missing_parts(fourth)] == ["fourth: no dbt sources YAML _fourth__sources.yml"]


def test_a_stream_missing_from_the_sources_yaml_fails(fourth: SourceSpec) -> None:
    spec = dataclasses.replace(fourth, streams=(*fourth.streams, StreamSpec("users", "fourth_users", "users")))
    assert [m.split(" on ")[0].split(" in ")[0] for m in missing_parts(spec)] == [
        "fourth: stream users has no table 'users'", "fourth: no raw suite raw.fourth_users"]


def test_a_source_without_a_staging_model_fails(fourth: SourceSpec) -> None:
    (fourth.staging_dir / "stg_fourth__tickets.sql").unlink()
    assert [m.split(" in ")[0] for m in missing_parts(fourth)] == [
        "fourth: no staging model stg_fourth__<entity>.sql"
    ]


def test_a_source_without_its_raw_suite_fails(fourth: SourceSpec) -> None:
    (fourth.package_dir / "raw_suites.py").write_text("DATASETS = ()\n")
    assert missing_parts(fourth) == [
        "fourth: no raw suite raw.fourth_tickets in insights.sources.fourth.raw_suites.DATASETS"]


def test_a_source_without_its_raw_suites_module_fails(fourth: SourceSpec) -> None:
    (fourth.package_dir / "raw_suites.py").unlink()
    assert missing_parts(fourth) == [
       "fourth: no raw suites module insights.sources.fourth.raw_suites with DATASETS"]


def test_a_source_without_credentials_fails(fourth: SourceSpec) -> None:
    assert missing_parts(dataclasses.replace(fourth, credential_env={})) == [
        "fourth: no credential variables (SourceSpec.credential_env)"
    ]
    wrong = dataclasses.replace(fourth, credential_env={"token": "FOURTH_TOKEN"})
    assert missing_parts(wrong) == ["fourth: credential variable FOURTH_TOKEN does not start with INSIGHTS_FOURTH_"]


def test_a_registered_package_without_a_spec_fails(fourth: SourceSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(insights.sources, "SOURCE_PACKAGES", (*SOURCE_PACKAGES, "fourth"))
    registered_sources.cache_clear()
    try:
        with pytest.raises(AttributeError, match="SPEC"):
            registered_sources()
    finally:
        registered_sources.cache_clear()
