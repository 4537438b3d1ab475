"""Per-source extraction state, the source's completeness watermark, and the per-source lock.

``state/<source>.json`` holds the interval in progress with its resume point (cursor, next upload
hour, next part number, files and counts landed so far), the last completed interval and
high-water marks. It is rewritten atomically after every landed page/hour file, so a run killed at
any point resumes where it stopped: a page whose file landed but whose state update did not is
fetched again and rewrites the same part file (nothing duplicated); nothing is skipped (nothing lost).

It also holds the source's watermark (``complete_through``): the source is complete through T
when every record it serves with a vendor timestamp before T has been extracted. Each finished
extraction reports the vendor-time range it covered completely; the watermark moves forward only,
and only contiguously: a range that starts after it is kept aside (``coverage``) and joins it once
the gap is filled. The first extraction starts it (history before it is out of scope). It is
published for the warehouse as ``raw/<source>/_watermark.json`` (``publish_watermark``).

``state/<source>.lock`` is held with ``fcntl.flock`` for the whole extraction, so two extractions
of one source never run at once; the kernel drops the lock when its holder dies.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from insights.extraction.landing import utc_iso, write_json_atomic
from insights.locks import file_lock
from insights.raw_zone import RawZoneStore

STATE_VERSION = 1
WATERMARK_NAME = "_watermark.json"
Range = tuple[datetime, datetime]


class StateError(RuntimeError):
    """The state file is unreadable; the message names it."""


class ExtractionLockedError(RuntimeError):
    """Another extraction of the same source holds its lock."""


def interval_key(start: datetime, end: datetime) -> list[str]:
    return [utc_iso(start), utc_iso(end)]


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def merge_ranges(ranges: Sequence[Range]) -> list[Range]:
    """Sorted, with overlapping or touching ranges merged; empty ranges dropped."""
    merged: list[Range] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def advance_watermark(
    watermark: datetime | None, coverage: Sequence[Range], covered: Range | None
) -> tuple[datetime | None, list[Range]]:
    """The watermark and the ranges kept aside after an extraction covered ``covered`` completely.

    Forward only and contiguous: the watermark moves to the end of the covered ranges that join it
    (a range starting at or before it); a range after it waits in ``coverage`` for the gap to be
    filled. No watermark yet: the first covered range starts it.
    """
    ranges = merge_ranges([*coverage, *([covered] if covered else [])])
    if watermark is None:
        if covered is None or covered[1] <= covered[0]:
            return None, ranges
        watermark = next(end for start, end in ranges if start <= covered[0] <= end)
    for start, end in ranges:
        if start <= watermark < end:
            watermark = end
    return watermark, [r for r in ranges if r[0] > watermark]


class SourceState:
    """The JSON state of one source; ``save`` writes it atomically."""

    def __init__(self, state_dir: Path, source: str) -> None:
        self.path = Path(state_dir) / f"{source}.json"
        self.source = source
        self.data: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": STATE_VERSION, "source": self.source, "in_progress": None}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise StateError(
                f"{self.path}: not valid JSON ({exc}); move it away to restart {self.source} from scratch"
            ) from exc
        if not isinstance(data, dict) or data.get("source") != self.source:
            raise StateError(f"{self.path}: not a state file of source {self.source!r}")
        return data

    def save(self) -> None:
        write_json_atomic(self.path, self.data)

    def in_progress_for(self, start: datetime, end: datetime) -> dict[str, Any] | None:
        """The saved progress of exactly this interval, if a previous run of it did not finish."""
        progress = self.data.get("in_progress")
        if isinstance(progress, dict) and progress.get("interval") == interval_key(start, end):
            return progress
        return None

    def begin(self, start: datetime, end: datetime, **fields: Any) -> dict[str, Any]:
        progress = {"interval": interval_key(start, end), **fields}
        self.data["in_progress"] = progress
        self.save()
        return progress

    def finish(self, start: datetime, end: datetime, *, covered: Range | None = None, **summary: Any) -> None:
        """The interval's run is over (``summary["complete"]`` False: part of it was not served yet);
        ``covered``, the vendor-time range it extracted completely, moves the watermark."""
        self.data["in_progress"] = None
        self.data["last_completed"] = {"interval": interval_key(start, end), **summary}
        watermark, coverage = advance_watermark(self.complete_through, self.coverage, covered)
        self.data["complete_through"] = utc_iso(watermark) if watermark else None
        self.data["coverage"] = [interval_key(a, b) for a, b in coverage]
        self.save()

    def abandon(self, start: datetime, end: datetime, reason: str) -> None:
        """Forget the interval's progress without finishing it: its next run starts it over (used when
        the run's quarantined share is over the threshold: nothing of it may be resumed into a finish)."""
        self.data["in_progress"] = None
        self.data["last_failed"] = {"interval": interval_key(start, end), "reason": reason[:2000]}
        self.save()

    @property
    def complete_through(self) -> datetime | None:
        value = self.data.get("complete_through")
        return parse_utc(value) if value else None

    @property
    def coverage(self) -> list[Range]:
        return [(parse_utc(a), parse_utc(b)) for a, b in self.data.get("coverage") or []]


def publish_watermark(
    raw_dir: Path, source: str, complete_through: datetime | None, remote: RawZoneStore | None = None
) -> Path:
    """Write ``raw/<source>/_watermark.json`` atomically (after the run's manifests)."""
    path = Path(raw_dir) / source / WATERMARK_NAME
    write_json_atomic(
        path,
        {
            "source": source,
            "complete_through": utc_iso(complete_through) if complete_through else None,
            "updated_at": utc_iso(datetime.now(UTC)),
        },
    )
    if remote is not None:  # object storage: after the partitions it covers
        remote.publish_file(path, path.relative_to(Path(raw_dir)).as_posix())
    return path


@contextlib.contextmanager
def source_lock(state_dir: Path, source: str) -> Iterator[Path]:
    """Hold ``state/<source>.lock`` for the duration; fail fast naming the holder's pid if taken."""

    def busy(path: Path, holder: str) -> Exception:
        return ExtractionLockedError(
            f"another extraction of {source} is running (pid {holder}, lock {path}); "
            "wait for it to finish or stop that process"
        )

    with file_lock(Path(state_dir) / f"{source}.lock", busy=busy) as path:
        yield path
