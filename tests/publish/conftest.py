"""Fixtures for publication tests: a small DuckDB warehouse (governed marts and audit tables, plus
raw and staging tables holding e-mails that must never be published) and a per-test Postgres
serving schema and reader role, dropped afterwards so parallel runs never collide."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import make_dsn

from insights.settings import Settings, load_settings

SECRET_EMAIL = "alice.secret@customer-example.com"


@dataclass
class World:
    """The warehouse a test publishes; `write(generation)` rewrites its governed tables."""

    settings: Settings

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse

    def write(self, generation: int, rows: int = 30) -> None:
        """marts.metrics_a has rows + generation rows, the other tables fixed sizes; every row carries
        `generation`, so a reader can tell which publication each table comes from."""
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(self.warehouse)) as con:
            for schema in ("raw", "staging", "marts", "audit"):
                con.execute(f"create schema if not exists {schema}")
            con.execute(
                "create or replace table raw.users as select 'u1' as user_id, ? as email, "
                "'my card number is 4111' as free_text", [SECRET_EMAIL]
            )
            con.execute(
                "create or replace view staging.stg_users as select user_id as user_id, email as email "
                "from raw.users"
            )
            con.execute(
                "create or replace table marts.metrics_a as select ?::integer as generation, "
                "(date '2026-08-03' + cast(i as integer)) as date_day, i::bigint as dau "
                "from range(?) as r (i)",
                [generation, rows + generation],
            )
            con.execute(
                "create or replace table marts.metrics_b as select ?::integer as generation, "
                "cast(i as varchar) as segment, i / 7.0::double as rate from range(17) as r (i)",
                [generation],
            )
            con.execute(
                "create or replace table audit.findings_c as select ?::integer as generation, "
                "'evt_' || cast(i as varchar) as event_type, 'dead_tracker' as finding "
                "from range(5) as r (i)",
                [generation],
            )

    def expected_rows(self, generation: int, rows: int = 30) -> dict[str, int]:
        return {"marts.metrics_a": rows + generation, "marts.metrics_b": 17, "audit.findings_c": 5}


@pytest.fixture
def world(insights_home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "none")
    for name in ("INSIGHTS_SERVING_SCHEMA", "INSIGHTS_PM_READER_ROLE", "INSIGHTS_PM_READER_PASSWORD",
                 "INSIGHTS_SERVING_LOCK_WAIT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    insights_home.mkdir(parents=True, exist_ok=True)
    return World(load_settings())


@dataclass
class Serving:
    """The Postgres side of one test: admin DSN, the unique serving schema and reader role."""

    admin_dsn: str
    schema: str
    role: str

    def reader_dsn(self, password: str | None = None) -> str:
        params = {"user": self.role, **({"password": password} if password else {})}
        return make_dsn(self.admin_dsn, **params)

    def admin(self) -> psycopg2.extensions.connection:
        con = psycopg2.connect(self.admin_dsn)
        con.autocommit = True
        return con

    def reader(self) -> psycopg2.extensions.connection:
        con = psycopg2.connect(self.reader_dsn())
        con.autocommit = True
        return con

    def scalar(self, query: str | sql.Composable, params: tuple = ()) -> object:
        with self.admin() as con, con.cursor() as cur:
            cur.execute(query, params)
            row = cur.fetchone()
        con.close()
        return row[0] if row else None


@pytest.fixture
def serving(world: World, postgres_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Serving]:
    suffix = uuid.uuid4().hex[:10]
    info = Serving(admin_dsn=postgres_dsn, schema=f"analytics_t{suffix}", role=f"pm_reader_t{suffix}")
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", postgres_dsn)
    monkeypatch.setenv("INSIGHTS_SERVING_SCHEMA", info.schema)
    monkeypatch.setenv("INSIGHTS_PM_READER_ROLE", info.role)
    world.settings = load_settings()
    yield info
    con = info.admin()
    with con.cursor() as cur:
        for schema in (info.schema, f"{info.schema}__next", f"{info.schema}__old"):
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
        cur.execute("select 1 from pg_roles where rolname = %s", (info.role,))
        if cur.fetchone():
            cur.execute(sql.SQL("drop owned by {}").format(sql.Identifier(info.role)))
            cur.execute(sql.SQL("drop role {}").format(sql.Identifier(info.role)))
    con.close()
