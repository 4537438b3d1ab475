"""A local Spark cluster (pyspark wheel) for the session, and one small world built on DuckDB, Postgres and
Spark from the same raw rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from insights.env_vars import environment
from insights.settings import load_settings
from insights.warehouse.dbt import dbt_vars
from insights.warehouse.spark_cluster import SparkCluster
from insights.warehouse.spark_raw_writer import copy_raw_to_spark

# The Spark ports of this project's test runs (one block of ten; override to share a machine).
SPARK_BASE_PORT = int(os.environ.get("INSIGHTS_TEST_SPARK_BASE_PORT", "9120"))
# The smallest simulated world that still gives every public mart rows (tickets, surveys, cohorts).
SMALL_WORLD = {"INSIGHTS_SIM_USERS": "30", "INSIGHTS_SIM_DAYS": "6", "INSIGHTS_SIM_START": "2026-08-03"}
DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


class SparkWorld(NamedTuple):
    home: Path
    cluster: SparkCluster


class PostgresWorld(NamedTuple):
    home: Path
    schema_prefix: str  # the marts live in <prefix>_marts, <prefix>_audit


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    cluster = SparkCluster(tmp_path_factory.mktemp("spark"), SPARK_BASE_PORT)
    with cluster:
        yield cluster


def world_env(home: Path) -> dict[str, str]:
    return {**os.environ, **SMALL_WORLD, "INSIGHTS_HOME": str(home), "INSIGHTS_SERVING_DSN": "none"}


@pytest.fixture(scope="session")
def duckdb_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world backfilled into DuckDB (extraction, load, dbt build with its data tests)."""
    home = tmp_path_factory.mktemp("home")
    insights = str(Path(sys.executable).with_name("insights"))
    start, days = SMALL_WORLD["INSIGHTS_SIM_START"], int(SMALL_WORLD["INSIGHTS_SIM_DAYS"])
    end = (date.fromisoformat(start) + timedelta(days=days - 1)).isoformat()
    subprocess.run([insights, "-q", "backfill", "--start", start, "--end", end], env=world_env(home), check=True,
                   timeout=900)
    return home


@pytest.fixture(scope="session")
def postgres_world(duckdb_home: Path, postgres_dsn: str) -> Iterator[PostgresWorld]:
    """The same raw zone loaded into Postgres and the whole project built there (data tests included), under a
    schema prefix of its own, dropped afterwards."""
    from tests.postgres_schemas import drop_prefixed_schemas

    prefix = f"p{uuid.uuid4().hex[:10]}"
    env = {**world_env(duckdb_home), "INSIGHTS_PG_SCHEMA_PREFIX": prefix}
    try:
        subprocess.run([sys.executable, "-m", "tests.spark.postgres_build"], env=env, check=True, timeout=900,
                       cwd=Path(__file__).resolve().parents[2])
        yield PostgresWorld(home=duckdb_home, schema_prefix=prefix)
    finally:
        drop_prefixed_schemas(prefix)


@pytest.fixture(scope="session")
def spark_world(spark_cluster: SparkCluster, duckdb_home: Path) -> SparkWorld:
    """The DuckDB world's raw schema copied to Spark, and the models built there."""
    home = duckdb_home
    env = world_env(home)

    thrift_port = spark_cluster.ports.thrift
    copy_raw_to_spark(home / "warehouse.duckdb", spark_cluster.work_dir / "raw", "127.0.0.1", thrift_port)

    with environment(env):
        variables = dbt_vars(load_settings())
    spark_env = {**env, "INSIGHTS_DBT_TARGET": "spark", "INSIGHTS_SPARK_PORT": str(thrift_port)}
    # Models only: the data tests ran on DuckDB (same SQL); parity is what this suite checks.
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run", "--profiles-dir", ".", "--target-path",
         str(home / "spark_target"), "--vars", json.dumps(variables, default=str)],
        cwd=DBT_PROJECT, env=spark_env, check=True, timeout=1200,
    )
    return SparkWorld(home=home, cluster=spark_cluster)
