"""The `raw` schema contract: one table per raw-zone stream, the bookkeeping table, the workspace tables.

Every stream table has the same shape on both targets (`payload` is JSON on DuckDB and jsonb on
Postgres), so the dbt sources and every model above them are the same SQL on both:

    payload    the record exactly as the API sent it
    dt         the partition date (folder `dt=YYYY-MM-DD`)
    hour       amplitude only: upload hour of the file (`hour=HH.jsonl.gz`)
    form_id    typeform only: the form (folder or file name `form_id=<id>`)
    _file      path of the file relative to the raw zone, e.g. amplitude/events/dt=2026-01-05/hour=13.jsonl.gz
    _line      1-based position of the record in its file
    _loaded_at when the loader inserted the row (UTC, strictly increasing between loader runs;
               incremental dbt models use it as their high-water mark)

Bookkeeping of the raw zone itself, loaded in the same transaction (docs/contracts.md):

    _loaded_files       one row per loaded file: path, sha256, rows, loaded_at
    _partitions         one row per loaded partition (a folder with a manifest): its rows, the records
                        the run that wrote it quarantined, and that run's quarantined share
    _source_watermarks  one row per source with a raw/<source>/_watermark.json: the instant (naive
                        UTC) the source is complete through; a source without the file has no row
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from insights.sources import all_streams

LOADED_FILES_TABLE = "_loaded_files"
PARTITIONS_TABLE = "_partitions"
WATERMARKS_TABLE = "_source_watermarks"
WATERMARK_NAME = "_watermark.json"


@dataclass(frozen=True)
class RawStream:
    source: str
    stream: str
    table: str
    partition_columns: tuple[str, ...]  # besides dt

    @property
    def prefix(self) -> str:
        """Folder of the stream inside the raw zone."""
        return f"{self.source}/{self.stream}"


STREAMS: tuple[RawStream, ...] = tuple(
    RawStream(spec.name, stream.stream, stream.raw_table, stream.partition_columns) for spec, stream in all_streams()
)

# Sources in raw-zone order, each once (a watermark is per source, not per stream).
SOURCES: tuple[str, ...] = tuple(dict.fromkeys(s.source for s in STREAMS))

_COLUMN_TYPES = {
    "duckdb": {"payload": "json", "text": "varchar", "timestamp": "timestamp", "double": "double"},
    "postgres": {"payload": "jsonb", "text": "text", "timestamp": "timestamp", "double": "double precision"},
}
_PARTITION_COLUMN_TYPES = {"hour": "integer", "form_id": "text"}

# Workspace config tables, reloaded from the config folder on every run: (table, [(column, type)]).
WORKSPACE_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "ws_tracking_plan_events": (
        ("event_type", "text"),
        ("feature", "text"),
        ("owner", "text"),
        ("status", "text"),
        ("counts_as_active", "boolean"),
    ),
    "ws_tracking_plan_properties": (
        ("event_type", "text"),
        ("property_name", "text"),
        ("property_type", "text"),
        ("is_required", "boolean"),
        ("allowed_values", "text"),
    ),
    "ws_tracking_plan_meta": (("naming_rule", "text"),),
    "ws_product_areas": (("area", "text"), ("team", "text"), ("pm", "text")),
    "ws_product_area_keywords": (("area", "text"), ("keyword", "text")),
    "ws_barometer_invitees": (("edition", "text"), ("pm_email", "text")),
}


def _sql_type(logical: str, target: str) -> str:
    return _COLUMN_TYPES[target].get(logical, logical)


def stream_columns(stream: RawStream) -> tuple[str, ...]:
    return ("payload", "dt", *stream.partition_columns, "_file", "_line", "_loaded_at")


def create_statements(schema: str, target: str) -> list[str]:
    """Idempotent DDL for the whole raw schema (a first run on an empty raw zone still builds)."""
    text = _sql_type("text", target)
    statements = [f"create schema if not exists {schema}"]
    for stream in STREAMS:
        partition_cols = "".join(
            f", {col} {_sql_type(_PARTITION_COLUMN_TYPES[col], target)}" for col in stream.partition_columns
        )
        statements.append(
            f"create table if not exists {schema}.{stream.table} ("
            f"payload {_sql_type('payload', target)}, dt date{partition_cols}, "
            f"_file {text}, _line integer, _loaded_at timestamp)"
        )
    statements.append(
        f"create table if not exists {schema}.{LOADED_FILES_TABLE} ("
        f"path {text} primary key, sha256 {text} not null, rows bigint not null, loaded_at timestamp not null)"
    )
    statements.append(
        f"create table if not exists {schema}.{PARTITIONS_TABLE} ("
        f"source {text} not null, stream {text} not null, partition {text} not null, "
        f"rows bigint not null, quarantined bigint not null, "
        f"run_quarantined_share {_sql_type('double', target)} not null, loaded_at timestamp not null, "
        f"primary key (source, stream, partition))"
    )
    statements.append(
        f"create table if not exists {schema}.{WATERMARKS_TABLE} ("
        f"source {text} primary key, complete_through timestamp, loaded_at timestamp not null)"
    )
    for table, columns in WORKSPACE_TABLES.items():
        cols = ", ".join(f"{name} {_sql_type(ctype, target)}" for name, ctype in columns)
        statements.append(f"create table if not exists {schema}.{table} ({cols})")
    return statements


_HIVE_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.+)$")
_DATA_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl", ".json")


class RawPathError(ValueError):
    """A raw-zone file path does not follow the layout of docs/contracts.md."""


def _hive_values(rel_path: PurePosixPath) -> dict[str, str]:
    """key=value pairs from the folder names and from the file name without its data suffix."""
    values: dict[str, str] = {}
    name = rel_path.name
    for suffix in _DATA_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    for part in (*rel_path.parts[:-1], name):
        match = _HIVE_PART.match(part)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def partition_values(stream: RawStream, rel_path: str) -> dict[str, object]:
    """The dt (and hour/form_id) of a raw file from its path, validated and typed."""
    values = _hive_values(PurePosixPath(rel_path))
    out: dict[str, object] = {}
    if "dt" not in values:
        raise RawPathError(f"{rel_path}: field 'dt': no dt=YYYY-MM-DD folder in the path")
    try:
        out["dt"] = date.fromisoformat(values["dt"])
    except ValueError as exc:
        raise RawPathError(f"{rel_path}: field 'dt': {values['dt']!r} is not a YYYY-MM-DD date") from exc
    for column in stream.partition_columns:
        if column not in values:
            raise RawPathError(f"{rel_path}: field {column!r}: no {column}=... in the path")
        raw_value = values[column]
        if _PARTITION_COLUMN_TYPES[column] == "integer":
            if not raw_value.isdigit():
                raise RawPathError(f"{rel_path}: field {column!r}: {raw_value!r} is not an integer")
            out[column] = int(raw_value)
        else:
            out[column] = raw_value
    return out
