"""A KPI is registered with its parts: its mart's YAML beside its SQL, a metric naming the mart (or
meta.no_metric saying why none does), and its line in the KPIs table of docs/metrics.md.

The check runs on the project's own `dbt parse`; each mutation takes one part away from a real KPI
and must be reported, naming the KPI."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from insights.kpis import kpi_gaps, kpi_marts, meta_of, read_artifact

METRICS_DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
Manifest = dict[str, Any]


@pytest.fixture(scope="module")
def manifest(project_target: Path) -> Manifest:
    return read_artifact(project_target / "manifest.json")


def _node(manifest: Manifest, name: str) -> dict[str, Any]:
    return next(n for n in manifest["nodes"].values() if n.get("name") == name and n["resource_type"] == "model")


def _metric(manifest: Manifest, name: str) -> dict[str, Any]:
    return next(m for m in manifest["metrics"].values() if m["name"] == name)


def test_every_kpi_has_its_parts(manifest: Manifest) -> None:
    assert kpi_marts(manifest), "no public mart in the project: nothing checked"
    assert kpi_gaps(manifest, METRICS_DOC) == []


def _yaml_elsewhere(m: Manifest) -> None:
    _node(m, "metrics_csat_monthly")["patch_path"] = "insights://models/marts/voc/_voc__marts.yml"


def _no_metric(m: Manifest) -> None:
    for metric in m["metrics"].values():
        if meta_of(metric).get("mart") == "metrics_csat_monthly":
            metric["config"]["meta"]["mart"] = "metrics_support_daily"
            metric["config"]["meta"].pop("part_of", None)
            metric["config"]["meta"]["mart_column"] = "tickets_solved"


def _unlinked_metric(m: Manifest) -> None:
    _metric(m, "csat")["config"]["meta"].pop("mart")
    _metric(m, "csat").pop("meta", None)


def _wrong_column(m: Manifest) -> None:
    _metric(m, "nps_promoters")["config"]["meta"]["mart_column"] = "promoter_count"


def _no_owner(m: Manifest) -> None:
    node = _node(m, "metrics_nps_monthly")
    node["config"]["meta"].pop("owner")
    node.get("meta", {}).pop("owner", None)


MUTATIONS: dict[str, tuple[Callable[[Manifest], None], str]] = {
    "yaml_not_beside_sql": (_yaml_elsewhere, "metrics_csat_monthly: declared in models/marts/voc/_voc__marts.yml"),
    "mart_without_metric": (_no_metric, "metrics_csat_monthly: no metric names it"),
    "metric_without_mart": (_unlinked_metric, "metric csat: no meta.mart"),
    "metric_column_missing": (_wrong_column, "metric nps_promoters: metrics_nps_monthly has no column promoter_count"),
    "mart_without_owner": (_no_owner, "metrics_nps_monthly: no owner"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_kpi_missing_a_part_is_reported(manifest: Manifest, mutation: str) -> None:
    mutate, expected = MUTATIONS[mutation]
    mutated = copy.deepcopy(manifest)
    mutate(mutated)
    gaps = kpi_gaps(mutated, METRICS_DOC)
    assert any(gap.startswith(expected) for gap in gaps), gaps


def test_a_kpi_missing_from_the_docs_is_reported(manifest: Manifest, tmp_path: Path) -> None:
    doc = tmp_path / "metrics.md"
    text = METRICS_DOC.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "`marts.metrics_support_weekly`" not in line]
    doc.write_text("\n".join([*lines, "", "## KPIs", "", "| `marts.metrics_gone` | x | y |"]) + "\n", encoding="utf-8")
    gaps = kpi_gaps(manifest, doc)
    assert "metrics_support_weekly: no line in the KPIs table of metrics.md" in gaps
    # Only the first KPIs table counts: a second one further down the page is not the registry.
    assert not any("metrics_gone" in gap for gap in gaps)


def test_a_documented_kpi_that_is_no_mart_is_reported(manifest: Manifest, tmp_path: Path) -> None:
    doc = tmp_path / "metrics.md"
    text = METRICS_DOC.read_text(encoding="utf-8")
    doc.write_text(
        text.replace(
            "| `marts.metrics_support_weekly` |",
            "| `marts.metrics_support_weekly` |\n| `marts.metrics_churn_monthly` | churn | churn_rate |",
            1,
        ),
        encoding="utf-8",
    )
    assert "metrics_churn_monthly: in metrics.md but not a public mart" in kpi_gaps(manifest, doc)
