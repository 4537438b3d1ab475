"""The raw-zone lock keeps extraction and load apart (issue: a load read partitions that another
run's extraction was rewriting); extractions of different sources still run side by side."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from insights.locks import LockBusyError, file_lock, raw_zone_lock_path, raw_zone_reading, raw_zone_writing

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from insights.locks import raw_zone_writing
    with raw_zone_writing(Path(sys.argv[1]), "a test extraction"):
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_extractions_share_the_raw_zone(tmp_path: Path) -> None:
    with raw_zone_writing(tmp_path, "amplitude"), raw_zone_writing(tmp_path, "zendesk"):
        assert raw_zone_lock_path(tmp_path).exists()


def test_a_load_waits_for_a_running_extraction_of_another_process(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path), "1.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        began = time.monotonic()
        with raw_zone_reading(tmp_path):
            waited = time.monotonic() - began
            assert holder.poll() is not None, "the load got the raw zone while the extraction still held it"
        assert waited >= 0.5
    finally:
        holder.kill()
        holder.wait()


def test_an_extraction_waits_for_a_running_load(tmp_path: Path) -> None:
    order: list[str] = []
    loading = threading.Event()

    def load() -> None:
        with raw_zone_reading(tmp_path):
            loading.set()
            time.sleep(0.6)
            order.append("load done")

    thread = threading.Thread(target=load)
    thread.start()
    loading.wait(5)
    with raw_zone_writing(tmp_path, "typeform"):
        order.append("extraction started")
    thread.join()
    assert order == ["load done", "extraction started"]


def test_waiting_gives_up_naming_the_holder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGHTS_RAW_ZONE_LOCK_WAIT_SECONDS", "0.3")
    with (
        raw_zone_reading(tmp_path),
        pytest.raises(LockBusyError, match="load to finish"),
        raw_zone_writing(tmp_path, "zendesk"),
    ):
        pass


def test_an_exclusive_lock_fails_fast_with_the_callers_error(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with (
        file_lock(path),
        pytest.raises(KeyError, match="held"),
        file_lock(path, busy=lambda p, holder: KeyError(f"held by {holder}")),
    ):
        pass
    with file_lock(path):  # released
        pass
