"""Publish the governed marts to what BI readers use: the write-audit-publish step's last part.

`publish(settings)` publishes only the warehouse build the quality gate passed: under the
warehouse lock (no writer can run meanwhile) it reads the home's last gate verdict
(reports/quality_gate.json) and the warehouse's build id, and refuses (PublishRefused, naming
why) unless the verdict passed this very build. Only governed models are published: those
declared `access: public` in the dbt project (insights.serving.governance), all of them marts
or audit tables; internals, raw and staging data (e-mail addresses, raw properties, free text)
never leave the warehouse. Two targets:

- a read-only DuckDB snapshot (`settings.published_snapshot`), built in a new file and
  renamed over the previous one, so readers never touch the warehouse's single-writer lock;
- the Postgres serving schema (`INSIGHTS_SERVING_SCHEMA`, default `analytics`, in
  `INSIGHTS_SERVING_DSN`), replaced in one transaction; the login role `pm_reader` may
  only read it.

Both record the build id and gate run they hold (`_publication`). Both targets change only when
both are ready: the snapshot is built and checked first, the Postgres transaction commits, and
only then is the new snapshot renamed into place. On any failure before that commit, neither
target changes and readers keep the previous version.

    from insights.publish import publish, PublishResult
    result = publish(settings)   # raises PublishError (PublishRefused when the gate did not pass)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from insights.locks import file_lock
from insights.serving.approval import PublishRefused, build_info, check_same_build, passed_verdict
from insights.serving.config import ServingConfig
from insights.serving.errors import PublishError
from insights.serving.governance import GovernedModel, governed_models
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
from insights.serving.tables import PUBLISHED_SCHEMAS, PublishedTable, discover_tables
from insights.settings import Settings
from insights.warehouse.lock import lock_path

__all__ = ["PUBLISHED_SCHEMAS", "PublishError", "PublishRefused", "PublishResult", "publish"]

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
    build_id: str | None = None  # the warehouse build published (the one the gate passed)
    gate_run_id: str | None = None  # the gate run that passed it (None: published without a gate)


def _publication_busy(path: Path, holder: str) -> Exception:
    return PublishError(f"{path}: another publication is running (pid {holder}); retry when it is done")


def _warehouse_busy(path: Path, holder: str) -> Exception:
    return PublishRefused(
        f"publish refused: pid {holder} holds the warehouse lock {path} (a build, an audit, a quality gate or "
        "another publication is using the warehouse); publish once it is done and the gate passed its build. "
        "Nothing was published; readers keep the previous publication"
    )


def _manifest_path(settings: Settings) -> Path:
    from insights.warehouse.dbt import dbt_paths  # dbt's artifacts of this home's last DuckDB run

    return dbt_paths(settings, "duckdb")[0] / "manifest.json"


def publish(settings: Settings, *, require_gate: bool = True, log: logging.Logger | None = None) -> PublishResult:
    """Publish the governed models of the build the gate passed to the snapshot and the Postgres serving schema.

    Raises PublishRefused (nothing changed) without a passed gate verdict for the warehouse's
    current build. `require_gate=False` skips that check: only for tests and tools publishing a
    warehouse they made by hand; the pipeline, the CLI and the DAG never pass it.
    """
    log = log or _log
    started = time.monotonic()
    config = ServingConfig.from_env()
    snapshot = settings.published_snapshot
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(snapshot.parent / ".publish.lock", busy=_publication_busy):
        remove_stale_temps(snapshot, log)
        new_file = temp_path(snapshot)
        postgres: ServingLoad | None = None
        warnings: list[str] = []
        try:
            # Held while the warehouse is read: the gate's verdict and the build id checked are those of
            # the tables copied. Postgres is loaded afterwards, from the new snapshot.
            with file_lock(lock_path(settings), busy=_warehouse_busy):
                verdict = passed_verdict(settings) if require_gate else None
                manifest = _manifest_path(settings)
                governed = governed_models(manifest)
                docs = load_table_docs(manifest, log)
                with open_warehouse(settings.warehouse) as con:
                    build = build_info(con, WAREHOUSE_ALIAS)
                    if verdict is not None:
                        check_same_build(verdict, build)
                    tables = discover_tables(con, WAREHOUSE_ALIAS, str(settings.warehouse), governed)
                    warnings += _missing_governed(governed, tables, settings, log)
                    postgres = ServingLoad(settings.serving_dsn, config, log) if settings.serving_dsn else None
                    version = 1 + max(previous_version(snapshot, log), postgres.start() if postgres else 0)
                    published_at = datetime.now(UTC)
                    gate_run_id = verdict.run_id if verdict else None
                    log.debug("publication %d: %d governed tables of build %s from %s", version, len(tables),
                             build.build_id, settings.warehouse)
                    try:
                        rows = build_snapshot(con, new_file, tables, config.schema, version, published_at, docs,
                                              build_id=build.build_id, gate_run_id=gate_run_id)
                    except duckdb.Error as exc:
                        raise PublishError(f"{new_file}: building the snapshot failed: {exc}; "
                                           "readers keep the previous publication") from exc
            verify_snapshot(new_file, config.schema, rows, version, build.build_id)
            if postgres is not None:
                with duckdb.connect(str(new_file), read_only=True) as source:
                    source.execute("set TimeZone = 'UTC'")  # timestamptz rendered as +00 for COPY
                    postgres.load(source, tables, rows, version, published_at, docs,
                                  build_id=build.build_id, gate_run_id=gate_run_id)
                postgres.swap()
                postgres.commit()
                log.info("postgres: %s now holds publication %d (build %s)", config.schema, version, build.build_id)
            try:
                swap_in(new_file, snapshot)
            except OSError as exc:
                raise PublishError(
                    f"{snapshot}: could not rename the new snapshot into place ({exc}); Postgres already "
                    f"serves publication {version}, the snapshot still the previous one: publish again"
                ) from exc
            log.info("snapshot: %s now holds publication %d (build %s)", snapshot, version, build.build_id)
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
        warnings=tuple(warnings + (postgres.warnings if postgres else [])),
        build_id=build.build_id,
        gate_run_id=gate_run_id,
    )


def _missing_governed(governed: dict[tuple[str, str], GovernedModel], tables: list[PublishedTable],
                      settings: Settings, log: logging.Logger) -> list[str]:
    """Governed models the warehouse does not hold (built by no dbt run yet): published without them."""
    found = {(t.schema, t.name) for t in tables}
    missing = sorted(model.relation for key, model in governed.items() if key not in found)
    if not missing:
        return []
    message = (f"{settings.warehouse}: {len(missing)} governed model(s) not built, so not published: "
               f"{', '.join(missing)}")
    log.warning("%s", message)
    return [message]
