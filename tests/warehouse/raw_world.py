"""Raw-zone files for warehouse tests, in the layout of docs/contracts.md, without HTTP.

Events go to `amplitude/events/dt=<upload day>/hour=<upload hour>.jsonl.gz`, one manifest per
upload day, written with the landing module's own writer, so the loader reads exactly what an
extraction would have landed. `write_events(..., upload_days=...)` lands only some upload days:
loading day by day is how the nightly runs are simulated. `write_watermark` publishes how far a
source is complete, in the format the extraction writes (`raw/<source>/_watermark.json`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from insights.extraction.landing import LandedFile, LandingStats, RawZone, RecordFileWriter, utc_iso, write_json_atomic

AMPLITUDE_TS = "%Y-%m-%d %H:%M:%S.%f"


def amp_ts(moment: datetime) -> str:
    return moment.strftime(AMPLITUDE_TS)


def parse_amp_ts(text: str) -> datetime:
    return datetime.strptime(text if "." in text else text + ".000000", AMPLITUDE_TS)


def _accept(_record: Any) -> None:
    return None


def write_partition(
    raw_dir: Path,
    source: str,
    stream: str,
    partition: str,
    files: dict[str, list[Any]],
    day: date,
    *,
    raw_lines: bool = False,
    quarantined: int | None = None,
    run_quarantined_share: float | None = None,
) -> list[LandedFile]:
    """Write `files` (name -> records, or raw bytes lines) into one partition, manifest last.

    `quarantined` / `run_quarantined_share` go into the manifest as the extraction writes them;
    left out (None), the manifest has the older format without them.
    """
    zone = RawZone(raw_dir)
    folder = zone.path(source, stream, *partition.split("/"))
    stats = LandingStats()
    landed = []
    for name, records in sorted(files.items()):
        writer = RecordFileWriter(zone, folder / name, _accept, stats)
        for line_no, record in enumerate(records, start=1):
            if raw_lines:
                writer.add_line(record, "fixture", line_no)
            else:
                writer.add_record(record, "fixture", line_no)
        result = writer.commit(keep_empty=True)
        assert result is not None
        landed.append(result)
    start = datetime.combine(day, time(0), tzinfo=UTC)
    extra: dict[str, Any] = {}
    if quarantined is not None:
        extra["quarantined"] = quarantined
    if run_quarantined_share is not None:
        extra["run_quarantined_share"] = run_quarantined_share
    zone.write_manifest(
        folder, source=source, stream=stream, interval=(start, start + timedelta(days=1)), files=landed, extra=extra
    )
    return landed


def write_watermark(raw_dir: Path, source: str, complete_through: datetime | str | None) -> Path:
    """`raw/<source>/_watermark.json` as the extraction writes it (atomically); a naive datetime is UTC."""
    if isinstance(complete_through, datetime):
        moment = complete_through if complete_through.tzinfo else complete_through.replace(tzinfo=UTC)
        complete_through = utc_iso(moment)
    path = raw_dir / source / "_watermark.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        path,
        {"source": source, "complete_through": complete_through, "updated_at": utc_iso(datetime.now(UTC))},
    )
    return path


def events_by_upload_hour(events: Iterable[dict]) -> dict[date, dict[int, list[dict]]]:
    grouped: dict[date, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        uploaded = parse_amp_ts(event["server_upload_time"])
        grouped[uploaded.date()][uploaded.hour].append(event)
    return grouped


def write_events(
    raw_dir: Path,
    events: Iterable[dict],
    upload_days: Iterable[date] | None = None,
    uploaded_before: datetime | None = None,
) -> list[date]:
    """Land the events uploaded on `upload_days` (all when None); returns the days written.

    `uploaded_before` leaves out later uploads, as an export run before they were available
    would (the re-fetch of that hour later replaces its file with a different sha).
    """
    if uploaded_before is not None:
        events = [e for e in events if parse_amp_ts(e["server_upload_time"]) < uploaded_before]
    grouped = events_by_upload_hour(events)
    days = sorted(grouped) if upload_days is None else sorted(d for d in upload_days if d in grouped)
    for day in days:
        hours = grouped[day]
        files = {f"hour={hour:02d}.jsonl.gz": records for hour, records in hours.items()}
        write_partition(raw_dir, "amplitude", "events", f"dt={day.isoformat()}", files, day)
    return days


def upload_days(events: Iterable[dict]) -> list[date]:
    return sorted(events_by_upload_hour(events))


def event(
    event_type: str,
    event_time: str,
    *,
    device_id: str,
    user_id: str | None = None,
    insert_id: str | None = "auto",
    uuid: str | None = None,
    uploaded: str | None = None,
    email: str | None = None,
    is_test: Any = None,
    properties: dict | None = None,
) -> dict:
    """A hand-written export record; upload time defaults to 1 minute after event_time."""
    at = parse_amp_ts(event_time)
    upload = parse_amp_ts(uploaded) if uploaded else at + timedelta(minutes=1)
    event.counter += 1  # type: ignore[attr-defined]
    n = event.counter  # type: ignore[attr-defined]
    user_properties: dict[str, Any] = {}
    if email is not None:
        user_properties["email"] = email
    if is_test is not None:
        user_properties["is_test"] = is_test
    return {
        "$insert_id": f"ins-{n:06d}" if insert_id == "auto" else insert_id,
        "uuid": uuid or f"00000000-0000-0000-0000-{n:012d}",
        "event_type": event_type,
        "user_id": user_id,
        "device_id": device_id,
        "event_time": amp_ts(at),
        "client_event_time": amp_ts(at),
        "server_upload_time": amp_ts(upload),
        "server_received_time": amp_ts(upload),
        "session_id": int(at.timestamp() * 1000),
        "platform": "Web",
        "os_name": "Chrome",
        "country": "France",
        "amplitude_id": 1000 + n,
        "app": 187520,
        "event_properties": properties or {},
        "user_properties": user_properties,
    }


event.counter = 0  # type: ignore[attr-defined]


def to_json_lines(records: Iterable[dict]) -> list[bytes]:
    return [json.dumps(r).encode() for r in records]
