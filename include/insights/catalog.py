"""The KPI catalog a PM can read: every governed metric with its definition, owner, grain,
source mart and an example SQL query against the published schema.

Generated from dbt's artifacts (after `dbt parse` or `dbt build`): `semantic_manifest.json`
(the semantic layer's metrics and semantic models) and `manifest.json` (models, their
descriptions, owners and column docs). Written to `$INSIGHTS_HOME/reports/catalog/` as
`index.html` (self-contained), `catalog.md` and `catalog.json`.

A metric's source mart is what its YAML declares (insights.kpis): `meta.mart` with
`meta.mart_column` (default: the metric's name) or `meta.part_of` (the metric it is published
inside). Without that declaration the mart is guessed, in order: the model its semantic model is
defined on, when that is a public mart; the public mart having a column named like the metric.
A metric found nowhere is listed with that gap, as is one without owner or description.

    from insights.catalog import build_catalog
    index = build_catalog(settings, dbt_paths(settings, "duckdb")[0])
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from insights.kpis import ArtifactError, Mart, SemanticLayer, public_marts, read_artifact
from insights.kpis import meta_of as _meta
from insights.reports.rendering import render, write_report
from insights.serving.config import ServingConfig
from insights.settings import Settings

EXAMPLE_ROWS = 28
_PLAIN_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

CatalogError = ArtifactError  # dbt's artifacts are missing or malformed; the message names the file and entry


@dataclass(frozen=True)
class MetricEntry:
    name: str
    label: str
    definition: str
    metric_type: str
    formula: str
    owner: str | None
    time_granularity: str | None
    grain: str
    mart: str | None  # relation in the warehouse and snapshot (marts.x); the serving schema has the same name
    mart_column: str | None
    example_sql: str | None
    query: str  # the `insights query` command answering it from the published snapshot
    status: str
    issues: tuple[str, ...] = field(default=())
    note: str | None = None  # e.g. a ratio's numerator, published through the ratio


@dataclass(frozen=True)
class Catalog:
    generated_at: str
    serving_schema: str
    metrics: tuple[MetricEntry, ...]
    marts: tuple[Mart, ...]
    sources: tuple[str, ...]


def _sql_name(name: str) -> str:
    return name if _PLAIN_IDENTIFIER.match(name) else '"' + name.replace('"', '""') + '"'


def example_sql(mart: Mart, column: str | None, serving_schema: str) -> str:
    """A query a PM can paste: the latest rows of the metric's column with the mart's grain columns."""
    keys = [c for c in (mart.time_column, *mart.dimensions) if c]
    wanted = [*keys, column] if column else [c.name for c in mart.columns]
    select = ", ".join(_sql_name(c) for c in dict.fromkeys(wanted))
    order = ""
    if mart.time_column:
        keys_order = [f"{_sql_name(mart.time_column)} desc", *map(_sql_name, mart.dimensions)]
        order = "\norder by " + ", ".join(keys_order)
    return f"select {select}\nfrom {serving_schema}.{_sql_name(mart.name)}{order}\nlimit {EXAMPLE_ROWS}"


@dataclass(frozen=True)
class _Location:
    mart: Mart | None = None
    column: str | None = None  # the mart's column holding the metric itself
    via: str | None = None  # the metric published in that mart that this one is part of
    via_column: str | None = None


class _Locator:
    """Finds each metric's source mart, in the order the module docstring gives."""

    def __init__(self, layer: SemanticLayer, marts: list[Mart]) -> None:
        self.layer = layer
        self.marts = marts
        self.by_relation = {m.relation: m for m in marts} | {m.name: m for m in marts}
        self.parents: dict[str, list[str]] = {}  # metric -> metrics computed from it (ratios, derived)
        for name, metric in layer.metrics.items():
            params = metric.get("type_params") or {}
            inputs = [params.get("numerator"), params.get("denominator"), *(params.get("metrics") or [])]
            for item in inputs:
                if item and item.get("name"):
                    self.parents.setdefault(item["name"], []).append(name)
        self.direct = {name: self._direct(metric) for name, metric in layer.metrics.items()}

    def home_marts(self, metric: dict[str, Any]) -> list[Mart]:
        """Public marts the metric's semantic models are defined on."""
        homes: list[Mart] = []
        for measure_name in self.layer.input_measures(metric):
            relation = (self.layer.measure_model.get(measure_name) or {}).get("node_relation") or {}
            mart = self.by_relation.get(f"{relation.get('schema_name')}.{relation.get('alias')}")
            if mart is not None and mart not in homes:
                homes.append(mart)
        return homes

    def _direct(self, metric: dict[str, Any]) -> _Location:
        name, meta = metric["name"], _meta(metric)
        if meta.get("mart") and str(meta["mart"]) in self.by_relation:
            mart = self.by_relation[str(meta["mart"])]
            if meta.get("part_of"):  # published inside another metric (a ratio's numerator...)
                return _Location(mart, via=str(meta["part_of"]))
            column = str(meta.get("mart_column") or name)
            return _Location(mart, column if mart.column(column) else None)
        holders = [m for m in self.home_marts(metric) if m.column(name)]
        holders = holders or [m for m in self.marts if m.column(name)]
        return _Location(holders[0], name) if holders else _Location()

    def _siblings(self, metric: dict[str, Any]) -> list[str]:
        """Metrics over the same semantic models."""
        models = {self.layer.measure_model.get(m, {}).get("name") for m in self.layer.input_measures(metric)}
        return [n for n, other in self.layer.metrics.items() if n != metric["name"] and models & {
            self.layer.measure_model.get(m, {}).get("name") for m in self.layer.input_measures(other)}]

    @staticmethod
    def _suffix_column(name: str, mart: Mart) -> str | None:
        """The column a metric named `<mart subject>_<column>` denotes (nps_promoters -> promoters of
        metrics_nps_monthly), longest column first. The prefix must name the mart's subject, so that
        a qualifier (activated_signups) is never taken for the plain column (signups)."""
        subject = set(mart.name.split("_"))
        matches = [c.name for c in mart.columns if name.endswith(f"_{c.name}")
                   and set(name[: -len(c.name) - 1].split("_")) <= subject]
        return max(matches, key=len) if matches else None

    def locate(self, metric: dict[str, Any]) -> _Location:
        name = metric["name"]
        direct = self.direct[name]
        if direct.via is not None:
            return _Location(direct.mart, via=direct.via, via_column=self.direct.get(direct.via, _Location()).column)
        if direct.mart is not None:
            return direct
        # A component of a published metric (a ratio's numerator...) lives in that metric's mart.
        parents = [(p, self.direct[p]) for p in self.parents.get(name, []) if self.direct[p].mart is not None]
        for _, where in parents:
            column = self._suffix_column(name, where.mart)
            if column:
                return _Location(where.mart, column)
        if parents:
            parent, where = parents[0]
            return _Location(where.mart, None, via=parent, via_column=where.column)
        for sibling in self._siblings(metric):
            where = self.direct[sibling]
            column = self._suffix_column(name, where.mart) if where.mart else None
            if column:
                return _Location(where.mart, column)
        homes = self.home_marts(metric)
        if homes and metric.get("type") == "simple":
            # A simple metric aggregates one measure: at the mart's own grain, that measure's column is it.
            expr = (self.layer.measure(self.layer.input_measures(metric)[0]) or {}).get("expr")
            return _Location(homes[0], expr if expr and homes[0].column(expr) else None)
        return _Location(homes[0]) if homes else _Location()


