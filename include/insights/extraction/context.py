"""What one extraction run of one source carries around: interval, session, raw zone, state, counters,
and what it will commit at the end (manifests, covered range), which ``insights.extraction.extract`` does only
after the run's quarantine share was checked."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from insights.extraction.http import SourceSession, server_time
from insights.extraction.landing import LandingStats, RawZone, utc_iso
from insights.extraction.state import SourceState, parse_utc
from insights.progress import note as note_progress


@dataclass
class PendingManifest:
    """A partition's manifest, written once the whole run passed its quarantine check."""

    partition: Path
    stream: str
    interval: tuple[datetime, datetime]
    cursor: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    files: list[Any] | None = None  # LandedFile list; None: describe what is on disk


@dataclass
class RunContext:
    source: str
    start: datetime  # interval [start, end), UTC-aware
    end: datetime
    base_url: str
    session: SourceSession
    zone: RawZone
    state: SourceState
    log: logging.Logger
    tmp_dir: Path
    stats: LandingStats = field(default_factory=LandingStats)
    complete: bool = True  # False: part of the interval was not served yet
    finished: bool = False  # the extractor reached the end of the interval (else: retry it later)
    covered: tuple[datetime, datetime] | None = None  # vendor-time range extracted completely
    not_available: str | None = None  # what was not served yet, said plainly
    stop_at: datetime | None = None  # Amplitude: the first upload hour not final (nothing from it on lands)
    manifests: list[PendingManifest] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def resume_stats(self, progress: dict[str, Any]) -> None:
        """Counts of the killed attempts of this interval, so the run's quarantine share covers them."""
        self.stats = LandingStats.from_json(progress.get("stats"))

    def save_progress(self) -> None:
        """Save the resume point with the counts so far (one atomic write)."""
        progress = self.state.data.get("in_progress")
        if isinstance(progress, dict):
            progress["stats"] = self.stats.as_json()
        self.state.save()

    def served_at(self, response: requests.Response) -> datetime:
        """The vendor's clock at this answer; the earliest over the interval's attempts is kept in the
        resume point (what was served at the earliest page bounds what the run can call complete)."""
        moment = server_time(response)
        progress = self.state.data.get("in_progress")
        if isinstance(progress, dict):
            earliest = progress.get("served_at")
            if earliest is None or parse_utc(earliest) > moment:
                progress["served_at"] = utc_iso(moment)
        return moment

    def earliest_served_at(self) -> datetime | None:
        progress = self.state.data.get("in_progress")
        value = progress.get("served_at") if isinstance(progress, dict) else None
        return parse_utc(value) if value else None

    def cover_until_served(
        self, first: datetime, served_at: datetime | None, delay: timedelta, what: str, *, to_end: bool = True
    ) -> None:
        """Set what the run covered, [first, min(end, served_at - delay)), and say plainly what was
        not served yet (typeform, zendesk: they land what is there, the watermark stops short).
        ``to_end=False``: the run read on past its interval to what was served (a cursor read to the end
        of its stream), so it covered up to served_at - delay, even past the interval's end."""
        served_at = served_at or self.end + delay  # no answer at all: nothing was cut short
        until = served_at - delay if not to_end else min(self.end, served_at - delay)
        self.covered = (first, until) if until > first else None
        if until < self.end:
            self.complete = False
            self.not_available = not_served_message(self.source, what, until, delay, self.end)

    def progress(self, what: str, rows: int, quarantined: int = 0) -> None:
        """One log line per landed page/hour: its rows, the running total and the rate."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        total = self.stats.records_landed
        extra = f", {quarantined} quarantined" if quarantined else ""
        note_progress(self.source, f"{what}: {total:,} rows")
        self.log.debug(
            "%s: %s: %d rows%s (total %d, %.0f rows/s, %d requests)",
            self.source,
            what,
            rows,
            extra,
            total,
            total / elapsed,
            self.session.attempts,
        )


def _short_iso(moment: datetime) -> str:
    return utc_iso(moment).replace(":00Z", "Z") if moment.second == 0 else utc_iso(moment)


def _delay_text(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def not_served_message(source: str, what: str, since: datetime, delay: timedelta, end: datetime,
                       served_from: datetime | None = None) -> str:
    """E.g. ``amplitude: upload hours from 2026-10-31T22:00Z not served until 2026-11-01T01:00Z
    (availability delay 2 h); 2026-10-31 stays incomplete until a run after 2026-11-01T02:00Z``."""
    last_day = (end - timedelta(microseconds=1)).date()
    days = since.date().isoformat() if since.date() == last_day else f"{since.date()}..{last_day}"
    verb = "stays" if since.date() == last_day else "stay"
    return (
        f"{source}: {what} from {_short_iso(since)} not served until {_short_iso(served_from or since + delay)} "
        f"(availability delay {_delay_text(delay)}); {days} {verb} incomplete (UTC) "
        f"until a run after {_short_iso(end + delay)}"
    )
