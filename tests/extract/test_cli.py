"""`insights extract` says plainly what the source did not serve yet, and exits 0 with the interval
incomplete (it does not sleep: docs/contracts.md, "Waiting")."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.extract.helpers import FIRST_DAY, day_start, make_events, make_world, running, sim_env

INSIGHTS = str(Path(sys.executable).with_name("insights"))
A = day_start(FIRST_DAY)


def run_cli(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env, "INSIGHTS_HOME": str(home), "INSIGHTS_HTTP_BACKOFF_FACTOR": "0.01"}
    return subprocess.run([INSIGHTS, *args], capture_output=True, text=True, env=environment, timeout=120,
                          check=False)


@pytest.mark.slow  # the command in a subprocess, as a user runs it
def test_extract_says_what_was_not_served_yet_and_exits_0(home: Path) -> None:
    with running(make_world(make_events(600)), now=A + timedelta(days=1, minutes=30)) as sim:
        completed = run_cli(home, sim_env(home, sim, "amplitude"), "extract", "amplitude",
                            "--start", "2026-08-03T00:00Z", "--end", "2026-08-04T00:00Z")
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("amplitude: landed ")
    assert lines[1:] == [
        "amplitude: upload hours from 2026-08-03T22:00Z not served until 2026-08-04T01:00Z (availability delay 2 h); "
        "2026-08-03 stays incomplete (UTC) until a run after 2026-08-04T02:00Z",
        "amplitude: complete through 2026-08-03T22:00Z; run the same command again later to complete it",
    ]


@pytest.mark.slow
def test_extract_of_a_served_interval_prints_no_warning(home: Path) -> None:
    with running(make_world(make_events(600)), now=A + timedelta(days=1, hours=2)) as sim:
        completed = run_cli(home, sim_env(home, sim, "amplitude"), "extract", "amplitude",
                            "--start", "2026-08-03T00:00Z", "--end", "2026-08-04T00:00Z")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert len(completed.stdout.splitlines()) == 1
