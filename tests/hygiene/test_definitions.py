"""Reading the dbt artifacts: normalized definitions, hashes, lineage (no dbt run needed).

The manifests here are small hand-built dicts in the shape dbt 1.11 writes (the same keys the
real project's artifacts have; test_metric_findings.py runs the code on real ones).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from insights.hygiene.definitions import (
    ArtifactError,
    counts_distinct_users,
    metric_definitions,
    normalize_sql,
    project_models,
    read_artifacts,
    used_vars,
)

RETENTION_SQL = """
-- cohort flags
select user_id, '{{ var("activation_event") }}' as activation_event
from {{ ref('int_active_users_daily') }}
"""


def _model(name: str, path: str, sql: str, owner: str | None = "growth") -> dict[str, Any]:
    return {
        "resource_type": "model",
        "name": name,
        "package_name": "proj",
        "original_file_path": path,
        "fqn": ["proj", *path.removeprefix("models/").removesuffix(".sql").split("/")],
        "raw_code": sql,
        "config": {"meta": {"owner": owner} if owner else {}},
    }


def _manifest() -> dict[str, Any]:
    nodes = {
        "model.proj.stg_events": _model("stg_events", "models/staging/stg_events.sql", "select 1 as user_id"),
        "model.proj.int_active_users_daily": _model(
            "int_active_users_daily",
            "models/intermediate/int_active_users_daily.sql",
            "select user_id from {{ ref('stg_events') }}",
        ),
        "model.proj.int_user_retention": _model(
            "int_user_retention", "models/intermediate/int_user_retention.sql", RETENTION_SQL
        ),
        "model.proj.metrics_users": _model(
            "metrics_users",
            "models/marts/metrics_users.sql",
            "select count(distinct case when x then e.user_id end) from {{ ref('stg_events') }} as e",
            owner=None,
        ),
    }
    return {
        "metadata": {"project_name": "proj"},
        "nodes": nodes,
        "parent_map": {
            "model.proj.stg_events": [],
            "model.proj.int_active_users_daily": ["model.proj.stg_events"],
            "model.proj.int_user_retention": ["model.proj.int_active_users_daily"],
            "model.proj.metrics_users": ["model.proj.stg_events"],
        },
        "semantic_models": {
            "semantic_model.proj.cohorts": {
                "name": "cohorts",
                "depends_on": {"nodes": ["model.proj.int_user_retention"]},
            },
        },
        "metrics": {
            f"metric.proj.{n}": {"original_file_path": "models/semantic/m.yml", "meta": {}}
            for n in ("members", "members_twin", "activated", "activation_rate")
        },
    }


def _simple(name: str, measure: str, owner: str | None = "growth", description: str | None = "d") -> dict:
    return {
        "name": name,
        "description": description,
        "label": name,
        "type": "simple",
        "type_params": {"measure": {"name": measure, "filter": None, "alias": None}, "input_measures": [{}]},
        "filter": None,
        "config": {"meta": {"owner": owner} if owner else {}},
    }


def _semantic() -> dict[str, Any]:
    return {
        "semantic_models": [
            {
                "name": "cohorts",
                "defaults": {"agg_time_dimension": "cohort_day"},
                "node_relation": {"alias": "int_user_retention"},
                "measures": [
                    {"name": "member_count", "agg": "count", "expr": "user_id"},
                    {"name": "member_rows", "agg": "count", "expr": "user_id", "description": "other words"},
                    {
                        "name": "activated_count",
                        "agg": "sum",
                        "expr": "case when is_activated then 1 else 0 end",
                    },
                ],
            }
        ],
        "metrics": [
            _simple("members", "member_count"),
            _simple("members_twin", "member_rows", owner=None, description="  "),
            _simple("activated", "activated_count"),
            {
                "name": "activation_rate",
                "description": "a / m",
                "label": "Activation rate",
                "type": "ratio",
                "type_params": {"numerator": {"name": "activated"}, "denominator": {"name": "members"}},
                "filter": None,
                "config": {"meta": {"owner": "growth"}},
            },
        ],
    }


def _definitions(manifest: dict | None = None, semantic: dict | None = None, variables: dict | None = None):
    result = metric_definitions(
        manifest or _manifest(), semantic or _semantic(), variables or {"activation_event": "project_created"}
    )
    return {m.name: m for m in result}


def test_same_computation_under_two_names_has_one_normalized_definition() -> None:
    metrics = _definitions()
    # different measure names and descriptions, same aggregation of the same column of the same model
    assert metrics["members"].normalized_definition == metrics["members_twin"].normalized_definition
    assert metrics["members"].normalized_definition != metrics["activated"].normalized_definition
    assert json.loads(metrics["members"].normalized_definition)["type_params"]["measure"] == {
        "agg": "count",
        "agg_time_dimension": "cohort_day",
        "expr": "user_id",
        "model": "int_user_retention",
    }


def test_owner_and_description_blank_means_missing() -> None:
    metrics = _definitions()
    assert (metrics["members_twin"].owner, metrics["members_twin"].description) == (None, None)
    assert (metrics["members"].owner, metrics["members"].description) == ("growth", "d")
    assert metrics["members"].source_file == "models/semantic/m.yml"


def test_ratio_resolves_its_inputs_down_to_measures_and_models() -> None:
    rate = _definitions()["activation_rate"]
    assert [(m.measure_name, m.model_name) for m in rate.measures] == [
        ("activated_count", "int_user_retention"),
        ("member_count", "int_user_retention"),
    ]
    definition = json.loads(rate.normalized_definition)
    assert definition["type_params"]["numerator"]["definition"]["type_params"]["measure"]["agg"] == "sum"


def test_hash_ignores_docs_and_comments_but_not_sql_filters_or_vars() -> None:
    base = _definitions()["members"].definition_hash

    semantic = _semantic()
    semantic["metrics"][0]["description"] = "new words"
    semantic["metrics"][0]["label"] = "Members!"
    assert _definitions(semantic=semantic)["members"].definition_hash == base

    manifest = _manifest()
    node = manifest["nodes"]["model.proj.int_user_retention"]
    node["raw_code"] = "{# doc #}\n/* block */ " + node["raw_code"].replace("\n", "\n\n   ") + "\n-- trailing"
    assert _definitions(manifest=manifest)["members"].definition_hash == base

    changed_sql = _manifest()
    changed_sql["nodes"]["model.proj.int_user_retention"]["raw_code"] += " where user_id is not null"
    assert _definitions(manifest=changed_sql)["members"].definition_hash != base

    filtered = _semantic()
    filtered["metrics"][0]["filter"] = {"where_filters": [{"where_sql_template": "x > 1"}]}
    assert _definitions(semantic=filtered)["members"].definition_hash != base

    # the model reads var('activation_event'): its value is part of the compiled definition
    assert _definitions(variables={"activation_event": "signed_up"})["members"].definition_hash != base
    assert (
        _definitions(variables={"activation_event": "project_created", "unused": 1})[
            "members"
        ].definition_hash
        == base
    )


def test_circular_and_undefined_inputs_are_clear_errors() -> None:
    semantic = _semantic()
    semantic["metrics"][3]["type_params"]["denominator"] = {"name": "activation_rate"}
    with pytest.raises(ArtifactError, match="metric 'activation_rate': circular definition"):
        _definitions(semantic=semantic)
    semantic = _semantic()
    semantic["metrics"][0]["type_params"]["measure"]["name"] = "no_such_measure"
    with pytest.raises(ArtifactError, match=r"metric 'members'.*measure 'no_such_measure'"):
        _definitions(semantic=semantic)


def test_models_layers_owners_ancestors_and_distinct_user_counting() -> None:
    models = {m.name: m for m in project_models(_manifest())}
    assert models["int_user_retention"].ancestors == ("int_active_users_daily", "stg_events")
    assert models["metrics_users"].layer == "marts" and models["metrics_users"].owner is None
    assert models["metrics_users"].counts_distinct_users
    assert not models["int_active_users_daily"].counts_distinct_users


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select count(distinct user_id) from t", True),
        ("select COUNT ( DISTINCT events.user_id ) from t", True),
        ("select count(distinct case when a then w.user_id end) as wau from t", True),
        ("select count(user_id) from t", False),  # not distinct
        ("select count(distinct device_id), max(user_id) from t", False),  # user_id outside the count
        ("select count(distinct resolved_user_id_hash) from t", False),  # another column
        ("-- count(distinct user_id)\nselect 1", False),  # commented out
    ],
)
def test_counts_distinct_users(sql: str, expected: bool) -> None:
    assert counts_distinct_users(sql) is expected


def test_normalize_sql_and_used_vars() -> None:
    assert normalize_sql("select  a,\n\tb -- note\nfrom t /* x */ {# y #}") == "select a, b from t"
    assert used_vars("{{ var('b') }} {{ var(\"a\", 3) }} {{ var('b') }}") == ["a", "b"]


def test_read_artifacts_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"manifest\.json: not found"):
        read_artifacts(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(_manifest()))
    (tmp_path / "semantic_manifest.json").write_text(json.dumps({"metrics": []}))
    with pytest.raises(ArtifactError, match=r"semantic_manifest\.json: key 'semantic_models'"):
        read_artifacts(tmp_path)
    (tmp_path / "semantic_manifest.json").write_text(json.dumps(_semantic()))
    manifest, semantic = read_artifacts(tmp_path)
    assert copy.deepcopy(semantic) == _semantic() and manifest["metadata"]["project_name"] == "proj"
