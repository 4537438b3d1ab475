"""What one extraction run of one source carries around: interval, session, raw zone, state, counters."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from insights.landing import LandingStats, RawZone
from insights.sources.http import SourceSession
from insights.state import SourceState


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
    complete: bool = True  # False: the source said the interval is not available yet
    started: float = field(default_factory=time.monotonic)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def progress(self, what: str, rows: int, quarantined: int = 0) -> None:
        """One log line per landed page/hour: its rows, the running total and the rate."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        total = self.stats.records_landed
        extra = f", {quarantined} quarantined" if quarantined else ""
        self.log.info(
            "%s: %s: %d rows%s (total %d, %.0f rows/s, %d requests)",
            self.source,
            what,
            rows,
            extra,
            total,
            total / elapsed,
            self.session.attempts,
        )
