"""Amplitude Export API -> ``raw/amplitude/events/dt=YYYY-MM-DD/hour=HH.jsonl.gz``.

The export selects events by *upload* hour (sources.md section 1). The extraction of interval
[a, b) asks the upload hours [a - 2h, b - 1h]: the 2-hour lookback re-fetches the hours that may
have been incomplete when the previous interval ran. Each upload hour lands as one file (all
``#n`` parts merged in order, lines byte-exact), written only from a successful export that
covered the hour, and replacing the previous file of that hour: a re-fetch never appends twice.

Availability: Amplitude serves an upload hour about 2 hours after it ends (AVAILABILITY_DELAY).
Only hours that are final by the vendor's clock (the export response's ``Date``: hour end + 2 h <=
server time) are landed; from the first hour that is not, the rest of the window is left
untouched (never replaced by an empty or partial file) and the run reports the interval
incomplete: its watermark stops at that hour, and the next interval's lookback (or a re-run) lands it.

An hour that a successful export covered but that holds no data (404, or no entry in the ZIP):
if an older file of that hour exists it is replaced by an empty file (the source now says the
hour is empty, and the warehouse replaces that file's rows by none); otherwise no file is
written. Hours not covered by a successful export are never touched.

The response is streamed to a temp file (never held in memory) and the ZIP is opened from disk.
An hour whose entries are clean lands by copying their gzip members, checked in one streaming pass
and validated by DuckDB (``amplitude_bulk``); any other hour goes through the line path
(``RecordFileWriter``), which quarantines exactly the bad lines. A damaged entry makes the export
download again (the hours before it are already landed, the rest comes from the new download); the
last download lands what it can. 400/504 mean "window too large": split it in half and recurse,
down to one hour.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import tempfile
import zipfile
import zlib
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from insights.extraction.context import PendingManifest, RunContext, not_served_message
from insights.extraction.http import SourceError, raise_for_status, server_time
from insights.extraction.landing import (
    LandedFile,
    QuarantinedRecord,
    RawZone,
    RecordFileWriter,
    atomic_output,
    describe_known,
    dt_dir,
    is_storage_error,
    remove_file,
    utc_iso,
)
from insights.extraction.schema import StreamSchema, stream_schema
from insights.sources.amplitude import SPEC
from insights.sources.amplitude.bulk import SCRATCH_PREFIX, PreparedHour, RecordCheck, UnreadableEntry, prepare_hour

EXPORT_PATH = "/api/2/export"
# How long after an upload hour ends Amplitude serves all of it (declared once, here).
AVAILABILITY_DELAY = SPEC.availability_delay
LOOKBACK = timedelta(hours=2)
HOUR = timedelta(hours=1)
STREAM = "events"
TOO_LARGE_STATUSES = frozenset({400, 504})
# A body cut mid-stream or an unreadable ZIP happen after urllib3 handed over the response, so
# its retries cannot cover them: download such an export once more before giving up.
DOWNLOAD_ATTEMPTS = 2
CHUNK = 1 << 20
# Upload hours prepared side by side (2 cores); each also holds one more hour ready ahead of the commit.
PREPARE_THREADS = 2

# {project_id}/{project_id}_{YYYY-MM-DD}_{H}#{n}.json.gz, hour not zero-padded
ENTRY_NAME = re.compile(
    r"(?:^|/)(?P<pid>[^/]+?)_(?P<day>\d{4}-\d{2}-\d{2})_(?P<hour>\d{1,2})#(?P<part>\d+)\.json(?:\.gz)?$"
)


class AmplitudeExportError(SourceError):
    """An export window is refused even at one hour, or its archive stays unreadable."""


def events_schema() -> StreamSchema:
    """The event record schema (dbt sources YAML), shared with the staging casts and the raw GX suite."""
    return stream_schema("amplitude", STREAM)


def validate_event(record: Any) -> tuple[str, str] | None:
    return events_schema().validate(record)


def hour_param(hour: datetime) -> str:
    return hour.astimezone(UTC).strftime("%Y%m%dT%H")


def export_hours(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Upload hours [first, last] (both inclusive) that the extraction of interval [start, end) asks."""
    return start - LOOKBACK, end - HOUR


def entry_hour(name: str) -> tuple[datetime, int] | None:
    """Upload hour (UTC) and part number of an archive entry, read from its name."""
    match = ENTRY_NAME.search(name)
    if match is None or int(match["hour"]) > 23:
        return None
    try:
        day = date.fromisoformat(match["day"])
    except ValueError:
        return None
    hour = datetime(day.year, day.month, day.day, int(match["hour"]), tzinfo=UTC)
    return hour, int(match["part"])


