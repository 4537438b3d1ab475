"""The KPI catalog, generated from real dbt artifacts: a small fixture project with a semantic
layer (built with `dbt build`, so its example queries run against a real published snapshot),
and the project's own dbt_project (`dbt parse`), whose marts and metrics are still growing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from insights.catalog import CatalogError, build_catalog
from insights.publish import publish
from insights.settings import load_settings
from insights.warehouse import dbt_paths, run_dbt

FIXTURE_PROJECT = Path(__file__).parent / "fixtures" / "catalog_project"
DBT = str(Path(sys.executable).parent / "dbt")

# Worked out by hand from fixtures/catalog_project/models/_models.yml: (mart, column, owner, part of).
EXPECTED = {
    "signups": ("marts.metrics_signups_daily", "signups", "growth", None),  # same-name column
    "activation_rate": ("marts.metrics_signups_daily", "activation_rate", "growth", None),  # in the mart
    "activated_signups": ("marts.metrics_signups_daily", None, "growth", "activation_rate"),  # its numerator
    "activations": ("marts.metrics_signups_daily", "activated", "growth", None),  # explicit meta.mart
    "dau": ("marts.metrics_engagement_daily", "dau", "insights", None),  # on an int_ model; found by column
    "engagement_dau": ("marts.metrics_engagement_daily", "dau", "insights", None),  # <mart subject>_<column>
    "unowned_signups": ("marts.metrics_signups_daily", "signups", None, None),  # simple: its measure's column
    "orphan_metric": (None, None, "insights", None),  # in no mart
}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "br", "link", "img"):
            self.open.append(tag)
        self.external += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#")]

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt build` of the fixture project into its own DuckDB warehouse; returns the work folder."""
    work = tmp_path_factory.mktemp("catalog-fixture")
    project = work / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    env = {**os.environ, "CATALOG_FIXTURE_WAREHOUSE": str(work / "warehouse.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
    done = subprocess.run(
        [DBT, "build", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--no-use-colors"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return work


@pytest.mark.slow
def test_catalog_lists_every_metric_with_owner_definition_mart_and_a_query_that_runs(
    fixture_build: Path, insights_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_WAREHOUSE", str(fixture_build / "warehouse.duckdb"))
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "none")
    monkeypatch.delenv("INSIGHTS_SERVING_SCHEMA", raising=False)
    settings = load_settings()
    # Where a warehouse build of this home leaves its manifest: publication reads the dbt docs there.
    home_target = dbt_paths(settings, "duckdb")[0]
    home_target.mkdir(parents=True)
    shutil.copy(fixture_build / "target" / "manifest.json", home_target / "manifest.json")
    published = publish(settings, require_gate=False)
    index = build_catalog(settings, fixture_build / "target")

    assert index == settings.reports_dir / "catalog" / "index.html"
    catalog = json.loads((index.parent / "catalog.json").read_text())
    semantic = json.loads((fixture_build / "target" / "semantic_manifest.json").read_text())
    assert {m["name"] for m in semantic["metrics"]} == set(EXPECTED)  # the fixture is what the table says
    entries = {m["name"]: m for m in catalog["metrics"]}
    assert set(entries) == set(EXPECTED)

    snapshot = duckdb.connect(str(published.snapshot), read_only=True)
    try:
        for name, (mart, column, owner, part_of) in EXPECTED.items():
            entry = entries[name]
            assert (entry["mart"], entry["mart_column"], entry["owner"]) == (mart, column, owner), name
            assert (entry["note"] or "").endswith(f"part of {part_of} (column {part_of})") if part_of \
                else entry["note"] is None, name
            column = column or part_of  # a component's query shows the published metric it is part of
            assert entry["definition"], name
            assert ("no owner (meta.owner)" in entry["issues"]) == (owner is None), name
            if mart is None:
                assert entry["example_sql"] is None and "not found in any published mart" in entry["issues"]
                continue
            assert entry["time_granularity"] == "day"
            result = snapshot.execute(entry["example_sql"])
            names = [d[0] for d in result.description]
            rows = result.fetchall()
            assert names[0] == "date_day" and names[-1] == column, name
            table = mart.split(".", 1)[1]
            total = snapshot.execute(f"select count(*) from analytics.{table}").fetchone()[0]
            assert len(rows) == min(28, total) and rows[0][0] == snapshot.execute(
                f"select max(date_day) from analytics.{table}").fetchone()[0], name
    finally:
        snapshot.close()
    # dbt docs travel with the data: column descriptions are comments in the snapshot.
    with duckdb.connect(str(published.snapshot), read_only=True) as snapshot:
        comment = snapshot.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'metrics_signups_daily' and column_name = 'activated'"
        ).fetchone()[0]
    assert comment == "Accounts activated within a week."
    assert entries["signups"]["grain"] == "one row per day (date_day) and segment"
    assert entries["activation_rate"]["formula"] == "activated_signups / signups"
    assert {m["name"] for m in catalog["marts"]} == {"metrics_signups_daily", "metrics_engagement_daily"}

    markdown = (index.parent / "catalog.md").read_text()
    page = index.read_text()
    for name in EXPECTED:
        assert f"## {name}" in markdown and f'id="metric-{name}"' in page
    assert "&lt;per segment&gt; &amp; in total" in page and "<per segment>" not in page
    tags = _Tags()
    tags.feed(page)
    # well-formed and self-contained: nothing loaded from anywhere, one link back to the reports index
    assert tags.open == [] and tags.external == ["../index.html"]
    assert index.stat().st_mode & 0o777 == 0o644  # readable by Product Ops and PMs, not only the pipeline
    # headline KPIs first, in the contract's order; components published inside a ratio listed apart
    headline = page[page.index('id="headline"'):page.index('id="supporting"')]
    assert headline.index("#metric-dau") < headline.index("#metric-activation_rate")
    assert "#metric-signups" not in headline
    helpers = page[page.index('id="helpers"'):page.index('id="metric-')]
    assert "#metric-activated_signups" in helpers and "#metric-signups" not in helpers
    assert markdown.index("## Headline KPIs") < markdown.index("## Supporting metrics") < markdown.index(
        "## Helper components")
    assert entries["dau"]["query"] == "insights query --metrics dau --group-by metric_time__day"


def test_missing_artifacts_are_named(insights_home: Path, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"semantic_manifest\.json: not found; run `dbt parse`"):
        build_catalog(load_settings(), tmp_path)
    (tmp_path / "semantic_manifest.json").write_text("{not json")
    with pytest.raises(CatalogError, match=r"semantic_manifest\.json: not valid JSON"):
        build_catalog(load_settings(), tmp_path)


@pytest.mark.slow
def test_catalog_of_the_project_covers_its_marts_and_metrics(
    insights_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structure only (the marts and metrics are still being written): every metric of the semantic
    manifest appears with owner, definition, mart and a query that binds against a published snapshot
    of the contracted marts; every public mart of the manifest is documented."""
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "none")
    monkeypatch.delenv("INSIGHTS_SERVING_SCHEMA", raising=False)
    insights_home.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    run_dbt(["parse"], settings)
    target = dbt_paths(settings, "duckdb")[0]
    manifest = json.loads((target / "manifest.json").read_text())
    semantic = json.loads((target / "semantic_manifest.json").read_text())
    tables = [n for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n["schema"] in ("marts", "audit")]
    marts = [n for n in tables if n["access"] == "public"]
    assert marts, "the project has no public mart: nothing to check"
    assert len(marts) < len(tables), "no internal model beside the marts: the governed filter is not exercised"

    # An empty warehouse with each mart's (and internal's) contracted columns stands in for a build.
    with duckdb.connect(str(settings.warehouse)) as con:
        for schema in ("marts", "audit"):
            con.execute(f"create schema {schema}")
        for node in tables:
            columns = ", ".join(f'"{name}" {column.get("data_type") or "varchar"}'
                                for name, column in node["columns"].items()) or '"placeholder" varchar'
            con.execute(f'create table {node["schema"]}."{node["alias"]}" ({columns})')
    published = publish(settings, require_gate=False)
    index = build_catalog(settings, target)
    catalog = json.loads((index.parent / "catalog.json").read_text())

    assert {(m["schema"], m["name"]) for m in catalog["marts"]} == {(n["schema"], n["alias"]) for n in marts}
    assert {m["name"] for m in catalog["metrics"]} == {m["name"] for m in semantic["metrics"]}
    with duckdb.connect(str(published.snapshot), read_only=True) as snapshot:
        for entry in catalog["metrics"]:
            assert entry["owner"], f"metric {entry['name']} has no owner"
            assert entry["definition"], f"metric {entry['name']} has no description"
            assert entry["mart"] and entry["example_sql"], f"metric {entry['name']} is in no published mart"
            snapshot.execute(entry["example_sql"]).fetchall()  # binds: its table and columns exist
