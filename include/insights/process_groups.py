"""Servers started in a process group of their own (`start_new_session=True`): the BI server's gunicorn,
the local Spark daemons. Signalling the group reaches the children a plain terminate() would orphan."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tenacity import retry, retry_if_result, stop_after_delay, wait_fixed


class NotReady(RuntimeError):
    """The server exited, or was not ready in time; the message says which."""


def start_group(args: Sequence[str], log_path: Path, *, append: bool = False, **popen: Any) -> subprocess.Popen[bytes]:
    """Start `args` in a new process group, its output (stdout and stderr) written to `log_path`."""
    with log_path.open("ab" if append else "wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, **popen
        )


def wait_until_ready(
    process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout_s: float, poll_s: float = 0.5
) -> None:
    """Ask `ready()` every `poll_s` seconds until it answers True; NotReady when the process exits first or
    `timeout_s` passes."""

    @retry(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(poll_s),
        retry=retry_if_result(lambda ok: not ok),
        retry_error_callback=lambda _: False,
    )
    def poll() -> bool:
        if process.poll() is not None:
            raise NotReady(f"exited with {process.returncode}")
        return ready()

    if not poll():
        raise NotReady(f"not ready after {timeout_s:g} s")


def stop_group(process: subprocess.Popen[bytes], grace_seconds: float = 20.0) -> None:
    """SIGTERM to the process's group, SIGKILL after the grace."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    except ProcessLookupError:
        pass
