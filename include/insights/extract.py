"""Extraction entry point, called by the Airflow tasks and the CLI (no Airflow import here).

``extract_interval(source, start, end, settings)`` lands the source's records of the interval
[start, end) in the raw zone (docs/contracts.md), under the source's lock, resuming a run of the
same interval that was killed, and raises a clear error when the quarantined share of the input
is over ``INSIGHTS_MAX_QUARANTINE_SHARE`` (default 1%).

Intervals: Amplitude takes whole UTC hours; Zendesk and Typeform partitions are named after the
interval's start date (one partition per interval), so their intervals must start at 00:00 UTC.

Run by hand: ``python -m insights.extract zendesk 2026-08-03 2026-08-04`` (settings from the
environment, as in docs/contracts.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from insights.landing import RawZone, check_quarantine_share, max_quarantine_share, utc_iso
from insights.locks import raw_zone_writing
from insights.settings import SOURCES, Settings, load_settings
from insights.sources import amplitude, typeform, zendesk
from insights.sources.context import RunContext
from insights.sources.http import HttpPolicy, SourceError, make_session
from insights.state import SourceState, source_lock

URL_ENV = {s: f"INSIGHTS_{s.upper()}_URL" for s in SOURCES}

EXTRACTORS: dict[str, Callable[[RunContext], None]] = {
    "amplitude": amplitude.extract,
    "zendesk": zendesk.extract,
    "typeform": typeform.extract,
}


@dataclass(frozen=True)
class ExtractResult:
    source: str
    interval: tuple[datetime, datetime]
    records_landed: int
    records_quarantined: int
    files_written: int
    requests: int  # HTTP attempts, retries included
    seconds: float
    complete: bool = True  # False: the source said the interval is not available yet (Zendesk 422)
    waited_seconds: float = 0.0  # time spent in backoff / Retry-After waits


def _as_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    # Naive datetimes are UTC (the simulator and the contracts speak UTC only).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_interval(source: str, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Normalise to UTC and check the interval fits the source's raw-zone layout."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    start, end = _as_utc(start, "start"), _as_utc(end, "end")
    if end <= start:
        raise ValueError(f"{source}: empty interval [{utc_iso(start)}, {utc_iso(end)}): end must be after start")
    for name, moment in (("start", start), ("end", end)):
        if moment.minute or moment.second or moment.microsecond:
            raise ValueError(f"{source}: interval {name} {moment.isoformat()} is not a whole UTC hour")
    if source != "amplitude" and start.hour:
        raise ValueError(
            f"{source}: interval start {utc_iso(start)} must be 00:00 UTC: its partition is named after "
            "the start date and a re-run replaces it, so two intervals must not share one"
        )
    return start, end


def extract_interval(
    source: str,
    start: datetime,
    end: datetime,
    settings: Settings,
    log: logging.Logger | None = None,
) -> ExtractResult:
    """Land ``source``'s records of [start, end) in the raw zone; see the module docstring."""
    log = log or logging.getLogger(f"insights.extract.{source}")
    start, end = check_interval(source, start, end)
    endpoint = settings.endpoint(source)
    if endpoint.base_url is None:
        raise SourceError(
            f"{source}: no base URL: set {URL_ENV[source]} (and its credentials), or run through a command "
            "that starts the bundled simulator (insights.bundled_simulator.source_endpoints)"
        )
    threshold = max_quarantine_share()
    began = time.monotonic()
    with source_lock(settings.state_dir, source), raw_zone_writing(settings.home, f"extracting {source}", log):
        session = make_session(source, endpoint.credentials, HttpPolicy.from_env())
        with session:
            ctx = RunContext(
                source=source,
                start=start,
                end=end,
                base_url=endpoint.base_url,
                session=session,
                zone=RawZone(settings.raw_dir),
                state=SourceState(settings.state_dir, source),
                log=log,
                tmp_dir=settings.home / "tmp" / source,
            )
            log.info("%s: extracting [%s, %s) from %s", source, utc_iso(start), utc_iso(end), endpoint.base_url)
            EXTRACTORS[source](ctx)
    stats = ctx.stats
    result = ExtractResult(
        source=source,
        interval=(start, end),
        records_landed=stats.records_landed,
        records_quarantined=stats.records_quarantined,
        files_written=stats.files_written,
        requests=session.attempts,
        seconds=round(time.monotonic() - began, 3),
        complete=ctx.complete,
        waited_seconds=round(session.waited_seconds, 3),
    )
    log.info(
        "%s: [%s, %s) %s: %d records landed, %d quarantined, %d files, %d requests (%.1fs waiting), %.1fs",
        source,
        utc_iso(start),
        utc_iso(end),
        "done" if result.complete else "NOT AVAILABLE YET",
        result.records_landed,
        result.records_quarantined,
        result.files_written,
        result.requests,
        result.waited_seconds,
        result.seconds,
    )
    check_quarantine_share(source, stats, threshold)
    return result


def _parse_instant(text: str) -> datetime:
    return _as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")), "instant")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights.extract", description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=SOURCES)
    parser.add_argument("start", type=_parse_instant, help="interval start, e.g. 2026-08-03 or 2026-08-03T00:00Z")
    parser.add_argument("end", type=_parse_instant, nargs="?", help="interval end (default: start + 1 day)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    end = args.end or args.start + timedelta(days=1)
    result = extract_interval(args.source, args.start, end, load_settings())
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
