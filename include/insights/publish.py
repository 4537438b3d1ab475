"""Publish the governed marts to what BI readers use: the write-audit-publish step's last part.

The pipeline calls `publish(settings)` only after the quality gate passed on the candidate
warehouse. Only the `marts` and `audit` schemas are published (raw and staging hold e-mail
addresses and free text), to two targets:

- a read-only DuckDB snapshot (`settings.published_snapshot`), built in a new file and
  renamed over the previous one, so readers never touch the warehouse's single-writer lock;
- the Postgres serving schema (`INSIGHTS_SERVING_SCHEMA`, default `analytics`, in
  `INSIGHTS_SERVING_DSN`), replaced in one transaction; the login role `pm_reader` may
  only read it.

Both targets change only when both are ready: the snapshot is built and checked first, the
Postgres transaction commits, and only then is the new snapshot renamed into place. On any
failure before that commit, neither target changes and readers keep the previous version.

    from insights.publish import publish, PublishResult
    result = publish(settings)   # raises PublishError
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from insights.locks import file_lock
from insights.serving.config import ServingConfig
from insights.serving.errors import PublishError
from insights.serving.metadata import load_table_docs
from insights.serving.postgres import ServingLoad
from insights.serving.snapshot import (
    WAREHOUSE_ALIAS,
    build_snapshot,
    open_warehouse,
    previous_version,
    remove_file,
    remove_stale_temps,
    swap_in,
    temp_path,
    verify_snapshot,
)
from insights.serving.tables import PUBLISHED_SCHEMAS, discover_tables
from insights.settings import Settings

__all__ = ["PUBLISHED_SCHEMAS", "PublishError", "PublishResult", "publish"]

_log = logging.getLogger("insights.publish")


@dataclass(frozen=True)
class PublishResult:
    version: int  # one more than the previous publication on either target
    published_at: datetime  # UTC
    tables: tuple[str, ...]  # published relations, as named in the warehouse (marts.x, audit.y)
    rows: dict[str, int]  # row count by relation
    snapshot: Path  # the DuckDB file readers open
    serving_schema: str  # schema of the Postgres database (and views of the snapshot) readers query
    postgres: str | None  # the serving database (no password); None when INSIGHTS_SERVING_DSN=none
    reader_role: str | None  # the Postgres login role that may read the serving schema
    seconds: float
    warnings: tuple[str, ...] = field(default=())


def _publication_busy(path: Path, holder: str) -> Exception:
    return PublishError(f"{path}: another publication is running (pid {holder}); retry when it is done")


def _manifest_path(settings: Settings) -> Path:
    from insights.warehouse.dbt import dbt_paths  # dbt's artifacts of this home's last DuckDB run

    return dbt_paths(settings, "duckdb")[0] / "manifest.json"


def publish(settings: Settings, *, log: logging.Logger | None = None) -> PublishResult:
    """Publish the warehouse's governed schemas to the snapshot and the Postgres serving schema."""
    log = log or _log
    started = time.monotonic()
    config = ServingConfig.from_env()
    snapshot = settings.published_snapshot
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(snapshot.parent / ".publish.lock", busy=_publication_busy):
        remove_stale_temps(snapshot, log)
        docs = load_table_docs(_manifest_path(settings), log)
        postgres = ServingLoad(settings.serving_dsn, config, log) if settings.serving_dsn else None
        new_file = temp_path(snapshot)
        try:
            with open_warehouse(settings.warehouse) as con:
                tables = discover_tables(con, WAREHOUSE_ALIAS, str(settings.warehouse))
                version = 1 + max(previous_version(snapshot, log), postgres.start() if postgres else 0)
                published_at = datetime.now(UTC)
                log.info("publication %d: %d tables from %s", version, len(tables), settings.warehouse)
                try:
                    rows = build_snapshot(con, new_file, tables, config.schema, version, published_at, docs)
                except duckdb.Error as exc:
                    raise PublishError(f"{new_file}: building the snapshot failed: {exc}; "
                                       "readers keep the previous publication") from exc
            verify_snapshot(new_file, config.schema, rows, version)
            if postgres is not None:
                with duckdb.connect(str(new_file), read_only=True) as source:
                    source.execute("set TimeZone = 'UTC'")  # timestamptz rendered as +00 for COPY
                    postgres.load(source, tables, rows, version, published_at, docs)
                postgres.swap()
                postgres.commit()
                log.info("postgres: %s now holds publication %d", config.schema, version)
            try:
                swap_in(new_file, snapshot)
            except OSError as exc:
                raise PublishError(
                    f"{snapshot}: could not rename the new snapshot into place ({exc}); Postgres already "
                    f"serves publication {version}, the snapshot still the previous one: publish again"
                ) from exc
            log.info("snapshot: %s now holds publication %d", snapshot, version)
        finally:
            remove_file(new_file)  # nothing left after a successful swap; the half-built file otherwise
            if postgres is not None:
                postgres.close()
    return PublishResult(
        version=version,
        published_at=published_at,
        tables=tuple(t.relation for t in tables),
        rows=rows,
        snapshot=snapshot,
        serving_schema=config.schema,
        postgres=postgres.target if postgres else None,
        reader_role=config.reader_role if postgres else None,
        seconds=round(time.monotonic() - started, 3),
        warnings=tuple(postgres.warnings) if postgres else (),
    )
