"""Target-specific writes of raw files into the `raw` schema.

DuckDB reads the gzip files itself (`read_json_objects`, no Python row loop); Postgres gets
each file streamed through `COPY ... FROM STDIN` (bounded memory). Both give the same rows.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from insights.warehouse.manifests import Partition, RawFile
from insights.warehouse.raw_tables import (
    LOADED_FILES_TABLE,
    PARTITIONS_TABLE,
    WATERMARKS_TABLE,
    WORKSPACE_TABLES,
    RawStream,
    create_statements,
    partition_values,
)

DUCKDB_FILES_PER_STATEMENT = 256


class RawLoadError(RuntimeError):
    """A raw file could not be loaded; the message names the file, the line and the problem."""


def find_bad_record(raw_file: RawFile) -> str | None:
    """Locate the first unreadable line of a file (only called after a database error)."""
    line_no = 0
    try:
        with gzip.open(raw_file.abs_path, "rb") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    return f"{raw_file.rel_path}: line {line_no}: field 'payload': invalid JSON ({exc})"
                if not isinstance(value, dict):
                    return f"{raw_file.rel_path}: line {line_no}: field 'payload': not a JSON object"
    except (OSError, EOFError, zlib.error) as exc:
        return f"{raw_file.rel_path}: after line {line_no}: unreadable gzip ({exc})"
    return None


def _explain(files: Sequence[RawFile], exc: Exception) -> RawLoadError:
    for raw_file in files:
        problem = find_bad_record(raw_file)
        if problem:
            return RawLoadError(problem)
    names = ", ".join(f.rel_path for f in files[:5])
    return RawLoadError(f"loading {len(files)} file(s) ({names}{', ...' if len(files) > 5 else ''}) failed: {exc}")


class RawWriter:
    """Common bookkeeping; subclasses implement the SQL dialect and the bulk insert."""

    placeholder = "?"

    def __init__(self, con: Any, schema: str, target: str) -> None:
        self.con = con
        self.schema = schema
        self.target = target

    # -- plumbing -------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        raise NotImplementedError

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def begin(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def _in_list_param(self) -> str:
        """SQL fragment testing membership in a list bound as one parameter."""
        raise NotImplementedError

    # -- schema and bookkeeping ------------------------------------------------------------------
    def ensure_schema(self) -> None:
        for statement in create_statements(self.schema, self.target):
            self.execute(statement)

    def loaded_files(self, prefix: str) -> dict[str, str]:
        rows = self.fetchall(
            f"select path, sha256 from {self.schema}.{LOADED_FILES_TABLE} where path like {self.placeholder}",
            [prefix + "/%"],
        )
        return {path: sha for path, sha in rows}

    def last_loaded_at(self) -> datetime | None:
        rows = self.fetchall(f"select max(loaded_at) from {self.schema}.{LOADED_FILES_TABLE}")
        return rows[0][0] if rows else None

    def forget_files(self, table: str, paths: Sequence[str]) -> int:
        """Delete the rows of these files and their bookkeeping; returns the rows deleted."""
        if not paths:
            return 0
        in_list = self._in_list_param()
        before = self.fetchall(f"select count(*) from {self.schema}.{table} where _file {in_list}", [list(paths)])
        self.execute(f"delete from {self.schema}.{table} where _file {in_list}", [list(paths)])
        self.execute(f"delete from {self.schema}.{LOADED_FILES_TABLE} where path {in_list}", [list(paths)])
        return int(before[0][0])

    def record_files(self, files: Sequence[RawFile], loaded_at: datetime) -> None:
        p = self.placeholder
        for raw_file in files:
            self.execute(
                f"insert into {self.schema}.{LOADED_FILES_TABLE} (path, sha256, rows, loaded_at) "
                f"values ({p}, {p}, {p}, {p})",
                [raw_file.rel_path, raw_file.sha256, raw_file.rows, loaded_at],
            )

    def partition_counts(self, source: str, stream: str) -> dict[str, tuple[int, int, float]]:
        """Loaded partitions of a stream: partition -> (rows, quarantined, run_quarantined_share)."""
        p = self.placeholder
        rows = self.fetchall(
            f"select partition, rows, quarantined, run_quarantined_share from {self.schema}.{PARTITIONS_TABLE} "
            f"where source = {p} and stream = {p}",
            [source, stream],
        )
        return {partition: (int(n), int(q), float(share)) for partition, n, q, share in rows}

    def record_partition(self, source: str, stream: str, partition: Partition, loaded_at: datetime) -> None:
        p = self.placeholder
        key = [source, stream, partition.partition]
        self.execute(
            f"delete from {self.schema}.{PARTITIONS_TABLE} where source = {p} and stream = {p} and partition = {p}",
            key,
        )
        self.execute(
            f"insert into {self.schema}.{PARTITIONS_TABLE} "
            f"(source, stream, partition, rows, quarantined, run_quarantined_share, loaded_at) "
            f"values ({p}, {p}, {p}, {p}, {p}, {p}, {p})",
            [*key, partition.rows, partition.quarantined, partition.run_quarantined_share, loaded_at],
        )

    def watermarks(self) -> dict[str, datetime | None]:
        rows = self.fetchall(f"select source, complete_through from {self.schema}.{WATERMARKS_TABLE}")
        return {source: complete_through for source, complete_through in rows}

    def set_watermark(self, source: str, complete_through: datetime | None, loaded_at: datetime) -> None:
        p = self.placeholder
        self.forget_watermark(source)
        self.execute(
            f"insert into {self.schema}.{WATERMARKS_TABLE} (source, complete_through, loaded_at) "
            f"values ({p}, {p}, {p})",
            [source, complete_through, loaded_at],
        )

    def forget_watermark(self, source: str) -> None:
        self.execute(f"delete from {self.schema}.{WATERMARKS_TABLE} where source = {self.placeholder}", [source])

    def replace_workspace_table(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = [name for name, _ in WORKSPACE_TABLES[table]]
        self.execute(f"delete from {self.schema}.{table}")
        if not rows:
            return
        values = ", ".join([self.placeholder] * len(columns))
        sql = f"insert into {self.schema}.{table} ({', '.join(columns)}) values ({values})"
        for row in rows:
            self.execute(sql, list(row))

    # -- bulk load --------------------------------------------------------------------------------
    def insert_files(self, stream: RawStream, files: Sequence[RawFile], loaded_at: datetime) -> dict[str, int]:
        """Insert every record of `files`; returns rows inserted per file (rel_path)."""
        raise NotImplementedError


class DuckDBRawWriter(RawWriter):
    placeholder = "?"

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def begin(self) -> None:
        self.con.begin()

    def _in_list_param(self) -> str:
        return "in (select unnest(?::varchar[]))"

    def insert_files(self, stream: RawStream, files: Sequence[RawFile], loaded_at: datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for start in range(0, len(files), DUCKDB_FILES_PER_STATEMENT):
            batch = files[start : start + DUCKDB_FILES_PER_STATEMENT]
            try:
                counts.update(self._insert_batch(stream, batch, loaded_at))
            except RawLoadError:
                raise
            except Exception as exc:  # duckdb raises several error classes for bad input
                raise _explain(batch, exc) from exc
        return counts

    def _insert_batch(self, stream: RawStream, batch: Sequence[RawFile], loaded_at: datetime) -> dict[str, int]:
        pcols = stream.partition_columns
        target_cols = ", ".join(("payload", "dt", *pcols, "_file", "_line", "_loaded_at"))
        placeholders = ", ".join("?" for _ in pcols)
        counts: dict[str, int] = {}
        # One statement per file: `with ordinality` is then the line number itself. Numbering many
        # files at once needed a window over all their rows (partition by filename), which held the
        # whole batch, payloads included, in memory (GBs at a million events a day).
        for raw_file in batch:
            meta = partition_values(stream, raw_file.rel_path)
            path_literal = "'" + str(raw_file.abs_path).replace("'", "''") + "'"
            self.execute(
                f"insert into {self.schema}.{stream.table} ({target_cols}) "
                f"select o.json, ?{', ' + placeholders if pcols else ''}, ?, cast(o.ordinality as integer), ? "
                f"from read_json_objects({path_literal}, format = 'newline_delimited', "
                f"hive_partitioning = false) with ordinality as o",
                [meta["dt"], *[meta[c] for c in pcols], raw_file.rel_path, loaded_at],
            )
            counts[raw_file.rel_path] = 0
        rows = self.fetchall(
            f"select _file, count(*) from {self.schema}.{stream.table} "
            f"where _loaded_at = ? and _file in (select unnest(?::varchar[])) group by _file",
            [loaded_at, [f.rel_path for f in batch]],
        )
        counts.update({path: int(n) for path, n in rows})
        return counts


def _copy_escape(value: bytes) -> bytes:
    """Escape for COPY's text format (backslash first)."""
    return value.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n").replace(b"\r", b"\\r")