def is_final(hour: datetime, served_at: datetime) -> bool:
    """The upload hour is complete in an export answered at ``served_at`` (vendor clock)."""
    return hour + HOUR + AVAILABILITY_DELAY <= served_at


def hour_file(ctx: RunContext, hour: datetime) -> Path:
    return ctx.zone.path("amplitude", STREAM, dt_dir(hour.date()), f"hour={hour:%H}.jsonl.gz")


def partition_dirs(ctx: RunContext, first: datetime, last: datetime) -> list[Path]:
    days = []
    day = first.date()
    while day <= last.date():
        days.append(ctx.zone.path("amplitude", STREAM, dt_dir(day)))
        day += timedelta(days=1)
    return days


# --------------------------------------------------------------------------------------------
# download


class _ExportTooLarge(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail


def _export_label(first: datetime, last: datetime) -> str:
    return f"GET {EXPORT_PATH}?start={hour_param(first)}&end={hour_param(last)}"


def download_export(
    ctx: RunContext, first: datetime, last: datetime, first_attempt: int = 1
) -> tuple[Path | None, int, datetime]:
    """Stream the export of upload hours [first, last] to a temp ZIP file; None when 404 (no data).
    Returns the file, the number of the download that produced it (``first_attempt`` is the first)
    and the vendor's clock at the answer.

    Raises ``_ExportTooLarge`` on 400/504 and ``AmplitudeExportError`` when the archive stays
    unreadable (recorded in the quarantine first). Entries are checked while they land (one pass).
    """
    params = {"start": hour_param(first), "end": hour_param(last)}
    problem = ""
    for attempt in range(first_attempt, DOWNLOAD_ATTEMPTS + 1):
        with ctx.session.get(ctx.url(EXPORT_PATH), params=params, stream=True) as response:
            served_at = server_time(response)
            if response.status_code == 404:
                return None, attempt, served_at
            if response.status_code in TOO_LARGE_STATUSES:
                raise _ExportTooLarge(response.status_code, response.text[:300])
            raise_for_status(response, "amplitude")
            ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                prefix=f"export-{params['start']}-{params['end']}-", suffix=".zip", dir=ctx.tmp_dir
            )
            path = Path(name)
            try:
                with open(fd, "wb") as handle:
                    for chunk in response.iter_content(chunk_size=CHUNK):
                        handle.write(chunk)
                with zipfile.ZipFile(path) as archive:
                    archive.infolist()  # a truncated archive has no central directory: fails here
                return path, attempt, served_at
            except (requests.RequestException, zipfile.BadZipFile, OSError) as exc:
                path.unlink(missing_ok=True)
                if is_storage_error(exc):
                    raise  # our disk, not the download: downloading again cannot help
                problem = f"{type(exc).__name__}: {exc}"
                ctx.log.warning("amplitude: %s attempt %d unreadable: %s", _export_label(first, last), attempt, problem)
    target = _unreadable_archive_record(ctx, first, last)
    record = QuarantinedRecord(f"unreadable export archive: {problem}", _export_label(first, last), None, None, "")
    with atomic_output(target) as out:
        out.write(json.dumps(record.as_json()).encode("utf-8") + b"\n")
    ctx.stats.add_quarantined([record])
    raise AmplitudeExportError(
        f"amplitude: the export of upload hours {utc_iso(first)}..{utc_iso(last)} is unreadable after "
        f"{DOWNLOAD_ATTEMPTS} downloads ({problem}); recorded in {target}"
    )


def _unreadable_archive_record(ctx: RunContext, first: datetime, last: datetime) -> Path:
    name = f"export-{hour_param(first)}-{hour_param(last)}.jsonl.gz"
    return ctx.zone.quarantine_path(ctx.zone.path("amplitude", STREAM, dt_dir(first.date()), name))


# --------------------------------------------------------------------------------------------
# reading an archive


