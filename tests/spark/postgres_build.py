"""Build the whole project on Postgres from a DuckDB world's raw zone (`python -m tests.spark.postgres_build`).

The raw zone's files load as the pipeline loads them; the hygiene audit's recorded snapshots (which the
pipeline records from dbt's artifacts in the target's `raw` schema) are copied from the DuckDB warehouse,
so the audit marts read the same recorded definitions on both engines.
"""

from __future__ import annotations

import sys

import duckdb

from insights.hygiene.recording import TABLES
from insights.settings import load_settings
from insights.warehouse import build, connect, schema_name


def copy_recorded_snapshots() -> None:
    settings = load_settings()
    source, target = schema_name("raw", "duckdb"), schema_name("raw", "postgres")
    with duckdb.connect(str(settings.warehouse), read_only=True) as warehouse:
        rows = {table: warehouse.execute(f"select {', '.join(n for n, _ in columns)} from {source}.{table}").fetchall()
                for table, columns in TABLES.items()}
    with connect(settings, "postgres") as con, con.cursor() as cur:
        cur.execute(f"create schema if not exists {target}")
        for table, columns in TABLES.items():
            cur.execute(f"create table if not exists {target}.{table} ({', '.join(f'{n} {t}' for n, t in columns)})")
            names, values = ", ".join(n for n, _ in columns), ", ".join(["%s"] * len(columns))
            cur.executemany(f"insert into {target}.{table} ({names}) values ({values})", rows[table])
        con.commit()


def main() -> int:
    copy_recorded_snapshots()
    return 0 if build(load_settings(), target="postgres", exclude="test_type:unit").dbt.ok else 1


if __name__ == "__main__":
    sys.exit(main())
