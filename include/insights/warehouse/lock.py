"""One warehouse build at a time per INSIGHTS_HOME (DuckDB allows a single writer per file)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from insights.settings import Settings


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse lock."""


def lock_path(settings: Settings) -> Path:
    return settings.home / "locks" / "warehouse.lock"


@contextmanager
def warehouse_lock(settings: Settings) -> Iterator[Path]:
    """Hold the exclusive build lock; fail at once (no waiting) if another build holds it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise WarehouseBusyError(
                f"another warehouse build holds the lock {path} (pid {holder}); "
                "wait for it to finish, or stop it, then retry"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
