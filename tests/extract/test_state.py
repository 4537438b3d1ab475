"""Per-source state file and lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insights.extraction.extract import extract_interval
from insights.extraction.state import ExtractionLockedError, SourceState, StateError, source_lock
from insights.settings import SourceEndpoint
from tests.extract.helpers import FIRST_DAY, day_start, settings_for

A = datetime(2026, 8, 3, tzinfo=UTC)
B = datetime(2026, 8, 4, tzinfo=UTC)

HOLD_LOCK = """
import sys, time
from pathlib import Path
from insights.extraction.state import source_lock
with source_lock(Path(sys.argv[1]), sys.argv[2]):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_state_round_trip_and_resume_point_only_for_the_same_interval(tmp_path: Path) -> None:
    state = SourceState(tmp_path, "zendesk")
    assert state.in_progress_for(A, B) is None
    progress = state.begin(A, B, cursor=None, next_part=1)
    progress.update(cursor="c2", next_part=3)
    state.save()
    again = SourceState(tmp_path, "zendesk")
    assert again.in_progress_for(A, B) == {
        "interval": ["2026-08-03T00:00:00Z", "2026-08-04T00:00:00Z"],
        "cursor": "c2",
        "next_part": 3,
    }
    assert again.in_progress_for(A, B + timedelta(days=1)) is None
    again.finish(A, B, cursor="c9")
    final = json.loads((tmp_path / "zendesk.json").read_text())
    assert final["in_progress"] is None and final["last_completed"]["cursor"] == "c9"
    assert [p.name for p in tmp_path.iterdir()] == ["zendesk.json"]  # atomic writes leave no temp files


def test_unreadable_state_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "typeform.json").write_text("{not json")
    with pytest.raises(StateError, match=r"typeform\.json: not valid JSON"):
        SourceState(tmp_path, "typeform")
    (tmp_path / "zendesk.json").write_text(json.dumps({"source": "amplitude"}))
    with pytest.raises(StateError, match="not a state file of source 'zendesk'"):
        SourceState(tmp_path, "zendesk")


def test_second_extraction_of_a_source_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    state_dir = tmp_path / "home" / "state"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(state_dir), "zendesk"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        began = time.monotonic()
        with pytest.raises(ExtractionLockedError) as caught, source_lock(state_dir, "zendesk"):
            pass
        assert f"pid {holder.pid}" in str(caught.value)
        assert "another extraction of zendesk is running" in str(caught.value)
        # the entry point takes the same lock before any request (no simulator needed to see it)
        unreachable = SourceEndpoint("zendesk", "http://127.0.0.1:9/zendesk", {"email": "e", "api_token": "t"})
        settings = settings_for(tmp_path / "home", zendesk=unreachable)
        with pytest.raises(ExtractionLockedError, match=f"pid {holder.pid}"):
            extract_interval("zendesk", day_start(FIRST_DAY), day_start(FIRST_DAY) + timedelta(days=1), settings)
        assert time.monotonic() - began < 5
        # another source is not blocked
        with source_lock(state_dir, "typeform"):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the kernel released the dead holder's lock
    with source_lock(state_dir, "zendesk") as lock_path:
        assert lock_path.read_text().strip() == str(os.getpid())
