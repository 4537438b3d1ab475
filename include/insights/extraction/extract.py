"""Extraction entry point, called by the Airflow tasks and the CLI (no Airflow import here).

``extract_interval(source, start, end, settings)`` lands the source's records of the interval
[start, end) in the raw zone (docs/contracts.md), under the source's lock, resuming a run of the
same interval that was killed. Then it commits the run, in this order: the quarantined share of
the whole run is checked against ``INSIGHTS_MAX_QUARANTINE_SHARE`` (default 1%) first (over it:
a clear error naming file, line and field, no manifest written, the state not finished, the
watermark unmoved, so nothing of the run is ever loaded); then the partition manifests (with
``quarantined`` and ``run_quarantined_share``), the state, and ``raw/<source>/_watermark.json``.

Availability: what the vendor did not serve yet (by its clock, the ``Date`` header) is not landed
as if final; the result says so (``complete=False``, ``not_available``), the watermark stops short.

Intervals: Amplitude takes whole UTC hours; Zendesk and Typeform partitions are named after the
interval's start date (one partition per interval), so their intervals must start at 00:00 UTC.

Run by hand: ``python -m insights.extraction.extract zendesk 2026-08-03 2026-08-04`` (settings from the
environment, as in docs/contracts.md).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from insights.extraction.context import RunContext
from insights.extraction.http import HttpPolicy, SourceError, make_session
from insights.extraction.landing import (
    QuarantineThresholdError,
    RawZone,
    check_quarantine_share,
    is_storage_error,
    max_quarantine_share,
    utc_iso,
)
from insights.extraction.state import SourceState, publish_watermark, source_lock
from insights.locks import raw_zone_writing
from insights.settings import Settings, load_settings
from insights.sources import source_names, source_spec

URL_ENV = {name: source_spec(name).url_env for name in source_names()}


def extractor(source: str) -> Callable[[RunContext], None]:
    """The source's ``extract(ctx)``, from the client module its spec names (imported on first use)."""
    function = importlib.import_module(source_spec(source).client_module).extract
    return function  # type: ignore[no-any-return]


class StorageError(RuntimeError):
    """The raw zone cannot be written (disk full, read-only): not a fault of the source's data."""


@dataclass(frozen=True)
class ExtractResult:
    source: str
    interval: tuple[datetime, datetime]
    records_landed: int
    records_quarantined: int
    files_written: int
    requests: int  # HTTP attempts, retries included
    seconds: float
    complete: bool = True  # False: part of the interval was not served yet (availability delay)
    waited_seconds: float = 0.0  # time spent in backoff / Retry-After waits
    retries: int = 0  # of the requests, the retries (429 rate limits, 5xx, connection errors)
    not_available: str | None = None  # what was not served yet, said plainly (None when complete)
    complete_through: datetime | None = None  # the source's watermark after this run
    quarantined_by_field: dict[str, int] = field(default_factory=dict)  # the run summary's breakdown


