"""Amplitude Export API (`GET /api/2/export`), served from event lines pre-serialised by upload hour.

Each upload hour is serialised once at start-up into gzip parts of at most
`Limits.amplitude_events_per_part` lines, sorted by server_upload_time. An export then only
copies those pre-compressed parts into a ZIP spooled to a temp file, so serving is fast and
memory-bounded. The only per-request work is for the hour straddling the availability cutoff
(`now - 2h`): its lines are a prefix of the sorted hour, re-cut from one part.
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
import tempfile
import zipfile
from array import array
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from insights_dev.simulator.limits import Limits
from insights_dev.simulator.protocol import Handler, SimRequest, SimResponse, text_response
from insights_dev.simulator.world import field_seconds

if TYPE_CHECKING:
    from insights_dev.simulator.world import World

CREDENTIALS = {"api_key": "sim-api-key", "secret_key": "sim-secret-key"}
DEFAULT_PROJECT_ID = 187520
_HOUR_PARAM = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})$")
_SPOOL_IN_MEMORY_BYTES = 8 << 20


class EventRecordError(ValueError):
    """An event record the simulator cannot serve (names the record and field)."""


@dataclass
class _UploadHour:
    hour: int  # epoch hours (epoch seconds // 3600)
    upload_epochs: array  # sorted server_upload_time epochs, one per line
    parts: list[bytes]  # gzip of JSON lines, in upload order
    part_sizes: list[int]  # lines per part


# Compact separators like the real export; ensure_ascii=False keeps non-ASCII text as UTF-8.
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _gzip(lines: list[bytes]) -> bytes:
    # mtime=0 makes the bytes a pure function of the lines (identical served bytes after replay).
    return gzip.compress(b"\n".join(lines) + b"\n", compresslevel=1, mtime=0)


class AmplitudeStore:
    """Events grouped by server_upload_time hour, ready to export."""

    def __init__(self, events: list[dict], events_per_part: int) -> None:
        by_hour: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for index, event in enumerate(events):
            name = f"event #{index} (uuid {event.get('uuid')!r})"
            uploaded = field_seconds(event, "server_upload_time", EventRecordError, name)
            by_hour[int(uploaded // 3600)].append((uploaded, index))
        self.project_id = next((e["app"] for e in events if e.get("app") is not None), DEFAULT_PROJECT_ID)
        self.hours: dict[int, _UploadHour] = {}
        for hour, members in by_hour.items():
            # Stable order inside an hour: upload time, then uuid (a pure function of the data).
            members.sort(key=lambda m: (m[0], str(events[m[1]].get("uuid"))))
            parts, sizes = [], []
            for start in range(0, len(members), events_per_part):
                chunk = members[start : start + events_per_part]
                parts.append(_gzip([_ENCODE(events[i]).encode("utf-8") for _, i in chunk]))
                sizes.append(len(chunk))
            self.hours[hour] = _UploadHour(hour, array("d", (m[0] for m in members)), parts, sizes)
        self.sorted_hours = sorted(self.hours)
        self.total_events = len(events)

    @classmethod
    def from_serialised(
        cls, hours: Mapping[int, tuple[Sequence[float], Sequence[bytes], Sequence[int]]], project_id: int
    ) -> AmplitudeStore:
        """A store over already serialised upload hours: {epoch hour: (sorted upload epochs, gzip
        parts of JSON lines in that order, lines per part)}. Lets the benchmark serve millions of
        events from files without materialising one dict per event."""
        store = cls.__new__(cls)
        store.project_id = project_id
        store.hours = {}
        for hour, (epochs, parts, sizes) in hours.items():
            if len(epochs) != sum(sizes) or len(parts) != len(sizes):
                raise EventRecordError(f"upload hour {hour}: {len(epochs)} upload times for {sum(sizes)} lines")
            if any(b < a for a, b in pairwise(epochs)):
                raise EventRecordError(f"upload hour {hour}: lines are not sorted by server_upload_time")
            store.hours[hour] = _UploadHour(hour, array("d", epochs), list(parts), list(sizes))
        store.sorted_hours = sorted(store.hours)
        store.total_events = sum(len(h.upload_epochs) for h in store.hours.values())
        return store

    def hours_in(self, first_hour: int, last_hour: int) -> list[_UploadHour]:
        lo = bisect.bisect_left(self.sorted_hours, first_hour)
        hi = bisect.bisect_right(self.sorted_hours, last_hour)
        return [self.hours[h] for h in self.sorted_hours[lo:hi]]


def available_count(hour: _UploadHour, cutoff_epoch: float) -> int:
    """Lines of this hour uploaded at or before the cutoff (a prefix, lines being sorted)."""
    return bisect.bisect_right(hour.upload_epochs, cutoff_epoch)


def _available_parts(hour: _UploadHour, count: int) -> list[bytes]:
    parts, served = [], 0
    for blob, size in zip(hour.parts, hour.part_sizes, strict=True):
        if served + size <= count:
            parts.append(blob)
            served += size
            continue
        if served < count:  # the part straddling the cutoff: keep its first lines only
            lines = gzip.decompress(blob).split(b"\n")[: count - served]
            parts.append(_gzip(lines))
        break
    return parts


def _entry_name(project_id: object, hour: int, part: int) -> str:
    moment = datetime.fromtimestamp(hour * 3600, tz=UTC)
    return f"{project_id}/{project_id}_{moment:%Y-%m-%d}_{moment.hour}#{part}.json.gz"


def parse_hour_param(value: str | None, name: str) -> int:
    match = _HOUR_PARAM.match(value or "")
    if not match:
        raise ValueError(f"parameter {name!r} must look like YYYYMMDDTHH, got {value!r}")
    year, month, day, hour = (int(g) for g in match.groups())
    if hour > 23:
        raise ValueError(f"parameter {name!r}: hour {hour} is not in 0..23")
    try:
        moment = datetime(year, month, day, tzinfo=UTC) + timedelta(hours=hour)
    except ValueError as exc:
        raise ValueError(f"parameter {name!r}: {value!r} is not a valid date") from exc
    return int(moment.timestamp() // 3600)


class AmplitudeApi:
    def __init__(self, events: list[dict], limits: Limits, store: AmplitudeStore | None = None) -> None:
        self.limits = limits
        self.store = store if store is not None else AmplitudeStore(events, limits.amplitude_events_per_part)

    def handle(self, request: SimRequest, now: datetime) -> SimResponse:
        if request.method != "GET" or request.path.rstrip("/") != "/api/2/export":
            return text_response(404, "Not found")
        if request.basic_auth() != (CREDENTIALS["api_key"], CREDENTIALS["secret_key"]):
            return text_response(403, "Invalid API key or secret key")
        try:
            first_hour = parse_hour_param(request.param("start"), "start")
            last_hour = parse_hour_param(request.param("end"), "end")
        except ValueError as exc:
            return text_response(400, str(exc))
        if last_hour < first_hour:
            return text_response(400, "parameter 'end' is before 'start'")
        cutoff = (now - self.limits.amplitude_availability_delay).timestamp()
        selected = [(h, available_count(h, cutoff)) for h in self.store.hours_in(first_hour, last_hour)]
        selected = [(h, n) for h, n in selected if n]
        total = sum(n for _, n in selected)
        if total == 0:
            return text_response(404, "Raw data files were not found.")
        if total > self.limits.amplitude_max_events_per_export:
            return text_response(
                400,
                f"Raw data files were too large to export ({total} events > "
                f"{self.limits.amplitude_max_events_per_export}); narrow the time range.",
            )
        return self._zip(selected)

    def _zip(self, selected: list[tuple[_UploadHour, int]]) -> SimResponse:
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 (closed by sender)
        try:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
                for hour, count in selected:
                    moment = datetime.fromtimestamp(hour.hour * 3600, tz=UTC)
                    for part, blob in enumerate(_available_parts(hour, count)):
                        info = zipfile.ZipInfo(
                            _entry_name(self.store.project_id, hour.hour, part),
                            date_time=(moment.year, moment.month, moment.day, moment.hour, 0, 0),
                        )
                        archive.writestr(info, blob, compress_type=zipfile.ZIP_STORED)
            length = spool.tell()
        except BaseException:
            spool.close()
            raise
        headers = [("Content-Type", "application/zip")]
        return SimResponse(200, headers, stream=spool, stream_length=length)


def serve(world: World, limits: Limits, **options: Any) -> Handler:
    """The handler the simulator serves at /amplitude (insights_dev.simulator.server builds one per source)."""
    return AmplitudeApi(world.events, limits, options.get("amplitude_store")).handle