def group_entries(
    archive: zipfile.ZipFile, first: datetime, last: datetime, label: str
) -> tuple[dict[datetime, list[zipfile.ZipInfo]], list[QuarantinedRecord], list[str]]:
    """Entries per upload hour (sorted by part), entries with unreadable names, entries outside the window."""
    by_hour: dict[datetime, list[tuple[int, str, zipfile.ZipInfo]]] = defaultdict(list)
    bad: list[QuarantinedRecord] = []
    outside: list[str] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        parsed = entry_hour(info.filename)
        if parsed is None:
            bad.append(
                QuarantinedRecord(
                    "archive entry name is not {project}_{YYYY-MM-DD}_{H}#{n}.json.gz",
                    f"{label} entry {info.filename}",
                    None,
                    None,
                    info.filename,
                )
            )
            continue
        hour, part = parsed
        if not first <= hour <= last:
            outside.append(info.filename)
            continue
        by_hour[hour].append((part, info.filename, info))
    return (
        {h: [info for _, _, info in sorted(items, key=lambda t: t[:2])] for h, items in by_hour.items()},
        bad,
        outside,
    )


def land_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, writer: RecordFileWriter, label: str) -> None:
    """Stream-decompress one entry into the hour's writer; damage past the good lines is quarantined."""
    source_file = f"{label} entry {info.filename}"
    line_no = 0
    try:
        with archive.open(info) as compressed:
            stream = _maybe_gunzip(compressed, info.filename)
            for line_no, raw in enumerate(stream, start=1):
                writer.add_line(raw, source_file, line_no)
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        if is_storage_error(exc):
            raise  # writing failed (disk full), not reading: nothing to quarantine
        # Truncated gzip, bad CRC, corrupt deflate stream: the lines read before it still land.
        writer.quarantine(
            f"unreadable archive entry after line {line_no}: {type(exc).__name__}: {exc}",
            source_file,
            line_no + 1,
            None,
            "",
        )


def _maybe_gunzip(handle: Any, name: str) -> Any:
    return gzip.GzipFile(fileobj=handle, mode="rb") if name.endswith(".gz") else handle


# --------------------------------------------------------------------------------------------
# the extraction


@dataclass
class _Landing:
    """Per-run helpers: the DuckDB record check, and what is known of each partition's files (by name)
    so the manifests need not decompress every file again to count its rows."""

    check: RecordCheck = field(default_factory=lambda: RecordCheck(events_schema()))
    recorded: dict[Path, dict[str, LandedFile]] = field(default_factory=dict)  # the manifests before the run
    written: dict[Path, dict[str, LandedFile | None]] = field(default_factory=dict)  # by this run

    def remember(self, path: Path, landed: LandedFile | None) -> None:
        self.written.setdefault(path.parent, {})[path.name] = landed

    def manifest_files(self, zone: RawZone, partition: Path) -> list[LandedFile]:
        """The partition's files as on disk: written by this run (trusted as written), listed by the old
        manifest with the same sha256 (its row count kept), or described from scratch."""
        written = self.written.get(partition, {})
        recorded = self.recorded.get(partition, {})
        files = []
        for path in zone.data_files(partition):
            mine = written.get(path.name)
            if mine is not None and mine.bytes == path.stat().st_size:
                files.append(mine)
            else:
                files.append(describe_known(path, recorded.get(path.name)))
        return files


def land_window(
    ctx: RunContext,
    first: datetime,
    last: datetime,
    archive_path: Path | None,
    landing: _Landing | None = None,
    *,
    start_at: datetime | None = None,
    final: bool = True,
    served_at: datetime | None = None,
) -> None:
    """Write one file per covered upload hour from a successful export (None = 404, all empty),
    from ``start_at`` (default ``first``) on, up to the first hour not final at ``served_at`` (the
    vendor's clock of the answer; default: no limit). Raises ``UnreadableEntry`` for a damaged entry
    unless ``final`` (hours before it are landed and saved in the state)."""
    landing = landing or _Landing()
    label = _export_label(first, last)
    archive = zipfile.ZipFile(archive_path) if archive_path is not None else None
    try:
        entries: dict[datetime, list[zipfile.ZipInfo]] = {}
        bad_names: list[QuarantinedRecord] = []
        if archive is not None:
            entries, bad_names, outside = group_entries(archive, first, last, label)
            if outside:
                ctx.log.warning("amplitude: %s returned entries outside the window, ignored: %s", label, outside)
        # This window was read: replace (or drop) what an earlier export of it set aside.
        _quarantine_unplaced(ctx, first, label, bad_names)
        remove_file(_unreadable_archive_record(ctx, first, last))
        try:
            _land_hours(ctx, start_at or first, last, archive, entries, label, landing, final, served_at)
        except UnreadableEntry:
            ctx.stats.retract_quarantined(bad_names)  # the next download's names are counted instead
            raise
    finally:
        if archive is not None:
            archive.close()
        if archive_path is not None:
            archive_path.unlink(missing_ok=True)


