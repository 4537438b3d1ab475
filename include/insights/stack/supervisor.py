"""honcho as the supervisor of the Procfile, in a session of its own so that `down` can stop it all.

honcho starts each process in its own process group and, on SIGTERM, signals each group and waits;
`stop` sends that SIGTERM, waits for honcho, then kills any group still alive (a process that
ignored it) by the pids honcho logged when starting them.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from insights.stack.config import PROCFILE, StackConfig

# honcho's log line: "05:12:00 system        | simulator.1 started (pid=1234)"
_STARTED = re.compile(r"\| (\S+?)\.\d+ started \(pid=(\d+)\)")
GRACE_SECONDS = 30  # honcho itself gives its processes 5 s after SIGTERM, then SIGKILLs them


def _files(config: StackConfig, tag: str) -> tuple[Path, Path]:
    """pid file and log of one honcho: the stack's own, or a tagged one running part of the Procfile."""
    if tag == "honcho":
        return config.pid_file, config.log_file
    return config.run_dir / f"{tag}.pid", config.run_dir / f"{tag}.log"


def read_pid(config: StackConfig, tag: str = "honcho") -> int | None:
    """honcho's pid when it is running, else None (a stale pid file is removed)."""
    pid_file, _ = _files(config, tag)
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if _alive(pid):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def _reaches(send: Callable[[int, int], None], target: int) -> bool:
    """Whether signal 0 reaches the process (`os.kill`) or group (`os.killpg`): it exists, ours or not."""
    try:
        send(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(pid: int) -> bool:
    if not _reaches(os.kill, pid):
        return False
    try:  # a zombie child of ours counts as gone
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:
        return True


def start(config: StackConfig, env: dict[str, str], processes: tuple[str, ...] = (), tag: str = "honcho") -> int:
    """Start honcho on the Procfile (or only `processes` of it, under another `tag`) in a new session;
    its output goes to the stack log."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    pid_file, log_file = _files(config, tag)
    honcho = Path(sys.executable).with_name("honcho")
    command = [str(honcho), "start", "-f", str(PROCFILE), "-d", str(PROCFILE.parent), *processes]
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    pid_file.write_text(str(process.pid))
    return process.pid


def started_processes(config: StackConfig, tag: str = "honcho") -> dict[str, int]:
    """name -> pid of the processes honcho started in the current log (the last start wins)."""
    _, log_file = _files(config, tag)
    if not log_file.is_file():
        return {}
    pids: dict[str, int] = {}
    for line in log_file.read_text(errors="replace").splitlines():
        match = _STARTED.search(line)
        if match:
            pids[match.group(1)] = int(match.group(2))
    return pids


def process_group_alive(pgid: int) -> bool:
    return _reaches(os.killpg, pgid)


def stop(config: StackConfig, grace: float = GRACE_SECONDS, tag: str = "honcho") -> list[str]:
    """Stop honcho and every process group it started: SIGTERM to each group at once, SIGKILL to the
    groups still alive after `grace` seconds. Returns the names that had to be killed."""
    pid = read_pid(config, tag)
    groups = {name: pgid for name, pgid in started_processes(config, tag).items() if process_group_alive(pgid)}
    if pid is not None:
        groups["honcho"] = pid
    for pgid in groups.values():
        _signal_group(pgid, signal.SIGTERM)
    _wait_gone(groups, grace)
    killed = [name for name, pgid in groups.items() if _group_or_leader_alive(pgid)]
    for name in killed:
        _signal_group(groups[name], signal.SIGKILL)
    _wait_gone(groups, 10)
    _files(config, tag)[0].unlink(missing_ok=True)
    return killed


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _group_or_leader_alive(pgid: int) -> bool:
    return _alive(pgid) or process_group_alive(pgid)


def _wait_gone(groups: dict[str, int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while any(_group_or_leader_alive(p) for p in groups.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
