"""Every public mart built on Spark, and on Postgres, equals the DuckDB build of the same raw rows, row for row."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest

from insights.warehouse.spark_raw_writer import spark_connection
from insights.warehouse.targets import PostgresParams

from .conftest import PostgresWorld, SparkWorld

pytestmark = [pytest.mark.spark, pytest.mark.slow]

PUBLIC_SCHEMAS = ("marts", "audit")
FLOAT_DIGITS = 9  # sums of doubles may differ in the last bits between engines


def normalized(value: Any) -> Any:
    if isinstance(value, Decimal):  # Postgres numeric
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, FLOAT_DIGITS)
    if hasattr(value, "isoformat"):
        return str(value).replace("T", " ")
    return value


def rows_equal(expected: list[tuple[Any, ...]], actual: list[tuple[Any, ...]]) -> str | None:
    """None when both hold the same rows (in any order), else the first difference."""
    expected_sorted = sorted((tuple(map(normalized, r)) for r in expected), key=repr)
    actual_sorted = sorted((tuple(map(normalized, r)) for r in actual), key=repr)
    if len(expected_sorted) != len(actual_sorted):
        return f"{len(expected_sorted)} rows != {len(actual_sorted)} rows"
    return next((f"{e} != {a}" for e, a in zip(expected_sorted, actual_sorted, strict=True) if e != a), None)


def test_rows_equal_catches_a_changed_value() -> None:
    assert rows_equal([(1, 0.5)], [(1, 0.5 + 1e-12)]) is None
    assert rows_equal([(1, 0.5)], [(1, 0.6)]) is not None
    assert rows_equal([(1,)], [(1,), (1,)]) is not None


def public_marts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables"
        f" where table_schema in {PUBLIC_SCHEMAS} and table_name not like 'int_%' order by 1, 2"
    ).fetchall()
    return [
        (schema, table, [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
            " order by ordinal_position", [schema, table]).fetchall()])
        for schema, table in tables
    ]


def duckdb_marts(home: Path) -> tuple[list[tuple[str, str, list[str]]], dict[tuple[str, str], list[Any]]]:
    """The public marts of the DuckDB build and their rows."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        marts = public_marts(con)
        expected = {(s, t): con.execute(f"select {', '.join(c)} from {s}.{t}").fetchall() for s, t, c in marts}
    assert len(marts) >= 18
    assert sum(map(len, expected.values())) > 0
    return marts, expected


def test_every_public_mart_on_postgres_equals_duckdb(postgres_world: PostgresWorld) -> None:
    marts, expected = duckdb_marts(postgres_world.home)
    params = PostgresParams.from_env()
    differences = {}
    con = psycopg2.connect(host=params.host, port=params.port, user=params.user, dbname=params.dbname)
    try:
        cursor = con.cursor()
        for schema, table, columns in marts:
            quoted = ", ".join(f'"{c}"' for c in columns)
            cursor.execute(f'select {quoted} from "{postgres_world.schema_prefix}_{schema}"."{table}"')
            problem = rows_equal(expected[schema, table], cursor.fetchall())
            if problem:
                differences[f"{schema}.{table}"] = problem
    finally:
        con.close()
    assert not differences, differences


def test_every_public_mart_on_spark_equals_duckdb(spark_world: SparkWorld) -> None:
    marts, expected = duckdb_marts(spark_world.home)
    spark = spark_connection("127.0.0.1", spark_world.cluster.ports.thrift)
    cursor = spark.cursor()
    differences = {}
    for schema, table, columns in marts:
        cursor.execute(f"select {', '.join(f'`{c}`' for c in columns)} from {schema}.{table}")
        problem = rows_equal(expected[schema, table], cursor.fetchall())
        if problem:
            differences[f"{schema}.{table}"] = problem
    spark.close()
    assert not differences, differences