def _land_hours(
    ctx: RunContext,
    first: datetime,
    last: datetime,
    archive: zipfile.ZipFile | None,
    entries: dict[datetime, list[zipfile.ZipInfo]],
    label: str,
    landing: _Landing,
    final: bool,
    served_at: datetime | None = None,
) -> None:
    """One file per upload hour [first, last], committed in hour order, saving the resume point after
    each; hours from the first one not final at ``served_at`` on are left alone (``ctx.stop_at``).
    Clean hours are prepared on worker threads ahead of the commit (zlib, hashing and DuckDB
    release the GIL: two cores are used); the line path runs on this thread."""
    hours = []
    for hour in (first + n * HOUR for n in range(int((last - first) / HOUR) + 1)):
        if served_at is not None and not is_final(hour, served_at):
            ctx.stop_at = hour if ctx.stop_at is None else min(ctx.stop_at, hour)
        if ctx.stop_at is not None and hour >= ctx.stop_at:
            break
        hours.append(hour)
    # Open every partition first: opening removes stale temp files, and workers write theirs early.
    for partition in sorted({hour_file(ctx, h).parent for h in hours}):
        ctx.zone.open_partition(partition)
    queued: dict[datetime, Future[PreparedHour | None]] = {}
    with ThreadPoolExecutor(PREPARE_THREADS, thread_name_prefix="amplitude-hour") as pool:
        try:
            for index, hour in enumerate(hours):
                for ahead in hours[index : index + PREPARE_THREADS + 1]:
                    if ahead not in queued and archive is not None and entries.get(ahead):
                        queued[ahead] = pool.submit(
                            prepare_hour,
                            archive,
                            entries[ahead],
                            hour_file(ctx, ahead),
                            landing.check,
                            ctx.tmp_dir,
                            final=final,
                        )
                future = queued.pop(hour, None)
                prepared = future.result() if future is not None else None  # may raise UnreadableEntry
                _commit_hour(ctx, hour, archive, entries.get(hour, []), label, landing, prepared)
        finally:
            for future in queued.values():  # hours after a failure: drop what was prepared for them
                if not future.cancel():
                    with contextlib.suppress(Exception):
                        if (prepared := future.result()) is not None:
                            prepared.discard()


def _commit_hour(
    ctx: RunContext,
    hour: datetime,
    archive: zipfile.ZipFile | None,
    infos: list[zipfile.ZipInfo],
    label: str,
    landing: _Landing,
    prepared: PreparedHour | None,
) -> None:
    path = hour_file(ctx, hour)
    quarantined = 0
    if prepared is not None:
        landed: LandedFile | None = prepared.commit(ctx.zone, ctx.stats)
    else:
        with RecordFileWriter(ctx.zone, path, validate_event, ctx.stats, replace_with_empty=True) as writer:
            for info in infos:
                assert archive is not None
                land_entry(archive, info, writer, label)
            landed = writer.commit()
        quarantined = len(writer.quarantined)
    landing.remember(path, landed)
    progress = ctx.state.data["in_progress"]
    progress["next_hour"] = utc_iso(hour + HOUR)
    mark = ctx.state.data.get("high_water_upload_hour")
    if mark is None or mark < utc_iso(hour):
        ctx.state.data["high_water_upload_hour"] = utc_iso(hour)
    ctx.save_progress()
    rows = landed.rows if landed is not None else 0
    ctx.progress(f"upload hour {utc_iso(hour)}", rows, quarantined)


def _quarantine_unplaced(ctx: RunContext, first: datetime, label: str, records: list[QuarantinedRecord]) -> None:
    """Entries that belong to no hour file get a quarantine file of their own, named after the export
    (rewritten, or removed when there are none, on every export of that window)."""
    target = ctx.zone.quarantine_path(
        ctx.zone.path("amplitude", STREAM, dt_dir(first.date()), f"export-{hour_param(first)}-entries.jsonl.gz")
    )
    if not records:
        remove_file(target)
        return
    with atomic_output(target) as out:
        for record in records:
            out.write(json.dumps(record.as_json()).encode("utf-8") + b"\n")
    ctx.stats.add_quarantined(records)
    ctx.log.warning("amplitude: %s: %d archive entries with unreadable names quarantined", label, len(records))


