"""End-to-end fixtures: a small simulated world, and the `insights` command run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

INSIGHTS = str(Path(sys.executable).with_name("insights"))

# A small world keeps each end-to-end run to a minute or two on 2 cores.
SMALL_WORLD = {"INSIGHTS_SIM_USERS": "80", "INSIGHTS_SIM_DAYS": "8", "INSIGHTS_SIM_START": "2026-08-03"}


@pytest.fixture
def small_world(insights_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SMALL_WORLD.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "none")
    return insights_home


def run_insights(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([INSIGHTS, *args], capture_output=True, text=True, env=dict(os.environ),
                               timeout=1200, check=False)
    if check and completed.returncode != 0:
        raise AssertionError(f"insights {' '.join(args)} exited {completed.returncode}:\n"
                             f"{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}")
    return completed