def load_catalog(manifest_dir: Path, serving_schema: str) -> Catalog:
    semantic_path = manifest_dir / "semantic_manifest.json"
    manifest_path = manifest_dir / "manifest.json"
    layer = SemanticLayer(read_artifact(semantic_path))
    manifest = read_artifact(manifest_path)
    marts = public_marts(manifest)
    manifest_metrics = {m.get("name"): m for m in (manifest.get("metrics") or {}).values()}
    locator = _Locator(layer, marts)
    entries = []
    for name in sorted(layer.metrics):
        metric = layer.metrics[name]
        meta = {**_meta(manifest_metrics.get(name) or {}), **_meta(metric)}
        where = locator.locate(metric)
        mart, column = where.mart, where.column
        owner = str(meta["owner"]) if meta.get("owner") else None
        definition = (metric.get("description") or "").strip()
        issues = [text for missing, text in (
            (owner is None, "no owner (meta.owner)"),
            (not definition, "no description"),
            (mart is None, "not found in any published mart"),
            (mart is not None and column is None and where.via is None,
             f"no column of {mart.relation if mart else ''} holds it"),
        ) if missing]
        note = (f"not a column of its own: published as part of {where.via}"
                + (f" (column {where.via_column})" if where.via_column else "")) if where.via else None
        granularity = layer.granularity(metric)
        entries.append(MetricEntry(
            name=name,
            label=metric.get("label") or name,
            definition=definition,
            metric_type=str(metric.get("type")),
            formula=layer.formula(metric),
            owner=owner,
            time_granularity=granularity,
            grain=mart.grain if mart else (f"by {granularity}" if granularity else "unknown"),
            mart=mart.relation if mart else None,
            mart_column=column,
            example_sql=example_sql(mart, column or where.via_column, serving_schema) if mart else None,
            query=f"insights query --metrics {name} --group-by metric_time__{granularity or 'day'}",
            status=str(meta.get("status") or ("deprecated" if meta.get("deprecated") else "active")),
            issues=tuple(issues),
            note=note,
        ))
    return Catalog(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        serving_schema=serving_schema,
        metrics=tuple(entries),
        marts=tuple(marts),
        sources=(str(semantic_path), str(manifest_path)),
    )


# -- rendering ---------------------------------------------------------------------------------------


