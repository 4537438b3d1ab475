"""Zendesk incremental ticket export (cursor) -> ``raw/zendesk/tickets/dt=<a>/part-NNNNN.jsonl.gz``.

The extraction of interval [a, b) (sources.md section 2, docs/contracts.md) asks
``start_time=a&include=metric_sets&per_page=1000``, then only ``cursor=<after_cursor>``, keeps the
tickets whose ``generated_timestamp`` is in [a, b) and stops at ``end_of_stream`` or at the first
ticket generated at or after b. Each page lands as one part file; the state records the cursor
and the next part number after every page, so a killed run resumes at the page it was on.

Availability: Zendesk serves a ticket version about a minute after its ``generated_timestamp``
(and refuses a ``start_time`` younger than that with 422). What is there lands; the run covers
[a, min(b, server time - AVAILABILITY_DELAY)), judged on the ``Date`` of the first page.

The frontier: the export serves each ticket once, at its *current* version. A ticket updated before
b and again after b is therefore no longer served before b: an interval that stops at b would leave
it out until the next run, while its day already counts as complete. So when b is less than a day
before the vendor's clock (a nightly run, a backfill's last days), the run reads on to
``end_of_stream`` (caught up, as Zendesk documents it) and covers [a, server time - delay): every
ticket lands at its current version. Older intervals stop at b (bounded, repeatable work); the
later intervals of the same backfill land what they leave out.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from insights.extraction.context import PendingManifest, RunContext, not_served_message
from insights.extraction.http import SourceHTTPError, raise_for_status, response_json
from insights.extraction.landing import RecordFileWriter, dt_dir
from insights.extraction.schema import stream_schema
from insights.sources.zendesk import SPEC

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
STREAM = "tickets"
PER_PAGE = 1000
TOO_RECENT_STATUSES = frozenset({400, 422})
# How long after its generated_timestamp Zendesk serves a ticket version (declared once, here).
AVAILABILITY_DELAY = SPEC.availability_delay
# An interval ending less than this before the vendor's clock is the frontier: read to end_of_stream.
FRONTIER = timedelta(days=1)

def validate_ticket(record: Any) -> tuple[str, str] | None:
    """The ticket schema (dbt sources YAML), shared with the staging casts and the raw GX suite."""
    return stream_schema("zendesk", STREAM).validate(record)


def partition_dir(ctx: RunContext) -> Path:
    return ctx.zone.path("zendesk", STREAM, dt_dir(ctx.start.date()))


def part_name(number: int) -> str:
    return f"part-{number:05d}.jsonl.gz"


def _part_number(path: Path) -> int | None:
    stem = path.name.removesuffix(".jsonl.gz")
    digits = stem.removeprefix("part-")
    return int(digits) if stem.startswith("part-") and digits.isdigit() else None


def _prepare_partition(ctx: RunContext, partition: Path, progress: dict[str, Any], resumed: bool) -> None:
    if not resumed:
        ctx.zone.clear_partition(partition)
        return
    # Part files at or past the resume point were written by the killed run after its last state
    # save: their page is fetched again, so drop them rather than risk a stale leftover.
    ctx.zone.open_partition(partition)
    for path in ctx.zone.data_files(partition):
        number = _part_number(path)
        if number is not None and number >= progress["next_part"]:
            path.unlink()
            quarantine = ctx.zone.quarantine_path(path)
            quarantine.unlink(missing_ok=True)


def _fetch_page(ctx: RunContext, cursor: str | None) -> dict[str, Any] | None:
    """One page of the export; None when the first call is refused as too recent."""
    if cursor is None:
        params: dict[str, Any] = {
            "start_time": int(ctx.start.timestamp()),
            "include": "metric_sets",
            "per_page": PER_PAGE,
        }
    else:
        params = {"cursor": cursor}
    response = ctx.session.get(ctx.url(EXPORT_PATH), params=params)
    ctx.served_at(response)
    if cursor is None and response.status_code in TOO_RECENT_STATUSES:
        ctx.not_available = not_served_message("zendesk", "tickets generated", ctx.start, AVAILABILITY_DELAY, ctx.end)
        ctx.log.warning(
            "zendesk: start_time %s refused with HTTP %d (%s): %s; nothing landed, the partition stays "
            "incomplete and the next run retries it",
            params["start_time"],
            response.status_code,
            response.text[:200],
            ctx.not_available,
        )
        return None
    raise_for_status(response, "zendesk")
    body = response_json(response, "zendesk")
    if not isinstance(body, dict) or not isinstance(body.get("tickets"), list):
        raise SourceHTTPError(f"zendesk: GET {response.url}: response has no 'tickets' list")
    return body


def extract(ctx: RunContext) -> None:
    partition = partition_dir(ctx)
    start_ts, end_ts = int(ctx.start.timestamp()), int(ctx.end.timestamp())
    progress = ctx.state.in_progress_for(ctx.start, ctx.end)
    resumed = progress is not None
    if progress is None:
        progress = ctx.state.begin(ctx.start, ctx.end, cursor=None, next_part=1, pages=0, fetched=False)
    else:
        ctx.log.info("zendesk: resuming %s at part %d", progress["interval"], progress["next_part"])
        ctx.resume_stats(progress)
    if not progress.get("fetched"):
        _prepare_partition(ctx, partition, progress, resumed)
        if not _fetch_interval(ctx, partition, progress, start_ts, end_ts):
            ctx.complete = False
            ctx.save_progress()
            return
    ctx.manifests.append(
        PendingManifest(
            partition,
            STREAM,
            (ctx.start, ctx.end),
            cursor=progress["cursor"],
            extra={"end_of_stream": progress.get("end_of_stream", False), "pages": progress["pages"]},
        )
    )
    ctx.state.data["cursor"] = progress["cursor"]
    ctx.cover_until_served(ctx.start, ctx.earliest_served_at(), AVAILABILITY_DELAY, "tickets generated",
                           to_end=not progress.get("frontier", False))
    ctx.finished = True


def _is_frontier(ctx: RunContext) -> bool:
    served = ctx.earliest_served_at()
    return served is not None and served - ctx.end < FRONTIER


def _fetch_interval(
    ctx: RunContext, partition: Path, progress: dict[str, Any], start_ts: int, end_ts: int
) -> bool:
    """Page the interval into part files; False when the source refused it as too recent."""
    while True:
        cursor = progress["cursor"]
        body = _fetch_page(ctx, cursor)
        if body is None:
            return False
        if cursor is None:
            progress["frontier"] = _is_frontier(ctx)
        source_file = f"GET {EXPORT_PATH}?" + ("start_time=" + str(start_ts) if cursor is None else "cursor=" + cursor)
        path = partition / part_name(progress["next_part"])
        reached_end = False
        with RecordFileWriter(ctx.zone, path, validate_ticket, ctx.stats) as writer:
            for line, ticket in enumerate(body["tickets"], start=1):
                # Place the ticket by generated_timestamp even when it is otherwise invalid, so a bad
                # ticket is quarantined by the interval it belongs to (once), not by its neighbour.
                generated = ticket.get("generated_timestamp") if isinstance(ticket, dict) else None
                if isinstance(generated, int) and not isinstance(generated, bool):
                    if generated >= end_ts and not progress.get("frontier"):
                        reached_end = True  # ordered by generated_timestamp: the rest is later too
                        break
                    if generated < start_ts:
                        continue
                writer.add_record(ticket, source_file, line)
            landed = writer.commit()
        if landed is not None or writer.quarantined:
            progress["next_part"] += 1
        next_cursor = body.get("after_cursor")
        end_of_stream = bool(body.get("end_of_stream"))
        progress["cursor"] = next_cursor
        progress["pages"] += 1
        progress["end_of_stream"] = end_of_stream
        done = reached_end or end_of_stream or not body["tickets"] or not next_cursor
        progress["fetched"] = done
        ctx.save_progress()
        ctx.progress(
            f"page {progress['pages']} ({path.name if landed else 'no file'})", writer.rows, len(writer.quarantined)
        )
        if done:
            return True
