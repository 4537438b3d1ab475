"""What the audit needs to know about the dbt project, read from the artifacts of a dbt run.

From `manifest.json` and `semantic_manifest.json` (written by `dbt parse`/`build` into the
target path), without touching the warehouse:

- every governed metric of the semantic layer with its owner, description, a *normalized
  definition* (canonical JSON of what it computes: type, filters, windows, each input resolved
  down to its measures' aggregation, expression, time dimension and the dbt model they read;
  names, labels and docs left out, so two metrics computing the same thing have equal texts) and
  a *definition hash* (sha256 of that JSON plus the normalized SQL of the models its measures
  read and the values of the dbt vars that SQL uses: the compiled definition, minus formatting
  and comments, so an edit of a comment never asks for re-certification);
- every model with its layer, owner, whether its SQL counts distinct user ids, and every model
  upstream of it (transitively).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from insights.kpis import SEMANTIC_MANIFEST, ArtifactError, SemanticLayer
from insights.kpis import read_artifacts as read_artifacts  # the hygiene audit reads them through here
from insights.sources import source_names


@dataclass(frozen=True)
class MetricMeasure:
    """A measure a metric aggregates (directly or through its input metrics) and the model it reads."""

    measure_name: str
    model_name: str
    expr: str


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    metric_type: str
    label: str | None
    owner: str | None
    description: str | None
    normalized_definition: str
    definition_hash: str
    source_file: str | None
    measures: tuple[MetricMeasure, ...]


@dataclass(frozen=True)
class ProjectModel:
    name: str
    resource_path: str
    layer: str
    owner: str | None
    counts_distinct_users: bool
    ancestors: tuple[str, ...]  # models upstream of it, transitively, sorted


@dataclass(frozen=True)
class ProjectSnapshot:
    metrics: tuple[MetricDefinition, ...]
    models: tuple[ProjectModel, ...]

    def metric(self, name: str) -> MetricDefinition:
        return next(m for m in self.metrics if m.name == name)

    def model(self, name: str) -> ProjectModel:
        return next(m for m in self.models if m.name == name)


# ---------------------------------------------------------------------------------------------
# SQL normalization

_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LINE_COMMENT = re.compile(r"--[^\n]*")
_WHITESPACE = re.compile(r"\s+")
_VAR_CALL = re.compile(r"""\bvar\(\s*['"]([A-Za-z0-9_]+)['"]""")


def normalize_sql(code: str | None) -> str:
    """SQL (or Jinja SQL) without comments and with every run of whitespace as one space.

    Comments inside string literals would be stripped too; dbt models of this project keep none.
    """
    text = _JINJA_COMMENT.sub(" ", code or "")
    text = _BLOCK_COMMENT.sub(" ", text)
    text = _LINE_COMMENT.sub(" ", text)
    return _WHITESPACE.sub(" ", text).strip()


def counts_distinct_users(code: str | None) -> bool:
    """True when some `count(distinct ...)` of the SQL has `user_id` in its argument."""
    text = normalize_sql(code).lower()
    for match in re.finditer(r"\bcount\s*\(", text):
        depth, position = 1, match.end()
        while position < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[position], 0)
            position += 1
        argument = text[match.end() : position - 1].strip()
        if argument.startswith("distinct") and re.search(r"\buser_id\b", argument):
            return True
    return False


def used_vars(code: str | None) -> list[str]:
    """Names of the dbt vars the SQL reads (`var('name')`), sorted."""
    return sorted(set(_VAR_CALL.findall(code or "")))


# ---------------------------------------------------------------------------------------------
# normalized metric definitions


