"""The reviewed suite files: conventions hold; a malformed file is rejected naming file, entry and field."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from insights.extraction.schema_outputs import raw_suite_documents
from insights.kpis import kpi_marts, read_artifact
from insights.quality import SuiteFileError, load_suites
from insights.quality.datasets import ENVIRONMENT_PARAMS
from insights.quality.suites import REQUIREMENTS, load_suite, query_params, render_query, suite_dirs
from insights.settings import EXPECTATIONS_DIR
from insights.sources import registered_sources

Edit = Callable[[dict[str, Any]], Any]  # changes a suite document in place
RUN_PARAMS = {"reference_day", "lookback_days", "recheck_start", "recheck_end", "is_backfill"}


def test_every_public_mart_and_raw_stream_has_a_suite(project_target: Path) -> None:
    names = {s.name for s in load_suites(suite_dirs())}
    manifest = read_artifact(project_target / "manifest.json")
    public = {m.relation for m in kpi_marts(manifest)}
    # A mart's suite is optional (its structural rules are its YAML's dbt tests, docs/architecture.md);
    # a suite never names a mart that is not public.
    gated = {n for n in names if n.startswith("marts.")}
    assert gated and gated <= public, sorted(gated - public)
    assert {
        "raw.amplitude_events",
        "raw.zendesk_tickets",
        "raw.typeform_responses",
        "raw.daily_volume",
        "raw.partitions",
    } <= names
    assert {
        "staging.stg_amplitude__events",
        "staging.stg_zendesk__tickets",
        "staging.stg_typeform__responses",
    } <= names


def test_suites_are_ordered_by_layer() -> None:
    layers = [s.layer for s in load_suites(suite_dirs())]
    order = ["raw", "staging", "marts", "audit", "checks"]
    assert layers == sorted(layers, key=order.index)


def test_every_query_parameter_is_provided() -> None:
    for suite in load_suites(suite_dirs()):
        missing = set(suite.sql_params) - RUN_PARAMS - set(ENVIRONMENT_PARAMS) - set(suite.params)
        assert not missing, f"{suite.name}: parameters nobody sets: {missing}"
        unused = set(suite.params) - set(suite.sql_params)
        assert not unused, f"{suite.name}: meta.dataset.params not used by its query: {unused}"


def test_query_params_ignore_json_paths_and_comments() -> None:
    sql = "-- uses $nothing here\nselect json_extract(p, '$.\"$insert_id\"'), $window_days, $window_days from t"
    assert query_params(sql) == ("window_days",)


def test_package_import_does_not_import_great_expectations() -> None:
    """GX takes ~10 s to import: importing the gate's package (e.g. at DAG parse time) must not pay it."""
    code = "import sys, insights.quality; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- malformed files


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "expectations"
    folder.mkdir()
    for name in ("marts.metrics_feature_adoption_weekly.json", "marts.metrics_feature_adoption_weekly.sql"):
        shutil.copy(EXPECTATIONS_DIR / name, folder / name)
    return folder


def _edit(folder: Path, edit: Edit) -> Path:
    path = folder / "marts.metrics_feature_adoption_weekly.json"
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    return path


def test_a_copy_loads(suite_dir: Path) -> None:
    suite = load_suite(suite_dir / "marts.metrics_feature_adoption_weekly.json")
    assert suite.key == ("week_start", "feature")
    assert suite.expectation("week_starts_monday").type == "expect_column_values_to_be_in_set"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["expectations"][2]["meta"].pop("name"),
            "expectations[2] (expect_column_values_to_be_in_set): field 'meta.name'",
        ),
        (
            lambda d: d["expectations"][1]["meta"].update(name="has_rows"),
            "expectations[1] (has_rows): field 'meta.name': used twice",
        ),
        (
            lambda d: d["expectations"][0].pop("description"),
            "expectations[0] (has_rows): field 'description'",
        ),
        (lambda d: d["expectations"][0].update(type="row_count"), "expectations[0]: field 'type'"),
        (
            lambda d: d["expectations"][0].update(kwargs=[1]),
            "expectations[0] (expect_table_row_count_to_be_between): field 'kwargs'",
        ),
        (
            lambda d: d["expectations"][0]["meta"].update(requires=["sunshine"]),
            "field 'meta.requires': unknown",
        ),
        (lambda d: d.update(name="marts.other"), "field 'name': must equal the file name"),
        (lambda d: d["meta"].pop("dataset"), "field 'meta.dataset'"),
        (lambda d: d.update(expectations=[]), "field 'expectations': expected a non-empty list"),
    ],
)
def test_malformed_suite_is_rejected_naming_the_entry(suite_dir: Path, edit: Edit, message: str) -> None:
    path = _edit(suite_dir, edit)
    with pytest.raises(SuiteFileError) as error:
        load_suites(suite_dir)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_invalid_json_names_line_and_column(suite_dir: Path) -> None:
    path = suite_dir / "marts.metrics_feature_adoption_weekly.json"
    path.write_text('{\n  "name": "marts.metrics_feature_adoption_weekly",\n  "meta": {,}\n}')
    with pytest.raises(SuiteFileError, match=r"invalid JSON: line 3, column 12"):
        load_suites(suite_dir)


def test_missing_query_is_rejected(suite_dir: Path) -> None:
    (suite_dir / "marts.metrics_feature_adoption_weekly.sql").unlink()
    with pytest.raises(SuiteFileError, match=r"marts\.metrics_feature_adoption_weekly\.sql not found"):
        load_suites(suite_dir)


def test_unknown_dataset_selection_is_rejected(suite_dir: Path) -> None:
    with pytest.raises(SuiteFileError, match=r"no suite named marts\.nope"):
        load_suites(suite_dir, ("marts.nope",))


def test_requirement_names_are_documented() -> None:
    used = {r for s in load_suites(suite_dirs()) for r in s.requires} | {
        r for s in load_suites(suite_dirs()) for e in s.expectations for r in e.requires
    }
    assert used <= set(REQUIREMENTS)
    assert used == {"semantic_layer", "published_snapshot", "nightly"}


def test_the_lookback_rule_is_the_dbt_macro(tmp_path: Path) -> None:
    """`day > last_day - lookback` is written once, in dbt_project/macros/in_lookback_window.sql: the
    models' recompute window and the gate's dataset queries render it, the generated raw.* queries of
    every source folder included."""
    literal = re.compile(r">\s*[^\n]*-\s*\$lookback_days")
    for sql in sorted(p for folder in suite_dirs() for p in folder.glob("*.sql")):
        assert not literal.search(sql.read_text(encoding="utf-8")), f"{sql}: use in_lookback_window"
    for source in registered_sources():
        for name, _, sql_text in raw_suite_documents(source.name):
            assert not literal.search(sql_text), f"{name} (generated): use in_lookback_window"
    rendered = load_suite(EXPECTATIONS_DIR / "checks.dau_consistency.json").sql
    assert "where mart.date_day > mart_bounds.last_day - $lookback_days" in rendered
    query = tmp_path / "x.sql"
    query.write_text("select 1 where {{ in_lookback_window('d') }}")
    with pytest.raises(SuiteFileError, match=r"x\.sql: dataset query"):
        render_query(query)
