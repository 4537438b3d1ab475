"""Live progress bars (rich) for the long steps: backfill days, extraction pages and hours, dbt nodes.

The pipeline reports progress through `task()` whatever runs it; only the `insights` command on
a terminal turns a live display on (`live_display`). Elsewhere (a pipe, CI, an Airflow task, a
test) every call is a no-op, so the plain log lines stay the whole record and hold no control code.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

_lock = threading.Lock()
_display: Progress | None = None
_by_key: dict[str, TaskID] = {}

# Environment variables set by CI services and by Airflow in a task's process.
_NO_LIVE_ENV = ("CI", "GITHUB_ACTIONS", "AIRFLOW_CTX_DAG_ID")


def live_wanted(stream: IO[str]) -> bool:
    """A live display only on an interactive terminal, never in CI or an Airflow task (INSIGHTS_PROGRESS=0: never)."""
    if os.environ.get("INSIGHTS_PROGRESS", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    if any(os.environ.get(name) for name in _NO_LIVE_ENV) or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


@contextmanager
def live_display(console: Console) -> Iterator[Progress]:
    """Show the bars of every `task()` opened in the block on `console` (the log handler's console, so
    log lines print above the bars); they vanish when the block ends."""
    global _display
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<22}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
        transient=True,
    )
    with progress:
        _display = progress
        try:
            yield progress
        finally:
            with _lock:
                _display = None
                _by_key.clear()


class Bar:
    """One bar of the live display, or nothing when no display is on."""

    def __init__(self, description: str, total: float | None, key: str | None) -> None:
        self._key = key
        with _lock:
            self._display = _display
            self._id = _display.add_task(description, total=total, detail="") if _display else None
            if self._id is not None and key:
                _by_key[key] = self._id

    def advance(self, steps: float = 1, detail: str | None = None) -> None:
        if self._display is not None and self._id is not None:
            fields = {} if detail is None else {"detail": detail}
            self._display.update(self._id, advance=steps, **fields)

    def update(self, *, total: float | None = None, completed: float | None = None, detail: str | None = None) -> None:
        if self._display is not None and self._id is not None:
            fields = {} if detail is None else {"detail": detail}
            self._display.update(self._id, total=total, completed=completed, **fields)

    def close(self) -> None:
        if self._display is not None and self._id is not None:
            with _lock:
                if self._key and _by_key.get(self._key) == self._id:
                    del _by_key[self._key]
            self._display.remove_task(self._id)
            self._id = None


@contextmanager
def task(description: str, total: float | None = None, key: str | None = None) -> Iterator[Bar]:
    """A bar for the block; `key` lets code that does not hold the bar annotate it (`note`)."""
    bar = Bar(description, total, key)
    try:
        yield bar
    finally:
        bar.close()


def note(key: str, detail: str) -> None:
    """Show `detail` (the page or hour being read) on the bar opened with `key`, if any."""
    display = _display
    if display is None:
        return
    with _lock:
        task_id = _by_key.get(key)
    if task_id is not None:
        display.update(task_id, detail=detail)
