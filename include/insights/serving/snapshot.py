"""The read-only DuckDB snapshot BI readers open, built in a new file and swapped in atomically.

DuckDB allows one writer per file and a writer blocks read-only opens, so readers never
open the warehouse: they open this copy. It is written next to its final path under a
temporary name, checked, then `os.replace`d over the previous snapshot. A reader who has
the old file open keeps reading it (the old inode lives until closed); the next open sees
the new file, whole. Written with STORAGE_VERSION v1.4.0 so DuckDB 1.4/1.5 drivers (most
BI tools' JDBC/ODBC drivers) can read it.

Layout: the governed tables keep their warehouse names (`marts.*`, `audit.*`), and the
serving schema (default `analytics`) holds a view per table plus `_publication` (version,
build id and gate run of the publication), so the same SQL runs on this file and on the
Postgres serving schema.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import duckdb

from insights.serving.errors import PublishError
from insights.serving.metadata import TableDocs, table_comment
from insights.serving.tables import PUBLICATION_TABLE, PublishedTable, quote

STORAGE_VERSION = "v1.4.0"
TEMP_SUFFIX = ".next"
WAREHOUSE_ALIAS = "wh"
SNAPSHOT_ALIAS = "snap"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def temp_path(snapshot: Path) -> Path:
    """A new file in the snapshot's folder (same file system, so the final rename is atomic)."""
    return snapshot.with_name(f".{snapshot.name}.{os.getpid()}-{uuid4().hex[:8]}{TEMP_SUFFIX}")


def remove_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            leftover.unlink()


def remove_stale_temps(snapshot: Path, log: logging.Logger) -> None:
    """Temporary files of a publication that crashed (the caller holds the publication lock)."""
    for stale in snapshot.parent.glob(f".{snapshot.name}.*{TEMP_SUFFIX}*"):
        log.warning("removing %s, left by an interrupted publication", stale)
        with suppress(FileNotFoundError):
            stale.unlink()


@contextmanager
def open_warehouse(warehouse: Path) -> Iterator[Any]:
    """An in-memory DuckDB session with the warehouse attached read-only as `wh`.

    Read-only attach works while other readers have the file open, and fails at once (with a
    clear error) while a build is writing it.
    """
    if not warehouse.is_file():
        raise PublishError(f"{warehouse}: no warehouse file; run the warehouse build first")
    con = duckdb.connect()
    try:
        try:
            con.execute(f"attach {_literal(str(warehouse))} as {WAREHOUSE_ALIAS} (read_only)")
        except duckdb.IOException as exc:
            raise PublishError(
                f"{warehouse}: cannot open the warehouse read-only ({exc}); a build is probably writing it. "
                "Publish after the build and the quality gate have finished"
            ) from exc
        yield con
    finally:
        con.close()


def previous_version(snapshot: Path, log: logging.Logger) -> int:
    """Version of the current snapshot, 0 when there is none (or it cannot be read)."""
    if not snapshot.is_file():
        return 0
    try:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            schemas = con.execute(
                "select t.schema_name from duckdb_tables() as t where t.table_name = ?", [PUBLICATION_TABLE]
            ).fetchall()
            versions = [
                con.execute(f"select max(p.version) from {quote(s)}.{quote(PUBLICATION_TABLE)} as p")
                .fetchone()[0]
                for (s,) in schemas
            ]
    except duckdb.Error as exc:
        log.warning("%s: cannot read the previous publication's version (%s); counting from 0", snapshot, exc)
        return 0
    return max((int(v) for v in versions if v is not None), default=0)


