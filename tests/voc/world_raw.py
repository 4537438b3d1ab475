"""Land a simulated world's tickets and survey data as the nightly extraction would, without HTTP.

Ticket versions go to the partition of the day they were written (the day interval whose
extraction picks them up: generated_timestamp = updated_at); responses to the partition of
their submission (or landing, when partial) day, and those of a day's first 30 minutes a
second time into the previous day's partition (the extraction's 30-minute lookback); form
definitions into the last day's partition. Manifests are written by the landing writer.
Watermarks: zendesk complete through the end of the last day, typeform through its start (the
world's last day is published, flagged incomplete, in the NPS and feedback marts).
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from insights.extraction.landing import RawZone, utc_iso, write_json_atomic
from insights_dev.simulator import World

LOOKBACK = time(0, 30)


def parse_ts(value: str) -> datetime:
    """An API timestamp ('2026-09-24T09:00:00Z') as naive UTC."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")


def _land(raw_dir: Path, stream: str, partition: str, files: dict[str, list[dict[str, Any]]], day: date) -> None:
    source, name = stream.split("/")
    folder = raw_dir / source / name / partition
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, records in files.items():
        with gzip.open(folder / file_name, "wb") as handle:
            for record in records:
                handle.write(json.dumps(record).encode("utf-8") + b"\n")
    start = datetime.combine(day, time(0), tzinfo=UTC)
    RawZone(raw_dir).write_manifest(folder, source=source, stream=name, interval=(start, start + timedelta(days=1)))


def watermarks(world: World) -> dict[str, datetime]:
    last = datetime.combine(world.last_day, time(0))
    return {"zendesk": last + timedelta(days=1), "typeform": last}


def write_world_raw_zone(world: World, raw_dir: Path) -> None:
    for source, complete_through in watermarks(world).items():
        write_json_atomic(
            raw_dir / source / "_watermark.json",
            {"source": source, "complete_through": utc_iso(complete_through.replace(tzinfo=UTC)), "updated_at": None},
        )
    tickets: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for version in world.ticket_versions:
        tickets[parse_ts(version["updated_at"]).date()].append(version)
    for day, versions in tickets.items():
        _land(raw_dir, "zendesk/tickets", f"dt={day}", {"part-00000.jsonl.gz": versions}, day)

    forms = {f"form_id={form_id}.jsonl.gz": [form] for form_id, form in world.forms.items()}
    _land(raw_dir, "typeform/forms", f"dt={world.last_day}", forms, world.last_day)

    for form_id, items in world.responses.items():
        by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            moment = parse_ts(item["submitted_at"] or item["landed_at"])
            by_day[moment.date()].append(item)
            if moment.time() < LOOKBACK:
                by_day[moment.date() - timedelta(days=1)].append(item)
        for day, day_items in by_day.items():
            partition = f"form_id={form_id}/dt={day}"
            _land(raw_dir, "typeform/responses", partition, {"part-00000.jsonl.gz": day_items}, day)