def _facts(m: MetricEntry) -> list[tuple[str, str | None, bool]]:
    """(label, value, value is code) lines shown for a metric, in both renderings."""
    grain = m.grain + (f"; time granularity {m.time_granularity}" if m.time_granularity else "")
    mart = f"{m.mart}, column {m.mart_column}" if m.mart and m.mart_column else m.mart
    return [("Owner", m.owner, False), ("Grain", grain, False), ("Source mart", mart, False),
            ("Computed as", m.formula, True)]


def _served_name(catalog: Catalog, relation: str | None) -> str | None:
    return f"{catalog.serving_schema}.{relation.split('.', 1)[1]}" if relation else None


def _md_cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def render_markdown(catalog: Catalog) -> str:
    schema = catalog.serving_schema
    lines = [
        "# KPI catalog",
        "",
        f"Generated {catalog.generated_at} from the semantic layer and dbt docs. Query the tables of schema "
        f"`{schema}` in the serving database or in the DuckDB snapshot (docs/serving.md explains how).",
        "",
    ]
    groups = metric_groups(catalog)
    for title, metrics in (("Headline KPIs", groups.headline), ("Supporting metrics", groups.supporting),
                           ("Helper components (read the ratio they are part of)", groups.helpers)):
        if not metrics and title != "Headline KPIs":
            continue
        lines += [f"## {title}", "", "| metric | definition | owner | grain | table |", "|---|---|---|---|---|"]
        for m in metrics:
            cells = [f"[{m.name}](#{m.name})", _md_cell(m.definition), _md_cell(m.owner), _md_cell(m.grain),
                     _md_cell(_served_name(catalog, m.mart))]
            lines.append("| " + " | ".join(cells) + " |")
        if not metrics:
            lines.append("| — | no metric in the semantic layer yet | | | |")
        lines.append("")
    for m in catalog.metrics:
        lines += ["", f"## {m.name}", "", f"**{m.label}** ({m.metric_type}, {m.status})", "",
                  m.definition or "_No description._", ""]
        for label, value, code in _facts(m):
            lines.append(f"- {label}: " + ((f"`{value}`" if code else value) if value else "**missing**"))
        if m.note:
            lines.append(f"- Note: {m.note}")
        if m.issues:
            lines.append(f"- Gaps: {'; '.join(m.issues)}")
        if m.example_sql:
            lines += ["", "```sql", m.example_sql, "```"]
        lines += ["", f"Through the semantic layer, on the published snapshot: `{m.query}`"]
    lines += ["", "## Published tables", ""]
    for mart in catalog.marts:
        lines += [f"### {_served_name(catalog, mart.relation)}", "",
                  mart.description or "_No description._", "",
                  f"Owner: {mart.owner or '**missing**'}. Grain: {mart.grain}. Warehouse: `{mart.relation}`.",
                  "", "| column | type | description |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {_md_cell(c.data_type)} | {_md_cell(c.description)} |"
                  for c in mart.columns]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# Headline KPIs, in the order a PM reads them (metrics.md); listed first in the catalog. Other metrics
# with a column of their own are supporting counts; those published only inside another metric (a
# ratio's numerator or denominator) are helper components, listed apart.
HEADLINE_KPIS = ("dau", "wau", "mau", "stickiness", "activation_rate", "day_1_retention", "day_7_retention",
                 "day_28_retention", "nps", "csat", "unrouted_share", "feedback_received", "feedback_resolved",
                 "tickets_created", "tickets_solved")


@dataclass(frozen=True)
class MetricGroups:
    headline: tuple[MetricEntry, ...]
    supporting: tuple[MetricEntry, ...]
    helpers: tuple[MetricEntry, ...]


def metric_groups(catalog: Catalog) -> MetricGroups:
    order = {name: n for n, name in enumerate(HEADLINE_KPIS)}
    headline = sorted((m for m in catalog.metrics if m.name in order), key=lambda m: order[m.name])
    rest = [m for m in catalog.metrics if m.name not in order]
    return MetricGroups(tuple(headline), tuple(m for m in rest if m.mart_column),
                        tuple(m for m in rest if not m.mart_column))


def render_html(catalog: Catalog, nav: list[tuple[str, str]] | None = None) -> str:
    return render("catalog.html", catalog=catalog, groups=metric_groups(catalog), facts=_facts,
                  served=lambda relation: _served_name(catalog, relation), nav=nav or [])


def build_catalog(settings: Settings, manifest_dir: Path) -> Path:
    """Write the catalog from the dbt artifacts in `manifest_dir`; returns the path of index.html."""
    catalog = load_catalog(Path(manifest_dir), ServingConfig.from_env().schema)
    folder = settings.reports_dir / "catalog"
    write_report(folder / "catalog.json", json.dumps(asdict(catalog), indent=2) + "\n")
    write_report(folder / "catalog.md", render_markdown(catalog))
    return write_report(folder / "index.html", render_html(catalog, nav=[("All reports", "../index.html")]))
