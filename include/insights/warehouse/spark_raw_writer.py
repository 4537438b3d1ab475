"""The `raw` schema of a DuckDB warehouse, copied into a Spark catalog (parquet tables).

The Spark target reads the same raw tables as DuckDB and Postgres: DuckDB's loader parses the
raw zone once, each raw table is written as parquet (JSON columns as text: Spark has no JSON
type and the models read them with get_json_object/from_json), and Spark registers the files
with `create table ... using parquet`. A production cluster reads the raw zone from object
storage instead; the tables and their columns are the same.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

# DuckDB types Spark's parquet reader cannot take as they are, and what they become.
_AS_TEXT = ("JSON",)


@dataclass(frozen=True)
class SparkRawTable:
    name: str
    rows: int
    path: Path


def export_raw_tables(warehouse: Path, out_dir: Path, schema: str = "raw") -> list[SparkRawTable]:
    """Write every table of `schema` in the DuckDB file `warehouse` to `<out_dir>/<table>/` as parquet."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    tables = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [schema],
        ).fetchall()]
        for name in names:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            select = ", ".join(
                f'cast("{column}" as varchar) as "{column}"' if data_type in _AS_TEXT else f'"{column}"'
                for column, data_type in columns
            )
            path = out_dir / name
            path.mkdir()
            con.execute(f"copy (select {select} from {schema}.{name}) to '{path / 'part-0.parquet'}' (format parquet)")
            rows = con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
            tables.append(SparkRawTable(name=name, rows=rows, path=path))
    return tables


def register_raw_tables(cursor: Any, tables: list[SparkRawTable], schema: str = "raw") -> None:
    """(Re)create `schema` in Spark with one parquet table per exported raw table."""
    cursor.execute(f"create database if not exists {schema}")
    for table in tables:
        cursor.execute(f"drop table if exists {schema}.{table.name}")
        cursor.execute(f"create table {schema}.{table.name} using parquet location '{table.path}'")


def spark_connection(host: str, port: int, user: str = "insights") -> Any:
    """A DB-API connection to a Spark Thrift server (PyHive, as dbt-spark's thrift method uses)."""
    from pyhive import hive

    return hive.connect(host=host, port=port, username=user)


def copy_raw_to_spark(warehouse: Path, out_dir: Path, host: str, port: int) -> list[SparkRawTable]:
    tables = export_raw_tables(warehouse, out_dir)
    con = spark_connection(host, port)
    try:
        cursor = con.cursor()
        register_raw_tables(cursor, tables)
        cursor.close()
    finally:
        con.close()
    return tables
