"""Replay folders (shared spec sources.md section 4): load one into a World, or export a World as one.

<dir>/config/                         workspace config (tracking plan, areas, keywords, settings)
<dir>/amplitude/events/*.jsonl.gz     export records, one per line, files split any way
<dir>/typeform/forms/<form_id>.json   form definitions
<dir>/typeform/responses/<form_id>.jsonl
<dir>/zendesk/tickets.jsonl           ticket versions with embedded metric_set; latest updated_at wins
"""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from insights.settings import PACKAGE_CONFIG_DIR
from insights.sources import source_names
from insights_dev.simulator.world import World, parse_timestamp

CONFIG_FILES = ("tracking_plan.yml", "product_areas.csv", "product_area_keywords.csv", "settings.yml")
OPTIONAL_CONFIG_FILES = ("barometer_invitees.csv",)  # copied when the workspace has them
DATA_DIRS = source_names()  # one data folder per source


class ReplayError(ValueError):
    """Malformed replay input; the message names the file, the line and the field."""


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, JSON object) for each non-blank line of a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:  # decoded line by line, so the error names its line
                    byte, column = raw[exc.start], exc.start + 1
                    message = f"not valid UTF-8 (byte 0x{byte:02x} at column {column})"
                    raise ReplayError(f"{path}: line {number}: {message}") from None
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ReplayError(
                        f"{path}: line {number}: invalid JSON ({exc.msg} at column {exc.colno})"
                    ) from None
                if not isinstance(record, dict):
                    raise ReplayError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
                yield number, record
    except (OSError, EOFError, zlib.error) as exc:
        raise ReplayError(f"{path}: unreadable ({exc})") from exc


def _require_timestamp(path: Path, number: int, record: dict, field: str, nullable: bool = False) -> None:
    value = record.get(field)
    if value is None and nullable:
        return
    if field not in record:
        raise ReplayError(f"{path}: line {number}: missing field {field!r}")
    try:
        parse_timestamp(value)
    except (TypeError, ValueError, AttributeError):
        raise ReplayError(f"{path}: line {number}: field {field!r} is not a timestamp: {value!r}") from None


def _load_events(folder: Path) -> list[dict]:
    events = []
    for path in sorted((folder / "amplitude" / "events").glob("*.jsonl.gz")):
        for number, record in _lines(path):
            for field in ("event_time", "server_upload_time"):
                _require_timestamp(path, number, record, field)
            for field in ("event_type", "device_id", "uuid"):
                if not record.get(field):
                    raise ReplayError(f"{path}: line {number}: missing field {field!r}")
            events.append(record)
    return events


def _load_tickets(folder: Path) -> list[dict]:
    path = folder / "zendesk" / "tickets.jsonl"
    if not path.exists():
        return []
    tickets = []
    for number, record in _lines(path):
        ticket_id = record.get("id")
        if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
            raise ReplayError(f"{path}: line {number}: field 'id' must be an integer, got {ticket_id!r}")
        for field in ("created_at", "updated_at"):
            _require_timestamp(path, number, record, field)
        if not record.get("status"):
            raise ReplayError(f"{path}: line {number}: missing field 'status'")
        tickets.append(record)
    return tickets


