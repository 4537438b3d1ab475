"""Kill an extraction with SIGKILL mid-way, run it again: the result equals an uninterrupted run.

The extraction runs in a subprocess (``python -m insights.extraction.extract``) against a simulator in this
process that answers every request slowly, so the test can watch the state file and kill the
run after some pages/hours have landed. Nothing lost and nothing duplicated is checked on the
multiset of landed records, and on the files themselves (same names, same bytes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from insights.extraction.extract import ExtractResult, extract_interval
from insights_dev.simulator import Limits, SimulatorServer
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
LIMITS = Limits(
    zendesk_requests_per_minute=100_000,
    typeform_requests_per_second=100_000,
    zendesk_max_per_page=3,
    amplitude_max_events_per_export=60,
)
WORLD = h.make_world(
    h.make_events(900),
    h.make_ticket_versions(40),
    h.make_forms(["f1", "f2", "f3"]),
    {f: h.make_responses(f, 3600) for f in ("f1", "f2", "f3")},
)


def state(home: Path, source: str) -> dict[str, Any]:
    path = home / "state" / f"{source}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def progress(home: Path, source: str) -> dict[str, Any]:
    return state(home, source).get("in_progress") or {}


def start_extraction(home: Path, sim: SimulatorServer, source: str, start: datetime, end: datetime) -> subprocess.Popen:
    env = {**os.environ, **h.sim_env(home, sim, source), "INSIGHTS_HTTP_BACKOFF_FACTOR": "0.01"}
    log = (home / f"{source}-{time.monotonic_ns()}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "insights.extraction.extract", source, start.isoformat(), end.isoformat()],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def kill_when(process: subprocess.Popen, ready: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the extraction finished (rc {process.returncode}) before it could be killed")
        try:
            if ready():
                process.send_signal(signal.SIGKILL)
                process.wait()
                return
        except (ValueError, OSError):  # a state file being replaced right now: look again
            pass
        time.sleep(0.005)
    process.kill()
    pytest.fail("the extraction never reached the kill point")


def run_killed_twice(
    source: str,
    end: datetime,
    first_kill: Callable[[Path], bool],
    second_kill: Callable[[Path], bool],
    tmp_path: Path,
) -> tuple[Path, ExtractResult, Path, ExtractResult]:
    baseline_home, home = tmp_path / "baseline", tmp_path / "killed"
    home.mkdir()
    with h.running(WORLD, limits=LIMITS) as sim:
        baseline = extract_interval(source, A, end, h.settings_for(baseline_home, sim))
    with h.running(WORLD, limits=LIMITS, faults=h.SlowFaults(0.05)) as sim:
        for kill_point in (first_kill, second_kill):
            process = start_extraction(home, sim, source, A, end)
            kill_when(process, lambda kill_point=kill_point: kill_point(home))
            assert progress(home, source), "the killed run left no resume point"
    with h.running(WORLD, limits=LIMITS) as sim:
        resumed = extract_interval(source, A, end, h.settings_for(home, sim))
    return baseline_home, baseline, home, resumed


def assert_same_landing(baseline_home: Path, home: Path, source: str) -> None:
    raw, expected_raw = home / "raw" / source, baseline_home / "raw" / source
    assert h.landed_records(raw) == h.landed_records(expected_raw)  # nothing lost, nothing duplicated
    assert h.file_digests(raw) == h.file_digests(expected_raw)  # and the very same files
    manifests = sorted(p.relative_to(raw) for p in raw.rglob("_manifest.json"))
    assert manifests == sorted(p.relative_to(expected_raw) for p in expected_raw.rglob("_manifest.json"))
    assert not [p for p in (home / "raw").rglob(".*") if p.is_file()]  # no temp files left behind
    assert progress(home, source) == {}


@pytest.mark.slow
def test_zendesk_resumes_from_its_cursor(tmp_path: Path) -> None:
    baseline_home, baseline, home, resumed = run_killed_twice(
        "zendesk",
        A + timedelta(days=3),
        lambda h: progress(h, "zendesk").get("pages", 0) >= 3,
        lambda h: progress(h, "zendesk").get("pages", 0) >= 7,
        tmp_path,
    )
    assert_same_landing(baseline_home, home, "zendesk")
    assert resumed.requests <= baseline.requests - 7  # it resumed at the saved cursor, not from the start
    assert baseline.records_landed > 20


@pytest.mark.slow
def test_typeform_resumes_inside_a_form(tmp_path: Path) -> None:
    baseline_home, baseline, home, resumed = run_killed_twice(
        "typeform",
        A + timedelta(days=2),
        lambda h: progress(h, "typeform").get("pages", 0) >= 2,
        lambda h: progress(h, "typeform").get("form_index", 0) >= 1 and progress(h, "typeform").get("before"),
        tmp_path,
    )
    assert_same_landing(baseline_home, home, "typeform")
    assert resumed.requests < baseline.requests - 4
    assert baseline.records_landed > 3000


@pytest.mark.slow
def test_amplitude_resumes_at_the_next_upload_hour(tmp_path: Path) -> None:
    def hours_done(home: Path) -> float:
        current = progress(home, "amplitude")
        if not current:
            return 0
        first = datetime.fromisoformat(current["window"][0].replace("Z", "+00:00"))
        return (datetime.fromisoformat(current["next_hour"].replace("Z", "+00:00")) - first) / timedelta(hours=1)

    baseline_home, baseline, home, resumed = run_killed_twice(
        "amplitude",
        A + timedelta(days=3),
        lambda h: hours_done(h) >= 10,
        lambda h: hours_done(h) >= 30,
        tmp_path,
    )
    assert_same_landing(baseline_home, home, "amplitude")
    assert resumed.requests < baseline.requests
    cutoff = (h.NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f")  # exportable 2 h after upload
    assert baseline.records_landed == sum(1 for e in WORLD.events if e["server_upload_time"] <= cutoff) > 800