def _as_utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    # Naive datetimes are UTC (the simulator and the contracts speak UTC only).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_interval(source: str, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Normalise to UTC and check the interval fits the source's raw-zone layout."""
    source_spec(source)  # raises on an unknown source
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
    summary_level: int = logging.INFO,
) -> ExtractResult:
    """Land ``source``'s records of [start, end) in the raw zone; see the module docstring.

    ``summary_level``: the level of the run's one-line summary (a backfill logs one per source instead).
    """
    log = log or logging.getLogger(f"insights.extraction.extract.{source}")
    start, end = check_interval(source, start, end)
    endpoint = settings.endpoint(source)
    if endpoint.base_url is None:
        raise SourceError(
            f"{source}: no base URL: set {URL_ENV[source]} (and its credentials), or run through a command "
            "that starts the bundled simulator (insights_dev.bundled_simulator.source_endpoints)"
        )
    threshold = max_quarantine_share()
    began = time.monotonic()
    try:
        ctx, attempts, retries, waited = _run(source, start, end, settings, endpoint.base_url, endpoint.credentials,
                                     threshold, log)
    except OSError as exc:
        if not is_storage_error(exc) and not isinstance(exc, PermissionError):
            raise
        raise StorageError(
            f"{source}: cannot write under {settings.home} ({exc.strerror or exc}"
            + (f": {exc.filename}" if exc.filename else "")
            + "); free space or fix the folder's permissions and run again: the interval resumes where it stopped"
        ) from exc
    stats = ctx.stats
    result = ExtractResult(
        source=source,
        interval=(start, end),
        records_landed=stats.records_landed,
        records_quarantined=stats.records_quarantined,
        files_written=stats.files_written,
        requests=attempts,
        retries=retries,
        seconds=round(time.monotonic() - began, 3),
        complete=ctx.complete,
        waited_seconds=round(waited, 3),
        not_available=ctx.not_available,
        complete_through=ctx.state.complete_through,
        quarantined_by_field=dict(stats.by_field),
    )
    log.log(
        summary_level,
        "%s: [%s, %s) %s: %d records landed, %d quarantined, %d files, %d requests (%d retried, %.1fs waiting), %.1fs",
        source,
        utc_iso(start),
        utc_iso(end),
        "done" if result.complete else "INCOMPLETE",
        result.records_landed,
        result.records_quarantined,
        result.files_written,
        result.requests,
        result.retries,
        result.waited_seconds,
        result.seconds,
    )
    return result


def _run(
    source: str,
    start: datetime,
    end: datetime,
    settings: Settings,
    base_url: str,
    credentials: dict[str, str],
    threshold: float,
    log: logging.Logger,
) -> tuple[RunContext, int, int, float]:
    with source_lock(settings.state_dir, source), raw_zone_writing(settings.home, f"extracting {source}", log):
        session = make_session(source, credentials, HttpPolicy.from_env(source=source))
        with session:
            ctx = RunContext(
                source=source,
                start=start,
                end=end,
                base_url=base_url,
                session=session,
                zone=RawZone(settings.raw_dir, settings.raw_zone_store()),
                state=SourceState(settings.state_dir, source),
                log=log,
                tmp_dir=settings.home / "tmp" / source,
            )
            log.debug("%s: extracting [%s, %s) from %s", source, utc_iso(start), utc_iso(end), base_url)
            extractor(source)(ctx)
        if ctx.finished:
            commit_run(ctx, threshold)
        elif ctx.not_available:
            log.warning("%s", ctx.not_available)
    return ctx, session.attempts, session.retries, session.waited_seconds


def commit_run(ctx: RunContext, threshold: float) -> None:
    """Check the run's quarantined share, then write its manifests, finish its state, move and publish
    the watermark; over the threshold, nothing of the run is committed and its next run starts over."""
    try:
        check_quarantine_share(ctx.source, ctx.stats, threshold)
    except QuarantineThresholdError as exc:
        ctx.state.abandon(ctx.start, ctx.end, str(exc))
        raise
    share = round(ctx.stats.quarantined_share, 6)
    for pending in ctx.manifests:
        ctx.zone.write_manifest(
            pending.partition,
            source=ctx.source,
            stream=pending.stream,
            interval=pending.interval,
            files=pending.files,
            cursor=pending.cursor,
            extra={
                **pending.extra,
                "quarantined": ctx.zone.quarantined_count(pending.partition),
                "run_quarantined_share": share,
            },
        )
    ctx.state.finish(
        ctx.start,
        ctx.end,
        covered=ctx.covered,
        complete=ctx.complete,
        records_landed=ctx.stats.records_landed,
        records_quarantined=ctx.stats.records_quarantined,
        **({"not_available": ctx.not_available} if ctx.not_available else {}),
    )
    publish_watermark(ctx.zone.root, ctx.source, ctx.state.complete_through, ctx.zone.remote)


def _parse_instant(text: str) -> datetime:
    return _as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")), "instant")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights.extraction.extract", description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=source_names())
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
