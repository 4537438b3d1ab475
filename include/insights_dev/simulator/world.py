"""The simulated world: what the three vendor APIs hold, and the timestamp formats they speak."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

AMPLITUDE_TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # 2026-01-05 13:45:12.123456 (UTC, no zone)
ISO_SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # Zendesk and Typeform: 2026-01-05T10:38:52Z


@dataclass
class World:
    """Everything the simulator serves. Hand-built worlds are fine for tests."""

    first_day: date
    last_day: date
    events: list[dict]  # Amplitude export records; several may share $insert_id
    ticket_versions: list[dict]  # Zendesk tickets incl. "metric_set" (None when deleted); several per id
    forms: dict[str, dict]  # form_id -> body of GET /forms/{id}
    responses: dict[str, list[dict]]  # form_id -> Typeform response items
    config_dir: Path | None = None  # workspace config the world was generated for (exported to config/)


# How long after the world's end the pinned clock stands: past every source's availability delay
# (Amplitude serves an upload hour 2 h after it ends, Typeform 30 min, Zendesk 1 min), so a backfill
# to the last day finds all of it served.
CLOCK_AFTER_LAST_DAY = timedelta(hours=3)


def default_clock_for(world: World) -> datetime:
    """The clock the pipeline pins: the day after the world's last day, 03:00 UTC (all data is served)."""
    return datetime.combine(world.last_day + timedelta(days=1), time(0), tzinfo=UTC) + CLOCK_AFTER_LAST_DAY


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_amplitude_ts(moment: datetime) -> str:
    return as_utc(moment).strftime(AMPLITUDE_TS_FORMAT)


def format_iso_seconds(moment: datetime) -> str:
    return as_utc(moment).strftime(ISO_SECONDS_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Parse any of the vendors' timestamp spellings (space or T, optional Z/offset, micros) as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(value))


_EPOCH = datetime(1970, 1, 1)


def epoch_seconds(text: str) -> float:
    """Seconds since the epoch of a vendor timestamp (naive means UTC). Fast path: no zone suffix."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return parse_timestamp(text).timestamp()
    if moment.tzinfo is None:
        return (moment - _EPOCH).total_seconds()
    return moment.timestamp()


def field_seconds(record: dict, field: str, error: type[Exception], record_name: str) -> float:
    """`epoch_seconds` of the record's timestamp field; `error` naming the record (`record_name`) and the
    field when it is missing or not a timestamp (a replayed or hand-made world is not trusted)."""
    try:
        return epoch_seconds(record[field])
    except (KeyError, TypeError, ValueError) as exc:
        raise error(f"{record_name}: field {field!r} is missing or not a timestamp: {record.get(field)!r}") from exc
