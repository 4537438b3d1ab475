"""Runs cannot interleave (issue 13, finding 6): a second run's extraction rewriting the raw zone
while the first run's load reads it once published a snapshot missing 2 survey responses, exit 0.

Here a second typeform extraction of the same days (slowed by the simulator, so it is surely in the
middle of rewriting them) runs while the warehouse load starts: the load waits for it (the raw-zone
lock), then loads every response; none is lost. Real extraction, real loader, real lock. The same
sequence with the lock taken out reproduces the finding: the responses of the partitions being
rewritten are missing from the warehouse, and nothing says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import duckdb
import pytest

from insights.locks import raw_zone_lock_path
from insights.pipeline import load_raw_zone
from insights_dev.reliability import run_extraction
from insights_dev.reliability.harness import ExtractionRun, landed_keys, settings_for
from insights_dev.simulator import World
from insights_dev.simulator.faults import FaultPlan, SlowResponses
from tests.reliability.conftest import NOW, CleanRun
from tests.reliability.record import report

pytestmark = pytest.mark.slow


def _raw_zone_busy(home: Path) -> bool:
    """True while an extraction holds the raw zone (a non-blocking exclusive attempt fails)."""
    path = raw_zone_lock_path(home)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return False


@pytest.mark.parametrize("raw_zone_lock", [True, False], ids=["with-lock", "lock-removed"])
def test_a_load_waits_for_another_runs_extraction_and_loses_nothing(
    raw_zone_lock: bool, clean: CleanRun, world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    shutil.copytree(clean.home / "raw", home / "raw")  # run 1 extracted every day
    settings = settings_for(home)
    expected = {key for (key,) in landed_keys(home / "raw", "typeform")}
    assert expected, "the world has no survey response: nothing could be lost"

    second: dict[str, ExtractionRun] = {}
    slow = FaultPlan(SlowResponses("typeform", delay=0.5, burst=1, period=2))

    def run_2() -> None:  # the second run re-extracts the same days, slowly
        second["run"] = run_extraction(world, home, world.first_day, world.last_day, now=NOW, faults=slow,
                                       sources=("typeform",))

    if not raw_zone_lock:  # the code before the raw-zone lock: the load reads whatever is there
        monkeypatch.setattr("insights.warehouse.load.raw_zone_reading", lambda *args: contextlib.nullcontext())
    extraction = threading.Thread(target=run_2)
    caplog.set_level(logging.INFO)
    extraction.start()
    try:
        deadline = time.monotonic() + 60
        while not _raw_zone_busy(home):
            assert time.monotonic() < deadline and extraction.is_alive(), "the second extraction never started"
            time.sleep(0.02)
        started = time.monotonic()
        loaded = load_raw_zone(settings)  # run 1's load, while run 2 rewrites the partitions
        waited = time.monotonic() - started
    finally:
        extraction.join(120)
    assert not second["run"].errors, second["run"].errors
    assert sum(slow.injected().values()) > 0  # the second extraction really was slowed down

    waited_for_extraction = any("waiting for running extractions to finish writing the raw zone" in r.getMessage()
                                for r in caplog.records)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        got = {r for (r,) in con.execute(
            "select distinct json_extract_string(payload, '$.response_id') from raw.typeform_responses").fetchall()}
    lost = expected - got
    assert loaded["files_loaded"] > 0
    if not raw_zone_lock:
        # The reproduction is real: without the lock, the responses being rewritten are silently missing.
        assert lost and not waited_for_extraction
        return
    report("second run's extraction rewrites partitions during the load", "concurrency", injected=1,
           survived=not lost, records_lost=len(lost),
           check=f"load waited {waited:.1f} s for the extraction; {len(got)} of {len(expected)} responses loaded "
                 f"(without the lock: lost)")
    assert waited_for_extraction, "the load did not wait for the extraction"
    assert not lost, f"{len(lost)} survey response(s) lost: {sorted(lost)[:5]}"