class _CopyStream:
    """File-like object feeding COPY one encoded row at a time (bounded memory)."""

    def __init__(self, rows: Iterator[bytes]) -> None:
        self._rows = rows
        self._buffer = bytearray()
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            try:
                self._buffer += next(self._rows)
            except StopIteration:
                self._done = True
        if size < 0:
            size = len(self._buffer)
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def readline(self, size: int = -1) -> bytes:  # psycopg2 only calls read(); kept for file protocol
        return self.read(size)


_COPY_LINE = re.compile(r"COPY \w+, line (\d+)")


class PostgresRawWriter(RawWriter):
    placeholder = "%s"

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        with self.con.cursor() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def begin(self) -> None:
        """psycopg2 opens a transaction implicitly on the first statement."""

    def _in_list_param(self) -> str:
        return "= any(%s)"

    def insert_files(self, stream: RawStream, files: Sequence[RawFile], loaded_at: datetime) -> dict[str, int]:
        pcols = stream.partition_columns
        target_cols = ", ".join(("payload", "dt", *pcols, "_file", "_line", "_loaded_at"))
        sql = f"copy {self.schema}.{stream.table} ({target_cols}) from stdin"
        counts = {}
        for raw_file in files:
            meta = partition_values(stream, raw_file.rel_path)
            fixed = [str(meta["dt"]), *[str(meta[c]) for c in pcols]]
            prefix = ("\t" + "\t".join(fixed) + "\t").encode()
            suffix = ("\t" + loaded_at.isoformat(sep=" ") + "\n").encode()
            path_field = _copy_escape(raw_file.rel_path.encode())
            rows = self._rows(raw_file.abs_path, prefix + path_field, suffix)
            with self.con.cursor() as cur:
                try:
                    cur.copy_expert(sql, _CopyStream(rows))
                except Exception as exc:
                    problem = find_bad_record(raw_file)
                    if problem is None:
                        diag = getattr(exc, "diag", None)
                        context = getattr(diag, "context", None) or ""
                        match = _COPY_LINE.search(context)
                        line = f"line {match.group(1)}: " if match else ""
                        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                        problem = f"{raw_file.rel_path}: {line}field 'payload': {first}"
                    raise RawLoadError(problem) from exc
                counts[raw_file.rel_path] = cur.rowcount
        return counts

    @staticmethod
    def _rows(path: Path, before_line_no: bytes, after_line_no: bytes) -> Iterator[bytes]:
        with gzip.open(path, "rb") as handle:
            record = 0
            for line in handle:
                body = line.rstrip(b"\r\n")
                if not body.strip():
                    continue
                record += 1
                yield _copy_escape(body) + before_line_no + b"\t" + str(record).encode() + after_line_no


def make_writer(con: Any, schema: str, target: str) -> RawWriter:
    return DuckDBRawWriter(con, schema, target) if target == "duckdb" else PostgresRawWriter(con, schema, target)
