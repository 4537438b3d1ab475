"""The project's file locks, in one place: `fcntl.flock` on a file under `$INSIGHTS_HOME`.

The kernel drops a flock when its holder dies, so a killed task never leaves a stale lock. A lock
is per open file description: two holders in one process (two threads, or a nested `with`) exclude
each other like two processes do.

- `state/<source>.lock` (exclusive, fail fast): one extraction of a source at a time.
- `locks/raw_zone.lock`: extractions hold it *shared* while they write the raw zone; the warehouse
  loader holds it *exclusive* while it reads manifests and files, so a load never sees a partition
  that another run's extraction is rewriting (extractions of different sources still run side by
  side). Both sides wait for the other, logging what they wait for.
- `locks/warehouse.lock` (exclusive, fail fast): one warehouse writer (load, dbt) at a time.
- `published/.publish.lock` (exclusive, fail fast): one publication at a time.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

_log = logging.getLogger("insights.locks")
# How long a raw-zone reader or writer waits for the other side before giving up (an extraction
# of a big backfill day can take minutes; a load of one night a minute).
DEFAULT_RAW_ZONE_WAIT_SECONDS = 3600.0
_POLL_SECONDS = 0.2
_LOG_EVERY_SECONDS = 30.0


class LockBusyError(RuntimeError):
    """The lock is held by another process (or another holder in this one)."""


def _holder(fd: int) -> str:
    return os.pread(fd, 64, 0).decode("ascii", errors="replace").strip() or "unknown"


@contextlib.contextmanager
def file_lock(
    path: Path,
    *,
    shared: bool = False,
    wait_seconds: float = 0.0,
    busy: Callable[[Path, str], Exception] | None = None,
    waiting_for: str = "",
    log: logging.Logger | None = None,
) -> Iterator[Path]:
    """Hold `path` locked (exclusive, or shared with other shared holders).

    `wait_seconds=0`: fail at once with `busy(path, holder pid)` (default `LockBusyError`) when taken;
    otherwise poll until free, logging every 30 s what it waits for, and fail after that long.
    An exclusive holder writes its pid into the file so the error can name it.
    """
    log = log or _log
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        began = time.monotonic()
        logged = began
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - began
                if waited >= wait_seconds:
                    holder = _holder(fd)
                    if busy is not None:
                        raise busy(path, holder) from None
                    raise LockBusyError(
                        f"{path} is held by pid {holder}" + (f" ({waiting_for})" if waiting_for else "")
                        + (f" after waiting {waited:.0f} s" if wait_seconds else "")
                    ) from None
                if time.monotonic() - logged >= _LOG_EVERY_SECONDS or logged == began:
                    log.info("waiting for %s (lock %s held by pid %s)", waiting_for or "a lock", path, _holder(fd))
                    logged = time.monotonic()
                time.sleep(_POLL_SECONDS)
        if not shared:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield path
        finally:
            if not shared:
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _unwritable(path: Path, exc: OSError) -> OSError:
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return PermissionError(
            exc.errno, f"cannot create the lock file {path}: {os.strerror(exc.errno)}; INSIGHTS_HOME must be "
            "a writable folder"
        )
    return exc


def raw_zone_lock_path(home: Path) -> Path:
    return Path(home) / "locks" / "raw_zone.lock"


def raw_zone_wait_seconds() -> float:
    raw = os.environ.get("INSIGHTS_RAW_ZONE_LOCK_WAIT_SECONDS", "").strip()
    return float(raw) if raw else DEFAULT_RAW_ZONE_WAIT_SECONDS


@contextlib.contextmanager
def raw_zone_writing(home: Path, what: str, log: logging.Logger | None = None) -> Iterator[Path]:
    """Held (shared) by an extraction while it writes the raw zone; waits for a running load."""
    with file_lock(raw_zone_lock_path(home), shared=True, wait_seconds=raw_zone_wait_seconds(),
                   waiting_for=f"the warehouse load to finish reading the raw zone before {what}", log=log) as path:
        yield path


@contextlib.contextmanager
def raw_zone_reading(home: Path, log: logging.Logger | None = None) -> Iterator[Path]:
    """Held (exclusive) by the warehouse load while it reads the raw zone; waits for extractions."""
    with file_lock(raw_zone_lock_path(home), wait_seconds=raw_zone_wait_seconds(),
                   waiting_for="running extractions to finish writing the raw zone", log=log) as path:
        yield path