def build_snapshot(
    con: Any,
    destination: Path,
    tables: Sequence[PublishedTable],
    serving_schema: str,
    version: int,
    published_at: datetime,
    docs: dict[tuple[str, str], TableDocs],
    *,
    build_id: str | None = None,
    gate_run_id: str | None = None,
) -> dict[str, int]:
    """Copy `tables` from the attached warehouse into the new file `destination`; row counts by relation.

    `_publication` records the warehouse build the tables come from and the gate run that passed it.
    The file is complete and checkpointed (no WAL beside it) when this returns.
    """
    con.execute(
        f"attach {_literal(str(destination))} as {SNAPSHOT_ALIAS} (storage_version '{STORAGE_VERSION}')"
    )
    snap, wh = SNAPSHOT_ALIAS, WAREHOUSE_ALIAS
    counts: dict[str, int] = {}
    try:
        for schema in sorted({t.schema for t in tables} | {serving_schema}):
            con.execute(f"create schema {snap}.{quote(schema)}")
        for table in tables:
            columns = ", ".join(quote(c.name) for c in table.columns)
            source = f"{wh}.{quote(table.schema)}.{quote(table.name)}"
            target = f"{snap}.{quote(table.schema)}.{quote(table.name)}"
            con.execute(f"create table {target} as select {columns} from {source}")
            counts[table.relation] = con.execute(f"select count(*) from {target}").fetchone()[0]
            # Resolved inside the snapshot's own catalog, so the view works when the file is opened alone.
            con.execute(
                f"create view {snap}.{quote(serving_schema)}.{quote(table.name)} as "
                f"select {columns} from {quote(table.schema)}.{quote(table.name)}"
            )
            _comment(con, target, f"{snap}.{quote(serving_schema)}.{quote(table.name)}", table, version,
                     docs.get((table.schema, table.name)))
        publication = f"{snap}.{quote(serving_schema)}.{quote(PUBLICATION_TABLE)}"
        con.execute(
            f"create table {publication} (version bigint, published_at timestamp with time zone, "
            "table_name varchar, source_relation varchar, row_count bigint, build_id varchar, gate_run_id varchar)"
        )
        con.executemany(
            f"insert into {publication} values (?, ?, ?, ?, ?, ?, ?)",
            [[version, published_at, t.name, t.relation, counts[t.relation], build_id, gate_run_id]
             for t in tables],
        )
    finally:
        con.execute(f"detach {snap}")  # checkpoints: the file is whole and has no WAL
    return counts


def _comment(con: Any, table_ref: str, view_ref: str, table: PublishedTable, version: int,
             docs: TableDocs | None) -> None:
    text = _literal(table_comment(docs, table.relation, version))
    con.execute(f"comment on table {table_ref} is {text}")
    con.execute(f"comment on view {view_ref} is {text}")
    for column, description in (docs.columns.items() if docs else ()):
        if any(c.name == column for c in table.columns):
            con.execute(f"comment on column {table_ref}.{quote(column)} is {_literal(description)}")


def verify_snapshot(path: Path, serving_schema: str, expected: dict[str, int], version: int,
                    build_id: str | None = None) -> None:
    """Re-open the new file read-only, as a reader will, and check every table and view is whole,
    and that it states the version and build it was made from."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            for relation, rows in expected.items():
                schema, name = relation.split(".", 1)
                got = con.execute(f"select count(*) from {quote(schema)}.{quote(name)}").fetchone()[0]
                view = f"{quote(serving_schema)}.{quote(name)}"
                via_view = con.execute(f"select count(*) from {view}").fetchone()[0]
                if got != rows or via_view != rows:
                    raise PublishError(f"{path}: {relation} has {got} rows ({via_view} via the view), "
                                       f"expected {rows}; the snapshot was not swapped in")
            publication = f"{quote(serving_schema)}.{quote(PUBLICATION_TABLE)}"
            stored = con.execute(
                f"select min(p.version), max(p.version) from {publication} as p"
            ).fetchone()
            builds = {row[0] for row in con.execute(f"select distinct p.build_id from {publication} as p").fetchall()}
    except duckdb.Error as exc:
        raise PublishError(
            f"{path}: the new snapshot cannot be read back ({exc}); it was not swapped in"
        ) from exc
    if stored != (version, version):
        raise PublishError(f"{path}: publication version {stored}, expected {version}; not swapped in")
    if builds != {build_id}:
        raise PublishError(f"{path}: build id(s) {sorted(map(str, builds))}, expected {build_id}; not swapped in")


def swap_in(new_file: Path, snapshot: Path) -> None:
    """Atomically replace the published snapshot, then make the rename durable."""
    os.replace(new_file, snapshot)
    dir_fd = os.open(snapshot.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
