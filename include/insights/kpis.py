"""The KPIs as dbt declares them: the one reader of dbt's artifacts for public marts and their metrics.

A KPI is one public mart (`access: public`) plus the YAML beside its SQL
(`models/marts/<domain>/<mart>.yml`): description, owner, contract, tests, semantic models,
metrics and the `meta.summary` headlines `insights kpis` prints. Each metric names its mart
(`meta.mart`) and either the column holding it (`meta.mart_column`, default: its own name) or
the metric it is published inside (`meta.part_of`, e.g. a ratio's numerator). Publication
(table comments), the KPI catalog, the KPI summary and the KPI-parts test read them from here;
`kpi_gaps()` lists what a KPI is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insights.serving.tables import PUBLISHED_SCHEMAS

MANIFEST = "manifest.json"
SEMANTIC_MANIFEST = "semantic_manifest.json"
GOVERNED_ACCESS = "public"
KPI_SCHEMA = "marts"  # audit's public tables are findings, not KPIs

_TIME_TYPES = ("date", "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone")
_TEXT_TYPES = ("varchar", "text", "string", "character varying")
_TIME_NAMES = re.compile(r"^(date_day|date|day|week_start|month_start|.*_date|.*_day|.*_week|.*_month)$")
_GRAIN_BY_NAME = (("week", "week (ISO, Monday start)"), ("month", "month"), ("day", "day"), ("date", "day"))
# Text columns that describe a row rather than identify it.
_FREE_TEXT_NAMES = re.compile(r"detail|description|comment|message|text|note")
_PERIOD_BY_NAME = (("week", "week"), ("month", "month"), ("cohort", "cohort"), ("day", "day"), ("date", "day"))


class ArtifactError(ValueError):
    """A dbt artifact is missing or not what a dbt run writes; the message names the file and the entry."""


def read_artifact(path: Path) -> dict[str, Any]:
    """One dbt artifact (manifest.json, semantic_manifest.json) as a JSON object."""
    if not path.is_file():
        raise ArtifactError(f"{path}: not found; run `dbt parse` (or a warehouse build) first")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ArtifactError(f"{path}: expected a JSON object at the top level")
    return doc


def _dbt_model_of(manifest: Mapping[str, Any], semantic_model: Mapping[str, Any]) -> str:
    """Name of the dbt model a semantic model reads (its manifest dependency, else its relation)."""
    node = next((n for n in manifest["semantic_models"].values() if n.get("name") == semantic_model["name"]), {})
    parents = [p for p in (node.get("depends_on") or {}).get("nodes", []) if p in manifest["nodes"]]
    if parents:
        return str(manifest["nodes"][parents[0]]["name"])
    return str((semantic_model.get("node_relation") or {}).get("alias"))


def read_artifacts(target_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(manifest, semantic manifest) of the dbt run whose target path is `target_dir`, their keys checked."""
    manifest = read_artifact(Path(target_dir) / MANIFEST)
    semantic = read_artifact(Path(target_dir) / SEMANTIC_MANIFEST)
    for key in ("nodes", "parent_map", "semantic_models", "metrics"):
        if not isinstance(manifest.get(key), dict):
            raise ArtifactError(f"{Path(target_dir) / MANIFEST}: key {key!r}: missing or not an object")
    for key in ("semantic_models", "metrics"):
        if not isinstance(semantic.get(key), list):
            raise ArtifactError(f"{Path(target_dir) / SEMANTIC_MANIFEST}: key {key!r}: missing or not a list")
    return manifest, semantic


def is_governed(node: dict[str, Any]) -> bool:
    """Whether a manifest node is a governed model (a model declared access: public)."""
    access = node.get("access") or (node.get("config") or {}).get("access") or "protected"
    return node.get("resource_type") == "model" and str(access) == GOVERNED_ACCESS


