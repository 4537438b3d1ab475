"""The Postgres serving schema and its reader role, replaced in one transaction.

A publication loads every table into a fresh schema (`<schema>__next`), then, in the same
transaction, takes the current tables' locks, renames the current schema away, renames the
new one into place, drops the old one and grants the reader role. Readers see the old
version or the new one, never a mix: a query that resolved an old table waits for the
commit, then Postgres looks the name up again and reads the new table.

The publisher takes the current tables' locks with a short lock_timeout and retries,
instead of queueing for them indefinitely: it never holds one table while waiting for
another longer than that timeout, so it cannot deadlock with a reader holding the other
(Postgres would otherwise abort one of the two after deadlock_timeout, possibly the
publication).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import duckdb
import psycopg2
from psycopg2 import errors as pg_errors
from psycopg2 import sql
from psycopg2.extensions import encrypt_password, parse_dsn

from insights.serving.config import ServingConfig
from insights.serving.errors import PublishError
from insights.serving.metadata import TableDocs, table_comment
from insights.serving.tables import PUBLICATION_TABLE, PublishedTable, quote

APPLICATION_NAME = "insights-publish"
BATCH_ROWS = 5_000
COPY_CHUNK_BYTES = 1 << 20
LOCK_ATTEMPT_TIMEOUT = "200ms"  # well under the default deadlock_timeout (1 s)
_READER_ATTRIBUTES = sql.SQL("login nosuperuser nocreatedb nocreaterole noreplication nobypassrls noinherit")
# (rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit, rolcanlogin)
_READER_FLAGS = (False, False, False, False, False, False, True)


def describe_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    try:
        parts = parse_dsn(dsn)
    except psycopg2.ProgrammingError:
        return "<unparsable INSIGHTS_SERVING_DSN>"
    return "postgresql://{user}@{host}:{port}/{dbname}".format(
        user=parts.get("user", ""), host=parts.get("host", "localhost"), port=parts.get("port", "5432"),
        dbname=parts.get("dbname", ""),
    )


def _escape(value: str | None) -> str:
    if value is None:
        return "\\N"
    if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return value


class CopyTextSource:
    """A DuckDB result as a read-only text file in Postgres COPY text format, fetched in batches.

    Every column arrives as DuckDB's VARCHAR rendering, which Postgres' input functions
    parse back to the same value (shortest round-trip doubles, ISO dates, `+00` offsets).
    """

    def __init__(self, result: Any, batch_rows: int = BATCH_ROWS) -> None:
        self._result = result
        self._batch_rows = batch_rows
        self._current = io.StringIO()
        self._done = False

    def read(self, size: int = -1) -> str:
        while True:
            chunk = self._current.read(size)
            if chunk or self._done:
                return chunk
            rows = self._result.fetchmany(self._batch_rows)
            if not rows:
                self._done = True
                return ""
            self._current = io.StringIO("".join("\t".join(map(_escape, row)) + "\n" for row in rows))

    def readline(self, size: int = -1) -> str:  # part of the file protocol psycopg2 accepts
        return self.read(size)


class ServingLoad:
    """One publication to the Postgres serving database: a single transaction, committed last."""

    def __init__(self, dsn: str, config: ServingConfig, log: logging.Logger) -> None:
        self.config = config
        self.log = log
        self.target = describe_dsn(dsn)
        self.warnings: list[str] = []
        try:
            self.conn = psycopg2.connect(dsn, application_name=APPLICATION_NAME, connect_timeout=10)
        except psycopg2.Error as exc:
            message = f"{self.target}: cannot connect to the serving database: {exc}".strip()
            raise PublishError(message) from exc
        self.cur = self.conn.cursor()

    # -- helpers -------------------------------------------------------------------------------------

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        try:
            yield
        except (psycopg2.Error, duckdb.Error) as exc:
            detail = (getattr(exc, "pgerror", None) or str(exc)).strip()
            raise PublishError(
                f"{self.target}: {what}: {detail}; the transaction was rolled back, "
                "readers keep the previous publication"
            ) from exc

    def _ident(self, *names: str) -> sql.Composable:
        return sql.SQL(".").join(sql.Identifier(n) for n in names)

    def _exec(self, statement: sql.Composable | str, params: Sequence[Any] | None = None) -> None:
        self.cur.execute(statement, params)

    # -- the transaction's steps ---------------------------------------------------------------------

    def start(self) -> int:
        """Serialize publications of this schema and read the current version (0: none yet)."""
        cfg = self.config
        with self.step("starting the publication"):
            for key in (f"schema:{cfg.schema}", f"role:{cfg.reader_role}"):
                self._exec("select pg_advisory_xact_lock(hashtext(%s))", (f"insights.publish.{key}",))
            self._exec(
                "select 1 from pg_catalog.pg_tables as t where t.schemaname = %s and t.tablename = %s",
                (cfg.schema, PUBLICATION_TABLE),
            )
            if self.cur.fetchone() is None:
                return 0
            publication = self._ident(cfg.schema, PUBLICATION_TABLE)
            self._exec(sql.SQL("select max(p.version) from {} as p").format(publication))
            row = self.cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def load(
        self,
        source: Any,
        tables: Sequence[PublishedTable],
        expected_rows: dict[str, int],
        version: int,
        published_at: datetime,
        docs: dict[tuple[str, str], TableDocs],
        *,
        build_id: str | None = None,
        gate_run_id: str | None = None,
    ) -> None:
        """Fill `<schema>__next` from `source` (a DuckDB connection on the new snapshot)."""
        cfg = self.config
        with self.step(f"preparing schema {cfg.next_schema}"):
            for leftover in (cfg.next_schema, cfg.old_schema):
                self._exec(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(leftover)))
            self._exec(sql.SQL("create schema {}").format(sql.Identifier(cfg.next_schema)))
        for table in tables:
            table_docs = docs.get((table.schema, table.name))
            self._load_table(source, table, expected_rows[table.relation], version, table_docs)
        publication = self._ident(cfg.next_schema, PUBLICATION_TABLE)
        with self.step(f"writing {cfg.next_schema}.{PUBLICATION_TABLE}"):
            self._exec(sql.SQL(
                "create table {} (version bigint not null, published_at timestamptz not null, "
                "table_name text not null, source_relation text not null, row_count bigint not null, "
                "build_id text, gate_run_id text)"
            ).format(publication))
            self.cur.executemany(
                sql.SQL("insert into {} values (%s, %s, %s, %s, %s, %s, %s)").format(publication),
                [(version, published_at, t.name, t.relation, expected_rows[t.relation], build_id, gate_run_id)
                 for t in tables],
            )
            self._exec(sql.SQL("comment on table {} is %s").format(publication), (
                "One row per published table: the publication version, when it was published, its row "
                "count, the warehouse build it was copied from and the quality gate run that passed that "
                "build. Every table of this schema belongs to the version stated here.",
            ))

    def _load_table(
        self, source: Any, table: PublishedTable, rows: int, version: int, docs: TableDocs | None
    ) -> None:
        target = self._ident(self.config.next_schema, table.name)
        where = f"loading {table.relation} into {self.config.next_schema}.{table.name}"
        with self.step(where):
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in table.columns
            )
            self._exec(sql.SQL("create table {} ({})").format(target, columns))
            select_list = ", ".join(
                f"cast({quote(c.name)} as varchar) as {quote(c.name)}" for c in table.columns
            )
            result = source.execute(f"select {select_list} from {quote(table.schema)}.{quote(table.name)}")
            copy = sql.SQL("copy {} ({}) from stdin").format(
                target, sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
            )
            self.cur.copy_expert(copy.as_string(self.conn), CopyTextSource(result), size=COPY_CHUNK_BYTES)
            self._exec(sql.SQL("select count(*) from {}").format(target))
            loaded = self.cur.fetchone()[0]
            if loaded != rows:
                raise PublishError(f"{self.target}: {where}: {loaded} rows arrived, the snapshot has {rows}")
            comment = table_comment(docs, table.relation, version)
            self._exec(sql.SQL("comment on table {} is %s").format(target), (comment,))
            for column, description in (docs.columns.items() if docs else ()):
                if any(c.name == column for c in table.columns):
                    self._exec(sql.SQL("comment on column {} is %s").format(
                        self._ident(self.config.next_schema, table.name, column)), (description,))
            self._exec(sql.SQL("analyze {}").format(target))
        self.log.debug("postgres: %s loaded (%d rows)", table.relation, rows)

    def swap(self) -> None:
        """Put the new schema in place of the current one and grant the reader role (still uncommitted)."""
        cfg = self.config
        self._ensure_reader_role()
        with self.step(f"swapping {cfg.next_schema} in as {cfg.schema}"):
            self._exec("select 1 from pg_catalog.pg_namespace as n where n.nspname = %s", (cfg.schema,))
            exists = self.cur.fetchone() is not None
            if exists:
                self._refuse_outside_dependents()
                self._lock_current_tables()
                self._exec(sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(cfg.schema), sql.Identifier(cfg.old_schema)))
            self._exec(sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(cfg.next_schema), sql.Identifier(cfg.schema)))
            if exists:
                self._exec(sql.SQL("drop schema {} cascade").format(sql.Identifier(cfg.old_schema)))
            self._exec("set local lock_timeout to default")
        with self.step(f"granting {cfg.reader_role} read access to {cfg.schema}"):
            role, schema = sql.Identifier(cfg.reader_role), sql.Identifier(cfg.schema)
            self._exec(sql.SQL("grant usage on schema {} to {}").format(schema, role))
            self._exec(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))
            self._forbid_creating_in_public()
            self._warn_about_other_privileges()

    def commit(self) -> None:
        with self.step("committing the publication"):
            self.conn.commit()

    def close(self) -> None:
        """Roll back whatever was not committed, and disconnect."""
        try:
            if not self.conn.closed:
                self.conn.rollback()
        except psycopg2.Error:
            pass  # the connection is gone: the server rolled the transaction back
        finally:
            self.conn.close()

    # -- swap details --------------------------------------------------------------------------------

    def _lock_current_tables(self) -> None:
        cfg = self.config
        self._exec(
            "select c.oid::bigint, c.relname from pg_catalog.pg_class as c "
            "join pg_catalog.pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') order by c.relname",
            (cfg.schema,),
        )
        current = self.cur.fetchall()
        if not current:
            return
        lock = sql.SQL("lock table {} in access exclusive mode").format(
            sql.SQL(", ").join(self._ident(cfg.schema, name) for _, name in current)
        )
        deadline = time.monotonic() + cfg.lock_wait_seconds
        pause = 0.05
        self._exec(sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_ATTEMPT_TIMEOUT)))
        while True:
            self._exec("savepoint insights_swap_locks")
            try:
                self._exec(lock)
            except (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected):
                self._exec("rollback to savepoint insights_swap_locks")
                if time.monotonic() >= deadline:
                    holders = self._lock_holders([oid for oid, _ in current])
                    raise PublishError(
                        f"{self.target}: readers held locks on {cfg.schema} for more than "
                        f"{cfg.lock_wait_seconds:g} s ({holders}); nothing was changed, retry later or end "
                        "those sessions"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
                continue
            self._exec("release savepoint insights_swap_locks")
            return

    def _lock_holders(self, relations: list[int]) -> str:
        self._exec(
            "select distinct a.pid, a.usename, a.state from pg_catalog.pg_locks as l "
            "join pg_catalog.pg_stat_activity as a on a.pid = l.pid "
            "where l.relation::bigint = any(%s) and a.pid <> pg_backend_pid() order by a.pid",
            (relations,),
        )
        holders = [f"pid {pid} ({user}, {state})" for pid, user, state in self.cur.fetchall()]
        return "held by " + ", ".join(holders) if holders else "holders already gone"

    def _refuse_outside_dependents(self) -> None:
        """Dropping the old schema cascades: refuse rather than silently drop someone's view on it."""
        schema = self.config.schema
        self._exec(
            "select distinct dn.nspname || '.' || dc.relname from pg_catalog.pg_depend as d "
            "join pg_catalog.pg_rewrite as r on r.oid = d.objid "
            "and d.classid = 'pg_catalog.pg_rewrite'::regclass "
            "join pg_catalog.pg_class as dc on dc.oid = r.ev_class "
            "join pg_catalog.pg_namespace as dn on dn.oid = dc.relnamespace "
            "join pg_catalog.pg_class as c on c.oid = d.refobjid "
            "and d.refclassid = 'pg_catalog.pg_class'::regclass "
            "join pg_catalog.pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = %s and dn.nspname <> %s order by 1",
            (schema, schema),
        )
        dependents = [row[0] for row in self.cur.fetchall()]
        if dependents:
            raise PublishError(
                f"{self.target}: {', '.join(dependents)} depend(s) on tables of {schema}, which each "
                "publication replaces; drop them (query the published tables directly) and publish again"
            )

    def _ensure_reader_role(self) -> None:
        cfg = self.config
        role = sql.Identifier(cfg.reader_role)
        with self.step(f"preparing the reader role {cfg.reader_role}"):
            self._exec(
                "select r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls, "
                "r.rolinherit, r.rolcanlogin from pg_catalog.pg_roles as r where r.rolname = %s",
                (cfg.reader_role,),
            )
            flags = self.cur.fetchone()
            if flags is None:
                self._exec(sql.SQL("create role {} ").format(role) + _READER_ATTRIBUTES)
                self.log.info("postgres: created login role %s", cfg.reader_role)
                if not cfg.reader_password:
                    self._warn(f"role {cfg.reader_role} was created without a password "
                               "(INSIGHTS_PM_READER_PASSWORD is unset): it can log in only where the server "
                               "trusts it")
            elif tuple(flags) != _READER_FLAGS:
                self._exec(sql.SQL("alter role {} ").format(role) + _READER_ATTRIBUTES)
                self._warn(f"role {cfg.reader_role} had more than login rights; reset to a plain login role")
            if cfg.reader_password:
                # Only the SCRAM hash goes over the wire and into the server's logs.
                hashed = encrypt_password(cfg.reader_password, cfg.reader_role, self.conn)
                self._exec(sql.SQL("alter role {} password %s").format(role), (hashed,))
            # A second wall besides the grants: the role's sessions start read-only.
            self._exec(sql.SQL("alter role {} set default_transaction_read_only = on").format(role))
            self._exec(
                "select g.rolname from pg_catalog.pg_auth_members as m "
                "join pg_catalog.pg_roles as g on g.oid = m.roleid "
                "join pg_catalog.pg_roles as r on r.oid = m.member where r.rolname = %s order by 1",
                (cfg.reader_role,),
            )
            for (group,) in self.cur.fetchall():
                self._warn(f"role {cfg.reader_role} is a member of {group}, which may grant more than the "
                           f"published tables; revoke it (revoke {group} from {cfg.reader_role})")

    def _forbid_creating_in_public(self) -> None:
        """Postgres 15 no longer lets every role create in `public`; older servers (or a grant) may."""
        role = self.config.reader_role
        self._exec(
            "select has_schema_privilege(%s, n.oid, 'CREATE') from pg_catalog.pg_namespace as n "
            "where n.nspname = 'public'",
            (role,),
        )
        row = self.cur.fetchone()
        if row is None or not row[0]:
            return
        self._exec("revoke create on schema public from public")
        self._exec(sql.SQL("revoke create on schema public from {}").format(sql.Identifier(role)))
        self._warn(f"revoked CREATE on schema public from PUBLIC so that {role} cannot write there")

    def _warn_about_other_privileges(self) -> None:
        """Privileges the reader holds outside the serving schema (granted by someone else): report them."""
        cfg = self.config
        self._exec(
            "select n.nspname || '.' || c.relname from pg_catalog.pg_class as c "
            "join pg_catalog.pg_namespace as n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname <> %s "
            "and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%%' "
            "and has_table_privilege(%s, c.oid, 'SELECT') order by 1 limit 20",
            (cfg.schema, cfg.reader_role),
        )
        readable = [row[0] for row in self.cur.fetchall()]
        if readable:
            self._warn(f"role {cfg.reader_role} can also read {', '.join(readable)} "
                       "(granted outside publication)")
        self._exec(
            "select n.nspname from pg_catalog.pg_namespace as n where n.nspname not like 'pg\\_%%' "
            "and n.nspname <> 'information_schema' and has_schema_privilege(%s, n.oid, 'CREATE') order by 1",
            (cfg.reader_role,),
        )
        writable = [row[0] for row in self.cur.fetchall()]
        if writable:
            self._warn(f"role {cfg.reader_role} can create objects in schema(s) {', '.join(writable)}")

    def _warn(self, message: str) -> None:
        self.log.warning("postgres: %s", message)
        self.warnings.append(message)
