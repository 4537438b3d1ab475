"""One field schema per raw stream, read from the dbt sources YAML, driving three layers.

Each stream's fields are declared once, in ``include/insights/sources/<source>/staging/_<source>__sources.yml``
under the ``payload`` column's ``config.meta.fields``: JSON path, logical type (string, integer,
number, boolean, timestamp in a vendor format, object, array), whether the key is required and
whether JSON null is allowed, accepted values, and the staging column. From that one list:

- the landing validation (``StreamSchema.validate``, and the DuckDB check of the Amplitude fast
  path, ``StreamSchema.duckdb_conditions``): a record the warehouse could not cast is quarantined;
- the staging casts (the dbt macros in ``dbt_project/macros/record_schema.sql`` read the same meta);
- the raw Great Expectations suites (built from it and each source's ``raw_suites.py`` when the gate loads them).

Rules, the same in the three layers:
- ``<name>_present`` (required fields): the key is missing, or null where null is not allowed;
- ``<name>_type`` / ``<name>_format`` (timestamps): a non-null value of the wrong JSON type or, for
  a timestamp, not in the vendor's format (or not a real instant: 2026-13-45); a null where null is
  not allowed on an optional field;
- ``<name>_accepted``: a string value outside the accepted list.
A key absent from a nested path (its parent missing, null or not an object) is absent.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from insights.sources import all_streams, source_spec

LOGICAL_TYPES = ("string", "integer", "number", "boolean", "timestamp", "object", "array")
# Integers the warehouse stores (bigint on both databases).
INT64 = (-(2**63), 2**63 - 1)
# (source, stream) -> dbt source table name, from the source specs.
STREAMS: dict[tuple[str, str], str] = {(spec.name, stream.stream): stream.dbt_table for spec, stream in all_streams()}


class SchemaError(ValueError):
    """The schema YAML is malformed; the message names the file, the field entry and the key."""


_DATE = r"[1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"


@dataclass(frozen=True)
class TimestampFormat:
    """A vendor's timestamp spelling: one regex for Python, DuckDB (RE2) and GX alike. The regex bounds
    every part (month 01-12, hour 00-23...); a day past the 28th is also checked as a real date."""

    name: str
    regex: str
    example: str
    duckdb_type: str  # what DuckDB casts the text to (timestamptz for a spelling with a zone)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.regex)

    def parse(self, text: str) -> datetime | None:
        if self.pattern.fullmatch(text) is None:
            return None
        try:
            return datetime.fromisoformat(text)  # the regex fixed the spelling; this checks the date
        except ValueError:
            return None

    def duckdb_condition(self, text: str) -> str:
        """True for a text in this format that is a real instant (only days 29-31 need the cast)."""
        return (
            f"regexp_full_match({text}, '{self.regex}')"
            f" and (substr({text}, 9, 2) <= '28' or try_cast({text} as {self.duckdb_type}) is not null)"
        )


TIMESTAMP_FORMATS = {
    "amplitude": TimestampFormat(  # UTC without a zone: 2026-01-05 13:45:12.123456
        "amplitude", f"^{_DATE} {_TIME}$", "YYYY-MM-DD HH:MM:SS[.ffffff]", "timestamp"
    ),
    "iso8601_utc": TimestampFormat(  # Zendesk and Typeform: 2026-01-05T10:38:52Z
        "iso8601_utc", f"^{_DATE}T{_TIME}Z$", "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", "timestamptz"
    ),
}

# JSON types as DuckDB's json_type() names them, per logical type (what the fast path and GX accept).
DUCKDB_JSON_TYPES = {
    "string": ("VARCHAR",),
    "integer": ("BIGINT", "UBIGINT"),  # positive integers read as UBIGINT; range checked on the text
    "number": ("BIGINT", "UBIGINT", "DOUBLE"),
    "boolean": ("BOOLEAN",),
    "timestamp": ("VARCHAR",),
    "object": ("OBJECT",),
    "array": ("ARRAY",),
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}.get(
        type(value), "an object"
    )


_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


@dataclass(frozen=True)
class Field:
    name: str  # snake_case: the rules are <name>_present, <name>_type, <name>_format, <name>_accepted
    path: tuple[str, ...]  # keys from the top of the record
    type: str
    required: bool = False  # the key must be there
    nullable: bool = True  # JSON null is allowed
    format: TimestampFormat | None = None
    accepted: tuple[str, ...] = ()
    column: str = ""  # the staging column (default: name)
    description: str = ""

    @property
    def key(self) -> str:
        """The field as quarantine records and messages name it: ``uuid``, ``metric_set.solved_at``."""
        return ".".join(self.path)

    @property
    def value_rule(self) -> str:
        return f"{self.name}_format" if self.type == "timestamp" else f"{self.name}_type"

    def rules(self) -> list[str]:
        rules = [f"{self.name}_present"] if self.required else []
        rules.append(self.value_rule)
        if self.accepted:
            rules.append(f"{self.name}_accepted")
        return rules

    def expected(self) -> str:
        if self.format is not None:
            return f"a timestamp {self.format.example}"
        return _EXPECTED[self.type]

    def check(self, record: Any) -> str | None:
        """The problem of this field in ``record`` (a dict), or None."""
        value: Any = record
        for key in self.path:
            if not isinstance(value, dict) or key not in value:
                return f"missing required key {self.key!r}" if self.required else None
            value = value[key]
        if value is None:
            if self.nullable:
                return None
            return f"required key {self.key!r} is null, expected {self.expected()}" if self.required else (
                f"key {self.key!r} is null, expected {self.expected()}"
            )
        problem = _VALUE_CHECKS[self.type](self, value)
        if problem is None and self.accepted and value not in self.accepted:
            return f"key {self.key!r} is {value!r}, not one of {', '.join(self.accepted)}"
        return problem


def _check_string(field: Field, value: Any) -> str | None:
    return None if isinstance(value, str) else f"key {field.key!r} is {_json_type(value)}, expected a string"


def _check_integer(field: Field, value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"key {field.key!r} is {_json_type(value)}, expected an integer"
    if not INT64[0] <= value <= INT64[1]:
        return f"key {field.key!r} is {value}, outside the 64-bit integers the warehouse stores"
    return None


def _check_number(field: Field, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"key {field.key!r} is {_json_type(value)}, expected a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"key {field.key!r} is {value}, not a finite number"
    return None


def _check_boolean(field: Field, value: Any) -> str | None:
    return None if isinstance(value, bool) else f"key {field.key!r} is {_json_type(value)}, expected a boolean"


def _check_timestamp(field: Field, value: Any) -> str | None:
    assert field.format is not None
    if not isinstance(value, str):
        return f"key {field.key!r} is {_json_type(value)}, expected a timestamp {field.format.example}"
    if field.format.parse(value) is None:
        return f"key {field.key!r} is {value[:60]!r}, not a timestamp {field.format.example}"
    return None


def _check_object(field: Field, value: Any) -> str | None:
    return None if isinstance(value, dict) else f"key {field.key!r} is {_json_type(value)}, expected an object"


def _check_array(field: Field, value: Any) -> str | None:
    return None if isinstance(value, list) else f"key {field.key!r} is {_json_type(value)}, expected an array"


_VALUE_CHECKS: dict[str, Callable[[Field, Any], str | None]] = {
    "string": _check_string,
    "integer": _check_integer,
    "number": _check_number,
    "boolean": _check_boolean,
    "timestamp": _check_timestamp,
    "object": _check_object,
    "array": _check_array,
}


@dataclass(frozen=True)
class StreamSchema:
    source: str
    stream: str
    path: Path  # the YAML it was read from
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def validate(self, record: Any) -> tuple[str, str] | None:
        """First problem of ``record`` as (reason, field key), or None: the landing validator.

        Only the declared fields are looked at: new fields (schema drift) pass through untouched.
        """
        if not isinstance(record, dict):
            return (f"record is {_json_type(record)}, not an object", "")
        for field in self.fields:
            problem = field.check(record)
            if problem is not None:
                return (problem, field.key)
        return None

    def duckdb_conditions(self, types: str, texts: str) -> tuple[list[list[str]], list[list[str]], str]:
        """The fast-path check in DuckDB SQL: (type paths, text paths, condition true for a valid record).

        ``types``/``texts`` name the lists ``json_type(json, <type paths>)`` and
        ``json_extract_string(json, <text paths>)``; the condition uses them 1-based.
        """
        type_paths = [list(f.path) for f in self.fields]
        text_fields = [f for f in self.fields if f.type in ("timestamp", "integer") or f.accepted]
        text_paths = [list(f.path) for f in text_fields]
        conditions = []
        for index, field in enumerate(self.fields, start=1):
            kind = f"{types}[{index}]"
            allowed = ", ".join(f"'{t}'" for t in DUCKDB_JSON_TYPES[field.type])
            value_ok = f"{kind} in ({allowed})"
            if field in text_fields:
                text = f"{texts}[{text_fields.index(field) + 1}]"
                if field.type == "integer":
                    value_ok += f" and try_cast({text} as bigint) is not null"
                if field.format is not None:
                    value_ok += f" and {field.format.duckdb_condition(text)}"
                if field.accepted:
                    value_ok += f" and {text} in ({', '.join(sql_literal(v) for v in field.accepted)})"
            options = [f"({value_ok})"]
            if not field.required:
                options.append(f"{kind} is null")
            if field.nullable:
                options.append(f"{kind} = 'NULL'")
            conditions.append("(" + " or ".join(options) + ")")
        return type_paths, text_paths, " and ".join(conditions) or "true"


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_json_path(path: tuple[str, ...] | list[str]) -> str:
    """``$."a"."b"``: keys quoted, so ``$insert_id`` and dotted keys stay one key."""
    for key in path:
        if any(c in key for c in "\"'\\"):
            raise SchemaError(f"JSON key {key!r} holds a quote or backslash: not supported in SQL paths")
    return "$" + "".join(f'."{key}"' for key in path)


def sources_yaml(source: str, sources_root: Path | None = None) -> Path:
    """The source's dbt sources YAML, in its folder's staging/ (``sources_root``: another folder laid out
    like include/insights/sources, e.g. a test's copy)."""
    if sources_root is None:
        return source_spec(source).sources_yml
    return sources_root / source / "staging" / f"_{source}__sources.yml"


def _field(path: Path, where: str, entry: Any) -> Field:
    if not isinstance(entry, Mapping):
        raise SchemaError(f"{path}: {where}: expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - {"name", "path", "type", "required", "nullable", "format", "accepted", "column",
                            "description"}
    if unknown:
        raise SchemaError(f"{path}: {where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise SchemaError(f"{path}: {where}: field 'name': expected a snake_case name, got {name!r}")
    where = f"{where} ({name})"
    keys = entry.get("path")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise SchemaError(f"{path}: {where}: field 'path': expected a list of keys, got {keys!r}")
    kind = entry.get("type")
    if kind not in LOGICAL_TYPES:
        raise SchemaError(f"{path}: {where}: field 'type': expected one of {', '.join(LOGICAL_TYPES)}, got {kind!r}")
    fmt = entry.get("format")
    if (kind == "timestamp") != (fmt is not None):
        raise SchemaError(f"{path}: {where}: field 'format': a timestamp needs one of "
                          f"{', '.join(TIMESTAMP_FORMATS)}, other types none (got {fmt!r})")
    if fmt is not None and fmt not in TIMESTAMP_FORMATS:
        formats = ", ".join(TIMESTAMP_FORMATS)
        raise SchemaError(f"{path}: {where}: field 'format': expected one of {formats}, got {fmt!r}")
    accepted = entry.get("accepted") or []
    strings = isinstance(accepted, list) and all(isinstance(v, str) for v in accepted)
    if not strings or (accepted and kind != "string"):
        raise SchemaError(f"{path}: {where}: field 'accepted': expected a list of strings on a string field")
    for flag in ("required", "nullable"):
        if not isinstance(entry.get(flag, False), bool):
            raise SchemaError(f"{path}: {where}: field {flag!r}: expected true or false, got {entry[flag]!r}")
    duckdb_json_path(keys)
    return Field(
        name=name,
        path=tuple(keys),
        type=kind,
        required=entry.get("required", False),
        nullable=entry.get("nullable", not entry.get("required", False)),
        format=TIMESTAMP_FORMATS[fmt] if fmt else None,
        accepted=tuple(accepted),
        column=entry.get("column") or name,
        description=entry.get("description") or "",
    )


def read_stream_schema(source: str, stream: str, sources_root: Path | None = None) -> StreamSchema:
    """The fields of one stream, from its dbt sources YAML (``payload`` column, ``config.meta.fields``)."""
    table_name = STREAMS.get((source, stream))
    if table_name is None:
        raise ValueError(f"no schema for stream {source}/{stream}; known: {', '.join('/'.join(k) for k in STREAMS)}")
    path = sources_yaml(source, sources_root)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: unreadable: {exc}") from exc
    tables = [t for s in doc.get("sources", []) if s.get("name") == source for t in s.get("tables", [])]
    table = next((t for t in tables if t.get("name") == table_name), None)
    if table is None:
        raise SchemaError(f"{path}: no table {table_name!r} in source {source!r}")
    payload = next((c for c in table.get("columns", []) if c.get("name") == "payload"), None)
    meta = ((payload or {}).get("config") or {}).get("meta") or {}
    entries = meta.get("fields")
    if not isinstance(entries, list) or not entries:
        raise SchemaError(f"{path}: table {table_name!r}, column 'payload': no config.meta.fields list")
    fields = tuple(_field(path, f"table {table_name!r}, fields[{i}]", e) for i, e in enumerate(entries))
    names = [f.name for f in fields]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SchemaError(f"{path}: table {table_name!r}: field name(s) declared twice: {', '.join(duplicated)}")
    return StreamSchema(source, stream, path, fields)


@functools.cache
def stream_schema(source: str, stream: str) -> StreamSchema:
    """The project's schema of a stream (read once per process)."""
    return read_stream_schema(source, stream)