def _load_forms(folder: Path) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    forms: dict[str, dict] = {}
    for path in sorted((folder / "typeform" / "forms").glob("*.json")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ReplayError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(body, dict):
            raise ReplayError(f"{path}: expected a JSON object (a form definition)")
        if body.get("id", path.stem) != path.stem:
            raise ReplayError(f"{path}: field 'id' is {body.get('id')!r} but the file name says {path.stem!r}")
        forms[path.stem] = body
    responses: dict[str, list[dict]] = {form_id: [] for form_id in forms}
    for path in sorted((folder / "typeform" / "responses").glob("*.jsonl")):
        if path.stem not in forms:
            raise ReplayError(f"{path}: no form definition typeform/forms/{path.stem}.json for these responses")
        for number, record in _lines(path):
            if not (record.get("response_id") or record.get("token")):
                raise ReplayError(f"{path}: line {number}: missing field 'response_id' (or 'token')")
            _require_timestamp(path, number, record, "landed_at")
            _require_timestamp(path, number, record, "submitted_at", nullable=True)
            responses[path.stem].append(record)
    return forms, responses


def _data_days(events: list[dict], tickets: list[dict], responses: dict[str, list[dict]]) -> list[date]:
    """Days the data covers: valid events' event_time (future-dated ones excluded), else tickets/responses."""
    days = []
    for event in events:
        happened, uploaded = parse_timestamp(event["event_time"]), parse_timestamp(event["server_upload_time"])
        if happened <= uploaded + timedelta(hours=1):
            days.append(happened.date())
    if not days:
        days = [parse_timestamp(t["created_at"]).date() for t in tickets]
        days += [
            parse_timestamp(r.get("submitted_at") or r["landed_at"]).date() for rs in responses.values() for r in rs
        ]
    return days


def load_replay(folder: Path) -> World:
    """Read a replay folder into a World; first/last day come from the data, config_dir is folder/config."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReplayError(f"{folder}: replay folder not found")
    events = _load_events(folder)
    tickets = _load_tickets(folder)
    forms, responses = _load_forms(folder)
    days = _data_days(events, tickets, responses)
    if not days:
        raise ReplayError(
            f"{folder}: no data found (expected amplitude/events/*.jsonl.gz, zendesk/tickets.jsonl "
            "or typeform/responses/*.jsonl)"
        )
    config_dir = folder / "config"
    return World(
        first_day=min(days),
        last_day=max(days),
        events=events,
        ticket_versions=tickets,
        forms=forms,
        responses=responses,
        config_dir=config_dir if config_dir.is_dir() else None,
    )


def _dump(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def export_world(world: World, folder: Path, *, overwrite: bool = False) -> None:
    """Write `world` as a replay folder. Events go to one file per server_upload_time day.

    The folder must be empty (or absent) unless `overwrite`, which replaces config/ and the
    data folders, so no stale file of an earlier export is replayed. A world without a config_dir
    is exported with the demo config (include/config/), the one generate_world defaults to.
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        if not overwrite:
            raise ReplayError(f"{folder}: folder is not empty; pass overwrite=True to replace its replay data")
        for name in ("config", *DATA_DIRS):
            shutil.rmtree(folder / name, ignore_errors=True)
    source_config = Path(world.config_dir) if world.config_dir is not None else PACKAGE_CONFIG_DIR
    (folder / "config").mkdir(parents=True, exist_ok=True)
    for name in CONFIG_FILES:
        if not (source_config / name).is_file():
            raise ReplayError(f"{source_config / name}: workspace config file not found (world.config_dir)")
        shutil.copyfile(source_config / name, folder / "config" / name)
    for name in OPTIONAL_CONFIG_FILES:
        if (source_config / name).is_file():
            shutil.copyfile(source_config / name, folder / "config" / name)

    events_dir = folder / "amplitude" / "events"
    events_dir.mkdir(parents=True)
    by_day: dict[str, list[dict]] = defaultdict(list)
    for event in world.events:
        by_day[str(event["server_upload_time"])[:10]].append(event)
    for day, events in sorted(by_day.items()):
        # mtime=0: the same world always exports the same bytes.
        with (
            open(events_dir / f"events-{day}.jsonl.gz", "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as handle,
        ):
            for event in events:
                handle.write((_dump(event) + "\n").encode("utf-8"))

    (folder / "typeform" / "forms").mkdir(parents=True)
    (folder / "typeform" / "responses").mkdir(parents=True)
    for form_id, form in world.forms.items():
        (folder / "typeform" / "forms" / f"{form_id}.json").write_text(
            json.dumps(form, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    for form_id, items in world.responses.items():
        lines = "".join(_dump(item) + "\n" for item in items)
        (folder / "typeform" / "responses" / f"{form_id}.jsonl").write_text(lines, encoding="utf-8")

    (folder / "zendesk").mkdir(parents=True)
    lines = "".join(_dump(ticket) + "\n" for ticket in world.ticket_versions)
    (folder / "zendesk" / "tickets.jsonl").write_text(lines, encoding="utf-8")
