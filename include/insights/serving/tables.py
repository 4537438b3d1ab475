"""Which warehouse tables are published, and their columns with the Postgres type of each.

Only governed models (declared `access: public`, see insights.serving.governance) of the
schemas `marts` and `audit` are ever read: raw and staging data, and the internals beside the
marts, hold e-mail addresses, raw properties and free text. Their columns are discovered in
the warehouse (the marts are built by dbt and change over time), and every column type is
checked up front so a publication never fails halfway on a type neither serving target can
hold faithfully.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from insights.serving.errors import PublishError

PUBLISHED_SCHEMAS = ("marts", "audit")
PUBLICATION_TABLE = "_publication"
_MAX_PG_NAME = 63

# DuckDB type (as duckdb_columns() spells it) -> Postgres type. Unsigned integers widen to
# the next signed type; anything nested (lists, structs, maps, unions) or binary is refused.
_PG_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "UTINYINT": "smallint",
    "SMALLINT": "smallint",
    "USMALLINT": "integer",
    "INTEGER": "integer",
    "UINTEGER": "bigint",
    "BIGINT": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "HUGEINT": "numeric(39, 0)",
    "UHUGEINT": "numeric(39, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIME WITH TIME ZONE": "timetz",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp(0)",
    "TIMESTAMP_MS": "timestamp(3)",
    "TIMESTAMP_NS": "timestamp",  # Postgres keeps microseconds: nanoseconds are rounded
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "jsonb",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def postgres_type(duckdb_type: str) -> str | None:
    """The Postgres type holding this DuckDB type faithfully, or None when there is none."""
    name = duckdb_type.strip().upper()
    if name in _PG_TYPES:
        return _PG_TYPES[name]
    decimal = _DECIMAL.match(name)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    if name.startswith("ENUM("):
        return "text"
    return None


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str
    pg_type: str


@dataclass(frozen=True)
class PublishedTable:
    schema: str  # marts or audit, in the warehouse and in the snapshot
    name: str  # also its name in the flat serving schema
    columns: tuple[Column, ...]

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def quote(identifier: str) -> str:
    """A DuckDB (and SQL standard) quoted identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def discover_tables(
    con: Any, catalog: str, source: str, governed: Collection[tuple[str, str]]
) -> list[PublishedTable]:
    """The tables and views of `catalog` that are `governed` ((schema, name) pairs), checked for publication.

    `source` names the warehouse file in error messages. A governed model the warehouse does
    not hold is simply absent from the result (the caller reports it).
    """
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    rows = con.execute(
        f"""
        select c.schema_name as schema_name, c.table_name as table_name, c.column_name as column_name,
               c.data_type as data_type
        from duckdb_columns() as c
        where c.database_name = ? and c.schema_name in ({placeholders})
        order by c.schema_name, c.table_name, c.column_index
        """,
        [catalog, *PUBLISHED_SCHEMAS],
    ).fetchall()
    grouped: dict[tuple[str, str], list[Column]] = {}
    problems: list[str] = []
    for schema, table, column, data_type in rows:
        if (schema, table) not in governed:
            continue
        pg_type = postgres_type(data_type)
        if pg_type is None:
            problems.append(f"{schema}.{table}.{column}: type {data_type}")
            continue
        grouped.setdefault((schema, table), []).append(Column(column, data_type, pg_type))
    if problems:
        raise PublishError(
            f"{source}: column type(s) the serving targets cannot hold faithfully: {'; '.join(problems)}. "
            "Cast them in the dbt model (e.g. a list to a delimited VARCHAR); nothing was published"
        )
    tables = [PublishedTable(s, t, tuple(cols)) for (s, t), cols in grouped.items()]
    _check_names(tables, source)
    if not tables:
        raise PublishError(
            f"{source}: none of the {len(governed)} governed model(s) (access: public) is in the warehouse; "
            "run the warehouse build first"
        )
    return tables


def _check_names(tables: list[PublishedTable], source: str) -> None:
    """The serving schema is flat: table names must be unique across marts and audit."""
    seen: dict[str, str] = {}
    for table in tables:
        if table.name == PUBLICATION_TABLE:
            raise PublishError(f"{source}: {table.relation}: the name {PUBLICATION_TABLE} is reserved for "
                               "publication metadata; rename the model")
        if len(table.name.encode()) > _MAX_PG_NAME:
            raise PublishError(
                f"{source}: {table.relation}: name longer than {_MAX_PG_NAME} bytes (the Postgres limit)"
            )
        if table.name in seen:
            raise PublishError(
                f"{source}: {seen[table.name]} and {table.relation} share a name; the serving schema is "
                "flat, so rename one of the models"
            )
        seen[table.name] = table.relation
