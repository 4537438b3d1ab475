"""What the serving schema holds, read as the BI tools' reader role: tables' columns and the output
columns of each dataset's SQL. Provisioning binds the dashboard definitions to it, so a chart only
marks completeness where the published mart has `is_complete`, and a dataset whose SQL no longer
binds fails provisioning naming the dashboard file and the dataset."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg2
from psycopg2 import sql

from insights.bi.definitions import Dashboard, DefinitionError, ResolvedDataset, render_dataset_sql


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Postgres type name (date, int8, float8, text, bool...)


@dataclass
class ServingSchema:
    dsn: str
    schema: str
    _tables: dict[str, list[Column]] = field(default_factory=dict, repr=False)

    def _connect(self) -> psycopg2.extensions.connection:
        con = psycopg2.connect(self.dsn, connect_timeout=10)
        con.set_session(readonly=True, autocommit=True)
        return con

    def columns(self, table: str) -> list[Column]:
        if table not in self._tables:
            with self._connect() as con, con.cursor() as cur:
                cur.execute(
                    "select c.column_name, c.udt_name from information_schema.columns as c "
                    "where c.table_schema = %s and c.table_name = %s order by c.ordinal_position",
                    (self.schema, table),
                )
                self._tables[table] = [Column(name, kind) for name, kind in cur.fetchall()]
            con.close()
        return self._tables[table]

    def column_names(self, table: str) -> list[str]:
        return [c.name for c in self.columns(table)]

    def query_columns(self, query: str) -> list[Column]:
        """The output columns of `query` (run with no row: only bound, planned and described)."""
        con = self._connect()
        try:
            with con.cursor() as cur:
                cur.execute(sql.SQL("select * from ({}) as q limit 0").format(sql.SQL(query)))
                described = [(d.name, d.type_code) for d in cur.description or []]
                cur.execute("select oid, typname from pg_type where oid = any(%s)",
                            ([code for _, code in described],))
                names = dict(cur.fetchall())
        finally:
            con.close()
        return [Column(name, names.get(code, "text")) for name, code in described]

    def resolve(self, dashboard: Dashboard) -> dict[str, tuple[ResolvedDataset, list[Column]]]:
        """Each dataset of `dashboard` bound to this schema, with its output columns."""
        resolved = {}
        for dataset in dashboard.datasets.values():
            if dataset.table and not self.columns(dataset.table):
                raise DefinitionError(
                    f"{dashboard.path}: datasets.{dataset.name}: table {self.schema}.{dataset.table} is not "
                    "published (or not readable by the reader role)")
            query = render_dataset_sql(dataset, self.schema, self.column_names)
            try:
                columns = self.query_columns(query)
            except psycopg2.Error as exc:
                message = " ".join(str(exc).split())
                raise DefinitionError(f"{dashboard.path}: datasets.{dataset.name}: its SQL fails: {message}") from exc
            resolved[dataset.name] = (
                ResolvedDataset(dataset.name, query, dataset.table, tuple(c.name for c in columns)), columns)
        return resolved