def _clean(value: Any) -> Any:
    """Drop nulls, empty lists and empty objects recursively, and normalize SQL text."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return _WHITESPACE.sub(" ", value).strip()
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(_clean(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _Definitions:
    """The metrics of a semantic layer (insights.kpis) resolved to what they compute."""

    def __init__(self, manifest: Mapping[str, Any], semantic: Mapping[str, Any]) -> None:
        self.layer = SemanticLayer(semantic, manifest)
        self.metrics = self.layer.metrics

    def measure(self, reference: Mapping[str, Any], path: str) -> tuple[dict[str, Any], list[MetricMeasure]]:
        name = reference.get("name")
        if name not in self.layer.measure_model:
            raise ArtifactError(
                f"{SEMANTIC_MANIFEST}: {path}: measure {name!r} is defined by no semantic model"
            )
        semantic_model = self.layer.measure_model[name]
        measure, model_name = self.layer.measure(name) or {}, self.layer.dbt_models[semantic_model["name"]]
        expr = measure.get("expr") or measure["name"]  # MetricFlow reads the column named like the measure
        resolved = {
            "model": model_name,
            "agg": measure.get("agg"),
            "expr": expr,
            "agg_params": measure.get("agg_params"),
            "non_additive_dimension": measure.get("non_additive_dimension"),
            "agg_time_dimension": measure.get("agg_time_dimension")
            or (semantic_model.get("defaults") or {}).get("agg_time_dimension"),
            # options of the reference itself (the alias is only a name)
            "filter": reference.get("filter"),
            "join_to_timespine": reference.get("join_to_timespine") or None,
            "fill_nulls_with": reference.get("fill_nulls_with"),
        }
        return resolved, [MetricMeasure(measure["name"], model_name, str(expr))]

    def metric(self, name: str, trail: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[MetricMeasure]]:
        if name in trail:
            raise ArtifactError(
                f"{SEMANTIC_MANIFEST}: metric {name!r}: circular definition via {' -> '.join(trail)}"
            )
        if name not in self.metrics:
            raise ArtifactError(
                f"{SEMANTIC_MANIFEST}: metric {trail[-1] if trail else name!r}: "
                f"input metric {name!r} is not defined"
            )
        metric = self.metrics[name]
        trail = (*trail, name)
        params = dict(metric.get("type_params") or {})
        params.pop("input_measures", None)  # derived by dbt from the rest
        measures: list[MetricMeasure] = []

        def resolve_measure(key: str, holder: dict[str, Any]) -> None:
            if holder.get(key):
                holder[key], found = self.measure(holder[key], f"metric {name!r}, type_params.{key}")
                measures.extend(found)

        def resolve_input(reference: Mapping[str, Any], keep_name: bool) -> dict[str, Any]:
            definition, found = self.metric(reference["name"], trail)
            measures.extend(found)
            options = {k: v for k, v in reference.items() if k not in ("name", "alias")}
            resolved = {"definition": definition, **options}
            if keep_name:  # a derived metric's expression refers to its inputs by name (or alias)
                resolved["name"] = reference.get("alias") or reference["name"]
            return resolved

        resolve_measure("measure", params)
        for key in ("numerator", "denominator"):
            if params.get(key):
                params[key] = resolve_input(params[key], keep_name=False)
        if params.get("metrics"):
            inputs = [resolve_input(m, keep_name=True) for m in params["metrics"]]
            params["metrics"] = sorted(inputs, key=canonical_json)
        conversion = dict(params.get("conversion_type_params") or {})
        if conversion:
            resolve_measure("base_measure", conversion)
            resolve_measure("conversion_measure", conversion)
            params["conversion_type_params"] = conversion
        cumulative = dict(params.get("cumulative_type_params") or {})
        if cumulative.get("metric"):
            cumulative["metric"] = resolve_input(cumulative["metric"], keep_name=False)
            params["cumulative_type_params"] = cumulative
        definition = {
            "type": metric.get("type"),
            "type_params": params,
            "filter": metric.get("filter"),
            "time_granularity": metric.get("time_granularity"),
        }
        return _clean(definition), measures


def _text_or_none(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _metric_owner(metric: Mapping[str, Any], manifest_metric: Mapping[str, Any] | None) -> str | None:
    meta = (metric.get("config") or {}).get("meta") or (manifest_metric or {}).get("meta") or {}
    return _text_or_none(meta.get("owner"))


def _model_code(manifest: Mapping[str, Any], model_name: str) -> tuple[str, list[str]]:
    node = next(
        (
            n
            for n in manifest["nodes"].values()
            if n.get("resource_type") == "model" and n.get("name") == model_name
        ),
        None,
    )
    code = (node or {}).get("raw_code") or ""
    return normalize_sql(code), used_vars(code)


def metric_definitions(
    manifest: Mapping[str, Any], semantic: Mapping[str, Any], variables: Mapping[str, Any]
) -> tuple[MetricDefinition, ...]:
    """Every metric of the semantic manifest, normalized and hashed (see the module docstring)."""
    layer = _Definitions(manifest, semantic)
    project = (manifest.get("metadata") or {}).get("project_name", "")
    out = []
    for name in sorted(layer.metrics):
        metric = layer.metrics[name]
        definition, measures = layer.metric(name)
        normalized = canonical_json(definition)
        digest = hashlib.sha256(normalized.encode("utf-8"))
        for model_name in sorted({m.model_name for m in measures}):
            code, var_names = _model_code(manifest, model_name)
            values = {v: variables.get(v) for v in var_names}
            digest.update(f"\nmodel {model_name}\n{code}\nvars {canonical_json(values)}".encode())
        manifest_metric = manifest["metrics"].get(f"metric.{project}.{name}")
        unique_measures = tuple(dict.fromkeys(measures))  # first-seen order, no repeats
        out.append(
            MetricDefinition(
                name=name,
                metric_type=str(metric.get("type")),
                label=_text_or_none(metric.get("label")),
                owner=_metric_owner(metric, manifest_metric),
                description=_text_or_none(metric.get("description")),
                normalized_definition=normalized,
                definition_hash=digest.hexdigest(),
                source_file=(manifest_metric or {}).get("original_file_path"),
                measures=unique_measures,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# models and lineage


def _ancestors(parent_map: Mapping[str, Iterable[str]], unique_id: str) -> set[str]:
    seen: set[str] = set()
    stack = list(parent_map.get(unique_id, ()))
    while stack:
        parent = stack.pop()
        if parent not in seen:
            seen.add(parent)
            stack.extend(parent_map.get(parent, ()))
    return seen


def _layer(fqn: list[str]) -> str:
    """The folder under models/ (staging, marts...); a source's staging models (model path
    include/insights/sources: fqn project, source, staging, model) are of the staging layer."""
    if len(fqn) > 3 and fqn[1] in source_names() and fqn[2] == "staging":
        return "staging"
    return fqn[1] if len(fqn) > 2 else ""


def project_models(manifest: Mapping[str, Any]) -> tuple[ProjectModel, ...]:
    """Every model of the project with its layer, owner, distinct-user counting and ancestors."""
    project = (manifest.get("metadata") or {}).get("project_name")
    nodes = manifest["nodes"]
    models = {
        uid: n
        for uid, n in nodes.items()
        if n.get("resource_type") == "model" and (project is None or n.get("package_name") == project)
    }
    out = []
    for unique_id, node in sorted(models.items(), key=lambda item: item[1]["name"]):
        fqn = node.get("fqn") or []
        upstream = _ancestors(manifest["parent_map"], unique_id)
        meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
        out.append(
            ProjectModel(
                name=node["name"],
                resource_path=node.get("original_file_path") or node.get("path") or node["name"],
                layer=_layer(fqn),
                owner=_text_or_none(meta.get("owner")),
                counts_distinct_users=counts_distinct_users(node.get("raw_code")),
                ancestors=tuple(
                    sorted(
                        nodes[p]["name"]
                        for p in upstream
                        if p in nodes and nodes[p].get("resource_type") == "model"
                    )
                ),
            )
        )
    return tuple(out)


def project_snapshot(
    manifest: Mapping[str, Any], semantic: Mapping[str, Any], variables: Mapping[str, Any]
) -> ProjectSnapshot:
    return ProjectSnapshot(
        metrics=metric_definitions(manifest, semantic, variables), models=project_models(manifest)
    )
