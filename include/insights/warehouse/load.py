"""Load the raw zone and the workspace config into the target's `raw` schema.

Incremental and idempotent, driven by the partition manifests:
- a file listed in a manifest and not yet in `raw._loaded_files` is inserted;
- a file whose manifest sha256 changed (a re-fetched hour) has its rows deleted and re-inserted;
- a loaded file that its partition's manifest no longer lists has its rows deleted;
- partitions without a manifest are incomplete and left alone (their earlier rows stay).
Each loaded partition's counts (rows, quarantined, the run's quarantined share) go to
`raw._partitions` (the gate checks the share), and each source's `_watermark.json` to
`raw._source_watermarks` (the warehouse's complete days follow it; a source without the file has no
row). Every inserted row carries the run's `_loaded_at`, strictly later than any earlier run's, which
the incremental dbt models use as their high-water mark. The workspace config (tracking plan,
product areas, keywords) is reloaded in full on every run.
All of it happens in one transaction: a failed load leaves the raw schema as it was.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from insights.locks import raw_zone_reading
from insights.settings import Settings
from insights.warehouse.manifests import Partition, RawFile, complete_partitions, incomplete_partitions
from insights.warehouse.raw_tables import STREAMS, RawStream
from insights.warehouse.raw_writers import RawLoadError, RawWriter, make_writer
from insights.warehouse.targets import check_target, connect, schema_name
from insights.warehouse.watermarks import Watermark, read_watermarks
from insights.workspace import Workspace

__all__ = ["LoadResult", "RawLoadError", "StreamLoad", "load_raw", "workspace_rows"]

_log = logging.getLogger("insights.warehouse.load")


@dataclass(frozen=True)
class StreamLoad:
    table: str
    files_new: int
    files_replaced: int
    files_removed: int
    rows_inserted: int
    rows_deleted: int
    incomplete_partitions: int
    seconds: float
    partitions_recorded: int = 0  # partitions new or changed in raw._partitions


@dataclass(frozen=True)
class LoadResult:
    target: str
    schema: str
    loaded_at: datetime
    streams: tuple[StreamLoad, ...]
    workspace_rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    watermarks: dict[str, datetime | None] = field(default_factory=dict)  # as loaded, by source

    @property
    def rows_inserted(self) -> int:
        return sum(s.rows_inserted for s in self.streams)

    @property
    def files_loaded(self) -> int:
        return sum(s.files_new + s.files_replaced for s in self.streams)

    def stream(self, table: str) -> StreamLoad:
        return next(s for s in self.streams if s.table == table)


def workspace_rows(workspace: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    """The workspace config as rows of the raw.ws_* tables."""
    plan = workspace.tracking_plan
    return {
        "ws_tracking_plan_events": [(e.name, e.feature, e.owner, e.status, e.counts_as_active) for e in plan.events],
        "ws_tracking_plan_properties": [
            (
                e.name,
                p.name,
                p.type,
                p.required,
                json.dumps(list(p.allowed)) if p.allowed is not None else None,
            )
            for e in plan.events
            for p in e.properties
        ],
        "ws_tracking_plan_meta": [(plan.naming_rule,)],
        "ws_product_areas": [(a.area, a.team, a.pm) for a in workspace.product_areas],
        "ws_product_area_keywords": [(area, keyword) for area, keyword in workspace.area_keywords],
        "ws_barometer_invitees": [(i.edition, i.pm_email) for i in workspace.barometer_invitees],
    }


def _run_timestamp(writer: RawWriter) -> datetime:
    """Now (naive UTC), but strictly after every earlier load even if the clock went back."""
    now = datetime.now(UTC).replace(tzinfo=None)
    previous = writer.last_loaded_at()
    if previous is not None and now <= previous:
        return previous + timedelta(microseconds=1)
    return now


def _check_counts(stream: RawStream, files: Sequence[RawFile], counts: dict[str, int]) -> None:
    for raw_file in files:
        got = counts.get(raw_file.rel_path, 0)
        if got != raw_file.rows:
            raise RawLoadError(
                f"{raw_file.rel_path}: field 'rows': its manifest lists {raw_file.rows} record(s) "
                f"but the file holds {got} (file and manifest disagree; re-run the extraction)"
            )


def _record_partitions(
    writer: RawWriter, stream: RawStream, partitions: Sequence[Partition], touched_dirs: set[str], loaded_at: datetime
) -> int:
    """Bring raw._partitions up to date for the stream's manifested partitions; returns how many changed.

    A partition is (re)recorded when it is new, when its counts changed, or when files of it were
    (re)loaded or removed; partitions without a manifest keep their row, like their loaded rows.
    """
    stored = writer.partition_counts(stream.source, stream.stream)
    recorded = 0
    for partition in partitions:
        partition.check_rows()
        counts = (partition.rows, partition.quarantined, partition.run_quarantined_share)
        if stored.get(partition.partition) != counts or partition.rel_dir in touched_dirs:
            writer.record_partition(stream.source, stream.stream, partition, loaded_at)
            recorded += 1
    return recorded


def _load_watermarks(writer: RawWriter, watermarks: dict[str, Watermark], loaded_at: datetime) -> None:
    """raw._source_watermarks = the files as they are now (a row changes only when its value does)."""
    stored = writer.watermarks()
    for source in stored.keys() - watermarks.keys():
        writer.forget_watermark(source)
    for source, watermark in watermarks.items():
        if source not in stored or stored[source] != watermark.complete_through:
            writer.set_watermark(source, watermark.complete_through, loaded_at)


def _load_stream(
    writer: RawWriter, settings: Settings, stream: RawStream, loaded_at: datetime, log: logging.Logger
) -> StreamLoad:
    started = time.monotonic()
    partitions = list(complete_partitions(settings.raw_dir, stream))
    incomplete = incomplete_partitions(settings.raw_dir, stream)
    if incomplete:
        log.info(
            "%s: %d partition(s) without a manifest skipped (incomplete), e.g. %s",
            stream.table,
            len(incomplete),
            incomplete[0],
        )
    listed = {f.rel_path: f for p in partitions for f in p.files}
    manifested_dirs = {p.rel_dir for p in partitions}
    loaded = writer.loaded_files(stream.prefix)
    removed = [path for path in loaded if path not in listed and path.rsplit("/", 1)[0] in manifested_dirs]
    to_load = [f for path, f in sorted(listed.items()) if loaded.get(path) != f.sha256]
    replaced = [f.rel_path for f in to_load if f.rel_path in loaded]
    rows_deleted = writer.forget_files(stream.table, removed + replaced)
    counts = writer.insert_files(stream, to_load, loaded_at) if to_load else {}
    _check_counts(stream, to_load, counts)
    writer.record_files(to_load, loaded_at)
    touched_dirs = {path.rsplit("/", 1)[0] for path in removed} | {f.rel_path.rsplit("/", 1)[0] for f in to_load}
    recorded = _record_partitions(writer, stream, partitions, touched_dirs, loaded_at)
    result = StreamLoad(
        table=stream.table,
        files_new=len(to_load) - len(replaced),
        files_replaced=len(replaced),
        files_removed=len(removed),
        rows_inserted=sum(counts.values()),
        rows_deleted=rows_deleted,
        incomplete_partitions=len(incomplete),
        seconds=time.monotonic() - started,
        partitions_recorded=recorded,
    )
    rate = result.rows_inserted / result.seconds if result.seconds > 0 else 0.0
    log.debug(
        "%s: %d new, %d replaced, %d removed file(s); %d rows inserted, %d deleted in %.2f s (%.0f rows/s)",
        stream.table,
        result.files_new,
        result.files_replaced,
        result.files_removed,
        result.rows_inserted,
        result.rows_deleted,
        result.seconds,
        rate,
    )
    return result


def load_raw(settings: Settings, target: str = "duckdb", log: logging.Logger | None = None) -> LoadResult:
    """Bring the target's `raw` schema up to date with the raw zone and the workspace config.

    Callers that may run concurrently must hold the warehouse lock (`build` does).
    Raises RawLoadError (naming file, line and field), ManifestError or WatermarkError on bad input, and
    insights.workspace.WorkspaceConfigError on a bad config folder, before changing anything.
    """
    log = log or _log
    check_target(target)
    started = time.monotonic()
    workspace = settings.workspace  # validate the config before touching the database
    schema = schema_name("raw", target)
    # Exclusive against extractions: the manifests and files read below stay as they are until commit.
    with raw_zone_reading(settings.home, log), connect(settings, target) as con:
        # Settings.raw_zone_url: partitions landed on other machines are pulled first (insights.raw_zone).
        if (remote := settings.raw_zone_store()) is not None:
            remote.pull(settings.raw_dir)
        # Read under the lock with the manifests: the watermark describes exactly the partitions loaded.
        watermarks = read_watermarks(settings.raw_dir)
        writer = make_writer(con, schema, target)
        writer.begin()
        try:
            writer.ensure_schema()
            loaded_at = _run_timestamp(writer)
            streams = tuple(_load_stream(writer, settings, s, loaded_at, log) for s in STREAMS)
            _load_watermarks(writer, watermarks, loaded_at)
            ws_rows = workspace_rows(workspace)
            for table, rows in ws_rows.items():
                writer.replace_workspace_table(table, rows)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
    result = LoadResult(
        target=target,
        schema=schema,
        loaded_at=loaded_at,
        streams=streams,
        workspace_rows={t: len(r) for t, r in ws_rows.items()},
        seconds=time.monotonic() - started,
        watermarks={source: w.complete_through for source, w in watermarks.items()},
    )
    log.info(
        "raw load into %s (%s): %d file(s), %d rows in %.2f s; workspace config from %s; complete through: %s",
        schema,
        target,
        result.files_loaded,
        result.rows_inserted,
        result.seconds,
        settings.config_dir,
        ", ".join(f"{s} {w.isoformat() if w else 'nothing'}" for s, w in result.watermarks.items()) or "no watermark",
    )
    return result
