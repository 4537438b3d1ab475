"""Fixtures for publication tests: a small DuckDB warehouse (governed marts and audit tables, plus
raw and staging tables and an internal audit table holding e-mails that must never be published),
the dbt manifest that declares which models are governed, and a per-test Postgres serving schema
and reader role, dropped afterwards so parallel runs never collide."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
from psycopg2 import sql
from psycopg2.extensions import make_dsn

from insights.settings import Settings, load_settings
from insights.warehouse import dbt_paths
from insights.warehouse.build_id import record_new_build

SECRET_EMAIL = "alice.secret@customer-example.com"


GOVERNED = ("marts.metrics_a", "marts.metrics_b", "audit.findings_c")
INTERNAL = "audit.int_internal_d"  # beside the governed tables, not declared public: never published


def write_manifest(settings: Settings, governed: tuple[str, ...], internal: tuple[str, ...] = ()) -> None:
    """The parts of a dbt manifest publication reads, where a dbt run on this home leaves it."""
    nodes = {}
    for access, relations in (("public", governed), ("protected", internal)):
        for relation in relations:
            schema, name = relation.split(".")
            nodes[f"model.insights.{schema}__{name}"] = {
                "resource_type": "model", "name": name, "alias": name, "schema": schema, "access": access,
                "config": {"access": access, "meta": {"owner": "tests"}}, "description": f"The {name} model.",
                "columns": {},
            }
    target = dbt_paths(settings, "duckdb")[0]
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}), encoding="utf-8")


def relation_rows(path: Path) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """Every table and view of a DuckDB file, internal ones aside: (schema.name, column names, rows)."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal union all "
            "select schema_name, view_name from duckdb_views() where not internal order by 1, 2"
        ).fetchall()
        for schema, name in names:
            result = con.execute(f'select * from "{schema}"."{name}"')
            found.append((f"{schema}.{name}", [d[0] for d in result.description], result.fetchall()))
    return found


@dataclass
class World:
    """The warehouse a test publishes; `write(generation)` rewrites its tables as a pipeline writer
    would (a new build id first), and the manifest declares GOVERNED (plus `govern()`ed) models public."""

    settings: Settings
    governed: list[str] = field(default_factory=lambda: list(GOVERNED))

    def govern(self, *relations: str) -> None:
        """Declare more models governed (access: public), as their YAML would."""
        self.governed += relations
        write_manifest(self.settings, tuple(self.governed), (INTERNAL,))

    def add_table(self, relation: str, select: str) -> None:
        """Build one more governed table, `create table <relation> as <select>`, beside the world's."""
        self.govern(relation)
        with duckdb.connect(str(self.warehouse)) as con:
            con.execute(f"create table {relation} as {select}")

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse

    def write(self, generation: int, rows: int = 30) -> None:
        """marts.metrics_a has rows + generation rows, the other tables fixed sizes; every row carries
        `generation`, so a reader can tell which publication each table comes from."""
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        write_manifest(self.settings, tuple(self.governed), (INTERNAL,))
        record_new_build(self.settings, f"test world generation {generation}")
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
            con.execute(f"create or replace table {INTERNAL} as select ? as example_email", [SECRET_EMAIL])

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

    @contextmanager
    def reader_session(self) -> Iterator[psycopg2.extensions.connection]:
        """A connection as the reader role, closed on the way out."""
        con = self.reader()
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def public_relation(self, kind: str, suffix: str) -> Iterator[tuple[str, psycopg2.extensions.cursor]]:
        """The name `<role>_<suffix>` of a `kind` (table, view) a test creates in the shared schema public,
        and an admin cursor to create it with; the relation is dropped on the way out."""
        name = f"{self.role}_{suffix}"
        con = self.admin()
        try:
            with con.cursor() as cur:
                yield name, cur
        finally:
            with con.cursor() as cur:
                cur.execute(sql.SQL("drop {} if exists public.{}").format(sql.SQL(kind), sql.Identifier(name)))
            con.close()

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
