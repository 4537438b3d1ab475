"""One warehouse build at a time per INSIGHTS_HOME (DuckDB allows a single writer per file)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from insights.locks import file_lock
from insights.settings import Settings


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse lock."""


def lock_path(settings: Settings) -> Path:
    return settings.home / "locks" / "warehouse.lock"


def _busy(path: Path, holder: str) -> Exception:
    return WarehouseBusyError(
        f"another warehouse build holds the lock {path} (pid {holder}); wait for it to finish, or stop it, then retry"
    )


@contextmanager
def warehouse_lock(settings: Settings) -> Iterator[Path]:
    """Hold the exclusive build lock; fail at once (no waiting) if another build holds it."""
    with file_lock(lock_path(settings), busy=_busy) as path:
        yield path