def export_range(ctx: RunContext, first: datetime, last: datetime, landing: _Landing | None = None) -> None:
    """Export [first, last]; on 400/504 split in half and recurse (hours stay in order). Hours at or
    after an hour found not final are not asked again."""
    landing = landing or _Landing()
    if ctx.stop_at is not None and first >= ctx.stop_at:
        return
    try:
        archive_path, attempt, served_at = download_export(ctx, first, last)
    except _ExportTooLarge as too_large:
        if first == last:
            raise AmplitudeExportError(
                f"amplitude: the export of the single upload hour {utc_iso(first)} is refused with HTTP "
                f"{too_large.status} ({too_large.detail!r}); it cannot be split further"
            ) from None
        hours = int((last - first) / HOUR) + 1
        middle = first + (hours // 2) * HOUR
        ctx.log.info(
            "amplitude: HTTP %d for %s: splitting into %s..%s and %s..%s",
            too_large.status,
            _export_label(first, last),
            hour_param(first),
            hour_param(middle - HOUR),
            hour_param(middle),
            hour_param(last),
        )
        export_range(ctx, first, middle - HOUR, landing)
        export_range(ctx, middle, last, landing)
        return
    start_at = first
    while True:
        if archive_path is None:
            ctx.log.debug("amplitude: %s: 404, no data in these upload hours", _export_label(first, last))
        try:
            land_window(
                ctx, first, last, archive_path, landing,
                start_at=start_at, final=attempt >= DOWNLOAD_ATTEMPTS, served_at=served_at,
            )
            return
        except UnreadableEntry as damaged:
            # A transient fault of the export: download the same window again and go on from the hour
            # of the damaged entry (the hours before it landed from complete entries).
            ctx.log.warning("amplitude: %s attempt %d unreadable: %s", _export_label(first, last), attempt, damaged)
            start_at = datetime.fromisoformat(ctx.state.data["in_progress"]["next_hour"].replace("Z", "+00:00"))
        try:
            archive_path, attempt, served_at = download_export(ctx, first, last, attempt + 1)
        except _ExportTooLarge:  # grown since the first download: export the hours still to land, split
            export_range(ctx, start_at, last, landing)
            return


def extract(ctx: RunContext) -> None:
    first, last = export_hours(ctx.start, ctx.end)
    for pattern in ("export-*.zip", f"{SCRATCH_PREFIX}*"):  # from a killed run; we hold the source lock
        for leftover in ctx.tmp_dir.glob(pattern):
            leftover.unlink(missing_ok=True)
    progress = ctx.state.in_progress_for(ctx.start, ctx.end)
    if progress is None:
        progress = ctx.state.begin(ctx.start, ctx.end, window=[utc_iso(first), utc_iso(last)], next_hour=utc_iso(first))
    else:
        ctx.log.info("amplitude: resuming %s at upload hour %s", progress["interval"], progress["next_hour"])
        ctx.resume_stats(progress)
    resume_at = datetime.fromisoformat(progress["next_hour"].replace("Z", "+00:00"))
    # What the manifests say now: files this run leaves untouched keep their row counts (checked by sha256).
    landing = _Landing(recorded={p: ctx.zone.read_manifest_files(p) for p in partition_dirs(ctx, first, last)})
    try:
        if resume_at <= last:
            export_range(ctx, resume_at, last, landing)
    finally:
        landing.check.close()
    cursor = {
        "window": [utc_iso(first), utc_iso(last)],
        "high_water_upload_hour": ctx.state.data.get("high_water_upload_hour"),
    }
    for partition in partition_dirs(ctx, first, last):
        day = datetime.strptime(partition.name, "dt=%Y-%m-%d").replace(tzinfo=UTC)
        ctx.manifests.append(
            PendingManifest(
                partition,
                STREAM,
                (day, day + timedelta(days=1)),
                cursor=cursor,
                files=landing.manifest_files(ctx.zone, partition),
            )
        )
    until = ctx.stop_at if ctx.stop_at is not None else last + HOUR
    ctx.covered = (first, until) if until > first else None
    if ctx.stop_at is not None:
        ctx.complete = False
        ctx.not_available = not_served_message(
            "amplitude", "upload hours", ctx.stop_at, AVAILABILITY_DELAY, ctx.end,
            served_from=ctx.stop_at + HOUR + AVAILABILITY_DELAY,
        )
        ctx.log.warning("%s", ctx.not_available)
    ctx.finished = True
