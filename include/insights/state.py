"""Per-source extraction state and the per-source lock.

``state/<source>.json`` holds the interval in progress with its resume point (cursor, next upload
hour, next part number, files landed so far), the last completed interval and high-water marks.
It is rewritten atomically after every landed page/hour file, so a run killed at any point
resumes where it stopped: a page whose file landed but whose state update did not is fetched
again and rewrites the same part file (nothing duplicated); nothing is skipped (nothing lost).

``state/<source>.lock`` is held with ``fcntl.flock`` for the whole extraction, so two extractions
of one source never run at once; the kernel drops the lock when its holder dies.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from insights.landing import utc_iso, write_json_atomic
from insights.locks import file_lock

STATE_VERSION = 1


class StateError(RuntimeError):
    """The state file is unreadable; the message names it."""


class ExtractionLockedError(RuntimeError):
    """Another extraction of the same source holds its lock."""


def interval_key(start: datetime, end: datetime) -> list[str]:
    return [utc_iso(start), utc_iso(end)]


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

    def finish(self, start: datetime, end: datetime, **summary: Any) -> None:
        self.data["in_progress"] = None
        self.data["last_completed"] = {"interval": interval_key(start, end), **summary}
        self.save()


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
