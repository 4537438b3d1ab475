"""A local Spark cluster (pyspark wheel) for the session, and one small world built on DuckDB and Spark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from insights.settings import load_settings
from insights.warehouse.dbt import dbt_vars
from insights.warehouse.spark_cluster import SparkCluster
from insights.warehouse.spark_raw_writer import copy_raw_to_spark

# The Spark ports of this project's test runs (one block of ten; override to share a machine).
SPARK_BASE_PORT = int(os.environ.get("INSIGHTS_TEST_SPARK_BASE_PORT", "9120"))
# The smallest simulated world that still gives every public mart rows (tickets, surveys, cohorts).
SMALL_WORLD = {"INSIGHTS_SIM_USERS": "30", "INSIGHTS_SIM_DAYS": "6", "INSIGHTS_SIM_START": "2026-08-03"}
DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


@dataclass(frozen=True)
class SparkWorld:
    home: Path
    cluster: SparkCluster


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    cluster = SparkCluster(tmp_path_factory.mktemp("spark"), SPARK_BASE_PORT)
    with cluster:
        yield cluster


@pytest.fixture(scope="session")
def spark_world(spark_cluster: SparkCluster, tmp_path_factory: pytest.TempPathFactory) -> SparkWorld:
    """The world backfilled into DuckDB, its raw schema copied to Spark, and the models built there."""
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, **SMALL_WORLD, "INSIGHTS_HOME": str(home), "INSIGHTS_SERVING_DSN": "none"}
    insights = str(Path(sys.executable).with_name("insights"))
    start, days = SMALL_WORLD["INSIGHTS_SIM_START"], int(SMALL_WORLD["INSIGHTS_SIM_DAYS"])
    end = (date.fromisoformat(start) + timedelta(days=days - 1)).isoformat()
    subprocess.run([insights, "-q", "backfill", "--start", start, "--end", end], env=env, check=True, timeout=900)

    thrift_port = spark_cluster.ports.thrift
    copy_raw_to_spark(home / "warehouse.duckdb", spark_cluster.work_dir / "raw", "127.0.0.1", thrift_port)

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        variables = dbt_vars(load_settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    spark_env = {**env, "INSIGHTS_DBT_TARGET": "spark", "INSIGHTS_SPARK_PORT": str(thrift_port)}
    # Models only: the data tests ran on DuckDB (same SQL); parity is what this suite checks.
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run", "--profiles-dir", ".", "--target-path",
         str(home / "spark_target"), "--vars", json.dumps(variables, default=str)],
        cwd=DBT_PROJECT, env=spark_env, check=True, timeout=1200,
    )
    return SparkWorld(home=home, cluster=spark_cluster)
