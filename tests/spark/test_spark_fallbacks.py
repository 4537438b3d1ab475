"""On Spark, day-keyed incrementals overwrite day partitions; MERGE models and snapshots fall back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import DBT_PROJECT

pytestmark = pytest.mark.spark

MERGE_MODELS = ("int_devices", "int_events__deduplicated")
DAY_KEYED = {
    "int_audit__daily_event_volume": "event_date",
    "int_user_event_days": "activity_date",
    "metrics_active_users_daily": "date_day",
    "event_volume_share": "reference_date",
}


def parsed_manifest(target: str, target_path: Path) -> dict[str, Any]:
    env = {**os.environ, "INSIGHTS_DBT_TARGET": target}
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "parse", "--profiles-dir", ".", "--target-path", str(target_path)],
        cwd=DBT_PROJECT, env=env, check=True, capture_output=True, timeout=300,
    )
    return json.loads((target_path / "manifest.json").read_text())


def configs(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["name"]: node["config"] for node in manifest["nodes"].values()
            if node["resource_type"] in ("model", "snapshot")}


def test_spark_configs_fall_back_and_duckdb_configs_stay(tmp_path: Path) -> None:
    spark, duckdb = (configs(parsed_manifest(t, tmp_path / t)) for t in ("spark", "duckdb"))
    for name in MERGE_MODELS:
        assert spark[name]["materialized"] == "table", name
        assert duckdb[name]["materialized"] == "incremental", name
    for name, day in DAY_KEYED.items():
        assert spark[name]["incremental_strategy"] == "insert_overwrite", name
        assert spark[name]["partition_by"] == [day], name
        assert duckdb[name]["incremental_strategy"] in ("delete+insert", "append"), name
        assert not duckdb[name].get("partition_by"), name
    assert "snp_tracking_plan_events" not in spark  # disabled: no node to build
    assert "snp_tracking_plan_events" in duckdb