def meta_of(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry's meta, wherever dbt put it (top level or config)."""
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


@dataclass(frozen=True)
class MartColumn:
    name: str
    data_type: str | None
    description: str


@dataclass(frozen=True)
class Summary:
    """A headline of `insights kpis`: `format` filled with `columns` of the mart's last complete period."""

    label: str
    columns: tuple[str, ...]
    format: str
    where: str | None = None


@dataclass(frozen=True)
class Mart:
    schema: str
    name: str
    description: str
    owner: str | None
    columns: tuple[MartColumn, ...]
    sql_path: str | None = None  # models/marts/<domain>/<mart>.sql
    yaml_path: str | None = None  # the YAML declaring it
    summaries: tuple[Summary, ...] = field(default=())
    no_metric: str | None = None  # why no metric names it (a table read as is: medians, survey editions)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> MartColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def time_column(self) -> str | None:
        typed = [c.name for c in self.columns if (c.data_type or "").lower() in _TIME_TYPES]
        named = [c.name for c in self.columns if _TIME_NAMES.match(c.name)]
        return (typed or named or [None])[0]

    @property
    def period(self) -> str:
        """What one value of the time column is: day, week, month or cohort."""
        time_column = self.time_column or ""
        return next((label for key, label in _PERIOD_BY_NAME if key in time_column), "period")

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Text columns besides the time column: together they are the table's key (its grain)."""
        return tuple(c.name for c in self.columns if (c.data_type or "").lower() in _TEXT_TYPES
                     and c.name != self.time_column and not _FREE_TEXT_NAMES.search(c.name))

    @property
    def grain(self) -> str:
        time_column = self.time_column
        if time_column is None:
            return "one row per " + (", ".join(self.dimensions) or "row")
        period = next((label for key, label in _GRAIN_BY_NAME if key in time_column), "period")
        by = f" and {', '.join(self.dimensions)}" if self.dimensions else ""
        return f"one row per {period} ({time_column}){by}"


@dataclass(frozen=True)
class MetricLink:
    """Where a metric is published, as its YAML says (meta.mart, meta.mart_column, meta.part_of)."""

    metric: str
    mart: str | None  # model name
    column: str | None
    part_of: str | None


def _summaries(node: dict[str, Any]) -> tuple[Summary, ...]:
    where = f"{node.get('original_file_path')}: meta.summary"
    items = meta_of(node).get("summary") or []
    if not isinstance(items, list):
        raise ArtifactError(f"{where}: expected a list of headlines")
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not {"label", "columns", "format"} <= set(item):
            raise ArtifactError(f"{where}[{n}]: needs label, columns and format")
        out.append(Summary(str(item["label"]), tuple(map(str, item["columns"])), str(item["format"]),
                           str(item["where"]) if item.get("where") else None))
    return tuple(out)


def public_marts(manifest: dict[str, Any]) -> list[Mart]:
    """What publication publishes: governed models (access: public) of the published schemas."""
    marts = []
    for node in (manifest.get("nodes") or {}).values():
        if not is_governed(node) or node.get("schema") not in PUBLISHED_SCHEMAS:
            continue
        owner = meta_of(node).get("owner")
        patch = str(node.get("patch_path") or "")
        marts.append(Mart(
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            description=(node.get("description") or "").strip(),
            owner=str(owner) if owner else None,
            columns=tuple(
                MartColumn(name, column.get("data_type"), (column.get("description") or "").strip())
                for name, column in (node.get("columns") or {}).items()
            ),
            sql_path=node.get("original_file_path"),
            yaml_path=patch.split("://", 1)[-1] or None,
            summaries=_summaries(node),
            no_metric=str(meta_of(node)["no_metric"]) if meta_of(node).get("no_metric") else None,
        ))
    return sorted(marts, key=lambda m: (PUBLISHED_SCHEMAS.index(m.schema), m.name))


def kpi_marts(manifest: dict[str, Any]) -> list[Mart]:
    """The public marts of the marts schema: one KPI each."""
    return [m for m in public_marts(manifest) if m.schema == KPI_SCHEMA]


def metric_links(manifest: dict[str, Any]) -> dict[str, MetricLink]:
    """metric name -> where its YAML says it is published."""
    links = {}
    for metric in (manifest.get("metrics") or {}).values():
        meta = meta_of(metric)
        name = str(metric["name"])
        part_of = str(meta["part_of"]) if meta.get("part_of") else None
        column = None if part_of else str(meta.get("mart_column") or name)
        links[name] = MetricLink(name, str(meta["mart"]) if meta.get("mart") else None, column, part_of)
    return links


@dataclass(frozen=True)
class TableDocs:
    """What a reader sees of a published table: its description, owner and column descriptions."""

    description: str
    owner: str | None
    columns: dict[str, str] = field(default_factory=dict)


def table_docs(manifest: dict[str, Any]) -> dict[tuple[str, str], TableDocs]:
    """(schema, table) -> docs of every dbt model of the manifest."""
    docs: dict[tuple[str, str], TableDocs] = {}
    for node in (manifest.get("nodes") or {}).values():
        if node.get("resource_type") != "model":
            continue
        owner = meta_of(node).get("owner")
        columns = {
            name: (column.get("description") or "").strip()
            for name, column in (node.get("columns") or {}).items()
            if (column.get("description") or "").strip()
        }
        docs[(str(node.get("schema")), str(node.get("alias") or node.get("name")))] = TableDocs(
            description=(node.get("description") or "").strip(),
            owner=str(owner) if owner else None,
            columns=columns,
        )
    return docs


def documented_kpis(metrics_doc: Path) -> set[str]:
    """Marts named in the KPIs table of docs/metrics.md (rows `| ... | `marts.<mart>` | ...`)."""
    text = metrics_doc.read_text(encoding="utf-8") if metrics_doc.is_file() else ""
    section = text.split("## KPIs", 1)[1].split("\n## ", 1)[0] if "## KPIs" in text else ""
    return set(re.findall(r"^\|[^\n]*`marts\.(\w+)`", section, flags=re.MULTILINE))


def kpi_gaps(manifest: dict[str, Any], metrics_doc: Path) -> list[str]:
    """What the KPIs miss of their parts: each public mart of `marts` has its YAML beside its SQL
    (`<mart>.yml`), an owner, a description, at least one metric (or meta.no_metric saying why not)
    and its line in docs/metrics.md;
    each metric names a public mart and a column of it (or the metric it is part of). [] when whole."""
    marts = {m.name: m for m in kpi_marts(manifest)}
    links = metric_links(manifest)
    documented = documented_kpis(metrics_doc)
    gaps = []
    for name, mart in marts.items():
        expected_yaml = str(Path(mart.sql_path or "").with_suffix(".yml"))
        if mart.yaml_path != expected_yaml:
            gaps.append(f"{name}: declared in {mart.yaml_path or 'no YAML'}, not in {expected_yaml} beside its SQL")
        if not mart.owner:
            gaps.append(f"{name}: no owner (config.meta.owner)")
        if not mart.description:
            gaps.append(f"{name}: no description")
        if not any(link.mart == name for link in links.values()) and not mart.no_metric:
            gaps.append(f"{name}: no metric names it (meta.mart), nor does it say why (meta.no_metric)")
        if name not in documented:
            gaps.append(f"{name}: no line in the KPIs table of {metrics_doc.name}")
    for name, link in sorted(links.items()):
        if link.mart is None:
            gaps.append(f"metric {name}: no meta.mart")
        elif link.mart not in marts:
            gaps.append(f"metric {name}: meta.mart {link.mart} is not a public mart")
        elif link.part_of is not None:
            if link.part_of not in links:
                gaps.append(f"metric {name}: meta.part_of {link.part_of} is not a metric")
        elif marts[link.mart].column(link.column or "") is None:
            gaps.append(f"metric {name}: {link.mart} has no column {link.column} (meta.mart_column)")
    for doc_name in sorted(documented - set(marts)):
        gaps.append(f"{doc_name}: in {metrics_doc.name} but not a public mart")
    return gaps


class SemanticLayer:
    """semantic_manifest.json indexed: metrics, semantic models, each measure's semantic model and, given
    the manifest, the dbt model each semantic model reads. The KPI catalog (formula, granularity) and the
    hygiene audit (normalized definitions) both look metrics up here."""

    def __init__(self, semantic: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> None:
        self.models = {m["name"]: m for m in semantic.get("semantic_models") or []}
        self.metrics = {m["name"]: m for m in semantic.get("metrics") or []}
        self.measure_model: dict[str, dict[str, Any]] = {}
        for model in self.models.values():
            for measure in model.get("measures") or []:
                self.measure_model[measure["name"]] = model
        self.dbt_models = {} if manifest is None else {
            name: _dbt_model_of(manifest, model) for name, model in self.models.items()
        }

    def measure(self, name: str) -> dict[str, Any] | None:
        model = self.measure_model.get(name)
        return next((m for m in model.get("measures") or [] if m["name"] == name), None) if model else None

    def input_measures(self, metric: dict[str, Any]) -> list[str]:
        params = metric.get("type_params") or {}
        names = [m["name"] for m in params.get("input_measures") or [] if m.get("name")]
        if not names and (params.get("measure") or {}).get("name"):
            names = [params["measure"]["name"]]
        return names

    def granularity(self, metric: dict[str, Any]) -> str | None:
        if metric.get("time_granularity"):
            return str(metric["time_granularity"])
        for measure_name in self.input_measures(metric):
            model = self.measure_model.get(measure_name)
            if model is None:
                continue
            defaults = model.get("defaults") or {}
            dimension_name = (self.measure(measure_name) or {}).get("agg_time_dimension") or defaults.get(
                "agg_time_dimension"
            )
            for dimension in model.get("dimensions") or []:
                if dimension["name"] == dimension_name and dimension.get("type") == "time":
                    return (dimension.get("type_params") or {}).get("time_granularity")
        return None

    def formula(self, metric: dict[str, Any]) -> str:
        params = metric.get("type_params") or {}
        kind = metric.get("type")
        if kind == "ratio":
            numerator = (params.get("numerator") or {}).get("name")
            return f"{numerator} / {(params.get('denominator') or {}).get('name')}"
        if kind == "derived":
            inputs = ", ".join(m.get("name", "?") for m in params.get("metrics") or [])
            return f"{params.get('expr')} (from {inputs})"
        parts = []
        for measure_name in self.input_measures(metric):
            measure = self.measure(measure_name) or {}
            model = self.measure_model.get(measure_name, {}).get("name", "?")
            parts.append(f"{measure.get('agg', '?')}({measure.get('expr') or measure_name}) over {model}")
        text = " and ".join(parts) or "?"
        if kind == "cumulative":
            cumulative = params.get("cumulative_type_params") or {}
            window = cumulative.get("window") or params.get("window")
            if isinstance(window, dict):
                window = f"{window.get('count')} {window.get('granularity')}"
            text += f", cumulative over {window or 'all time'}"
        if metric.get("filter"):
            filters = [f.get("where_sql_template", "") for f in metric["filter"].get("where_filters") or []]
            text += f", where {' and '.join(filters)}"
        return text
