"""The warehouse's build id: what the quality gate validated, and what publication may copy.

Every writer of the DuckDB warehouse (the raw load, each dbt invocation that can write, the
hygiene recording) records a new build id *before* it changes anything, under the warehouse
lock. So the id names one state of the file: a gate that read build id B validated exactly what
the file holds as long as its id is still B, and a writer that crashes half-way (a SIGKILL in
the middle of `dbt build`) has already moved the id on, so nothing the gate passed earlier can be
published over its half-written tables.

The ids live in the warehouse itself (`meta.builds`, one row per write, newest = highest seq),
so a copied warehouse keeps its id and no side file can disagree with the data.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import duckdb

from insights.settings import Settings

SCHEMA = "meta"
TABLE = "builds"
RELATION = f"{SCHEMA}.{TABLE}"
# dbt commands that never write the warehouse; any other (build, run, seed, snapshot, test,
# run-operation, ...) records a new build id first.
READ_ONLY_DBT_COMMANDS = frozenset({"parse", "ls", "list", "compile", "debug", "deps", "clean", "docs", "show"})

_log = logging.getLogger("insights.warehouse.build_id")


class BuildIdError(RuntimeError):
    """The new build id could not be recorded; the write that needed it did not start."""


def new_build_id(now: datetime | None = None) -> str:
    """Sortable by time, unique by its random tail: b-20261105T031522Z-1f3a9c2e."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"b-{moment:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def dbt_command_writes(args: tuple[str, ...] | list[str]) -> bool:
    """Whether `dbt <args>` may write the warehouse (an unknown command counts as a writer)."""
    command = next((a for a in args if not a.startswith("-")), "")
    return command not in READ_ONLY_DBT_COMMANDS


def record_new_build(settings: Settings, writer: str, log: logging.Logger | None = None) -> str:
    """Give the warehouse a new build id before `writer` changes it; returns the id.

    The caller holds the warehouse lock. Creates the warehouse file when there is none yet (the
    first load would). Raises BuildIdError when the file cannot be opened for writing.
    """
    log = log or _log
    build_id = new_build_id()
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(settings.warehouse))
    except duckdb.Error as exc:
        raise BuildIdError(
            f"{settings.warehouse}: cannot open the warehouse to record a new build id before {writer} "
            f"({exc}); nothing was written"
        ) from exc
    try:
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(
            f"create table if not exists {RELATION} (seq bigint not null, build_id varchar not null, "
            "started_at timestamp with time zone not null, writer varchar not null, pid integer not null)"
        )
        con.execute(
            f"insert into {RELATION} select coalesce(max(b.seq), 0) + 1, ?, ?, ?, ? from {RELATION} as b",
            [build_id, datetime.now(UTC), writer, os.getpid()],
        )
        con.execute("commit")
    finally:
        con.close()
    log.debug("warehouse build id %s (%s)", build_id, writer)
    return build_id


def current_build_id(con: Any, catalog: str | None = None) -> str | None:
    """The warehouse's current build id, read on `con` (the warehouse attached as `catalog`, or
    opened directly); None when no pipeline writer has recorded one yet."""
    prefix = f"{catalog}." if catalog else ""
    # fetchall: DuckDB refuses other work on a connection with a result left unfinished
    ((exists,),) = con.execute(
        "select count(*) from duckdb_tables() as t where t.schema_name = ? and t.table_name = ?"
        + (" and t.database_name = ?" if catalog else ""),
        [SCHEMA, TABLE, *([catalog] if catalog else [])],
    ).fetchall()
    if not exists:
        return None
    rows = con.execute(f"select b.build_id from {prefix}{RELATION} as b order by b.seq desc limit 1").fetchall()
    return str(rows[0][0]) if rows else None
