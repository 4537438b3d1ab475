"""The two warehouse targets (DuckDB file, Postgres server) and how to open them from Python.

Schema names mirror `dbt_project/macros/generate_schema_name.sql`, so the tables the loader
writes are exactly the ones the dbt sources read: plain names (`raw`, `marts`, ...) on DuckDB
and on Postgres with the default prefix, `<prefix>_<name>` on Postgres with a custom
INSIGHTS_PG_SCHEMA_PREFIX (one prefix per CI run, so builds never collide).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from insights.settings import Settings

TARGETS = ("duckdb", "postgres")
DEFAULT_PG_SCHEMA_PREFIX = "insights"


@dataclass(frozen=True)
class PostgresParams:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    schema_prefix: str

    @classmethod
    def from_env(cls) -> PostgresParams:
        """The same environment variables (and defaults) as dbt_project/profiles.yml."""
        return cls(
            host=os.environ.get("INSIGHTS_PG_HOST", "127.0.0.1"),
            port=int(os.environ.get("INSIGHTS_PG_PORT", "5432")),
            user=os.environ.get("INSIGHTS_PG_USER", "postgres"),
            password=os.environ.get("INSIGHTS_PG_PASSWORD", ""),
            dbname=os.environ.get("INSIGHTS_PG_DATABASE", "test"),
            schema_prefix=os.environ.get("INSIGHTS_PG_SCHEMA_PREFIX", DEFAULT_PG_SCHEMA_PREFIX),
        )


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ValueError(f"unknown warehouse target {target!r}; expected one of {', '.join(TARGETS)}")
    return target


def schema_name(name: str, target: str) -> str:
    """Physical name of the logical schema `name` (raw, staging, marts, ...) on `target`."""
    check_target(target)
    if target == "postgres":
        prefix = PostgresParams.from_env().schema_prefix
        if prefix != DEFAULT_PG_SCHEMA_PREFIX:
            return f"{prefix}_{name}"
    return name


@contextmanager
def connect(settings: Settings, target: str) -> Iterator[Any]:
    """A DB-API connection to the target (duckdb.DuckDBPyConnection or psycopg2 connection).

    The connection is closed on exit. DuckDB allows one writer per file, so callers must close
    it before starting dbt on the same file.
    """
    check_target(target)
    if target == "duckdb":
        import duckdb

        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(settings.warehouse))
        try:
            yield con
        finally:
            con.close()
    else:
        import psycopg2

        params = PostgresParams.from_env()
        con = psycopg2.connect(
            host=params.host,
            port=params.port,
            user=params.user,
            password=params.password,
            dbname=params.dbname,
        )
        try:
            yield con
        finally:
            con.close()
