"""Smaller faults, each with what the user sees: a hanging source, a full disk, a home that cannot be
written, bytes that are not UTF-8."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from insights import cli
from insights.extraction.extract import StorageError, extract_interval
from insights.extraction.http import HttpPolicy, SourceHTTPError
from insights.extraction.landing import HashingWriter
from insights_dev.simulator import Faults, SimRequest, SimResponse
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A + timedelta(days=1)


# ------------------------------------------------------------------------------------------------
# a source that accepts the connection and never answers


@pytest.mark.parametrize("source", ["amplitude", "zendesk", "typeform"])
def test_default_timeouts_are_sized_in_seconds_for_these_apis(source: str) -> None:
    policy = HttpPolicy.from_env({}, source=source)
    assert policy.connect_timeout <= 10
    assert policy.read_timeout <= 90
    # a request to a source that never answers holds the task minutes at most, not ~48 minutes
    assert policy.hanging_source_seconds <= 5 * 60


def test_timeouts_are_configurable() -> None:
    policy = HttpPolicy.from_env(
        {"INSIGHTS_HTTP_CONNECT_TIMEOUT": "2", "INSIGHTS_HTTP_READ_TIMEOUT": "7", "INSIGHTS_HTTP_READ_RETRIES": "1"},
        source="amplitude",
    )
    assert (policy.connect_timeout, policy.read_timeout, policy.read_retries) == (2, 7, 1)
    with pytest.raises(ValueError, match="INSIGHTS_HTTP_READ_TIMEOUT='soon' is not a number"):
        HttpPolicy.from_env({"INSIGHTS_HTTP_READ_TIMEOUT": "soon"})


class Hang(Faults):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        self.calls += 1
        time.sleep(self.seconds)
        return None


def test_a_hanging_source_fails_after_its_read_retries_naming_the_timeout(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_HTTP_READ_TIMEOUT", "0.3")
    hang = Hang(1.0)
    began = time.monotonic()
    world = h.make_world(tickets=h.make_ticket_versions(5))
    with h.running(world, faults=hang) as sim, pytest.raises(SourceHTTPError) as caught:
        extract_interval("zendesk", A, B, h.settings_for(home, sim))
    assert hang.calls == HttpPolicy().read_retries + 1
    assert "no answer within the 0.3 s read timeout, 3 attempts (INSIGHTS_HTTP_READ_TIMEOUT" in str(caught.value)
    assert time.monotonic() - began < 10


# ------------------------------------------------------------------------------------------------
# disk full


def test_disk_full_is_said_plainly_and_not_taken_for_a_damaged_download(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while an hour file is written: a clear error, one download (no re-download loop), no
    record quarantined as if the export were unreadable, and a re-run completes the interval."""
    real_write = HashingWriter.write
    budget = {"bytes": 2000}

    def filling_disk(self: HashingWriter, data: bytes | memoryview) -> int:
        budget["bytes"] -= len(data)
        if budget["bytes"] < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(self, data)

    monkeypatch.setattr(HashingWriter, "write", filling_disk)
    world = h.make_world(h.make_events(900))
    with h.running(world) as sim:
        with pytest.raises(StorageError) as caught:
            extract_interval("amplitude", A, B, h.settings_for(home, sim))
        exports = [t for _, t, _ in sim.request_log]
        message = str(caught.value)
        assert message.startswith(f"amplitude: cannot write under {home} (No space left on device")
        assert "unreadable" not in message and "resumes where it stopped" in message
        assert len(exports) == 1
        assert not list((home / "raw" / "_quarantine").rglob("*.jsonl"))
        monkeypatch.setattr(HashingWriter, "write", real_write)  # space freed
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
    assert result.complete and result.records_quarantined == 0 and result.records_landed > 0


# ------------------------------------------------------------------------------------------------
# a home that cannot be written


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` refuse new entries, as a read-only mount would (root ignores modes: immutable)."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode:
            pytest.skip("cannot make a folder unwritable for root here (chattr +i)")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = []
    try:
        try:
            (folder / "probe").mkdir()
        except OSError:
            pass
        else:
            pytest.skip("the folder stayed writable")
        yield
    finally:
        if undo:
            subprocess.run(undo, check=True)
        else:
            folder.chmod(0o755)


def test_a_home_that_cannot_be_written_gives_one_clear_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSIGHTS_HOME", str(home))
    with unwritable(home):
        code = cli.main(["extract", "zendesk", "--start", "2026-08-03", "--end", "2026-08-04"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"error: INSIGHTS_HOME {home} is not writable (")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_an_extraction_into_a_home_that_cannot_be_written_names_the_folder(home: Path) -> None:
    """Where no CLI stands in between (an Airflow task): the first write of the extraction says it."""
    world = h.make_world(tickets=h.make_ticket_versions(5))
    with h.running(world) as sim, unwritable(home), pytest.raises(StorageError) as caught:
        extract_interval("zendesk", A, B, h.settings_for(home, sim))
    assert str(caught.value).startswith(f"zendesk: cannot write under {home} (")


# ------------------------------------------------------------------------------------------------
# bytes that are not UTF-8


class LatinOneSubject(Faults):
    """The second ticket of the first page carries a subject in Latin-1 (byte 0xe9), not UTF-8."""

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if source != "zendesk" or response.status != 200 or request.param("cursor"):
            return response
        body = json.loads(response.body)
        body["tickets"][1]["subject"] = "PLACEHOLDER"
        raw = json.dumps(body).encode().replace(b"PLACEHOLDER", "caf\u00e9".encode("latin-1"))
        return SimResponse(200, [("Content-Type", "application/json")], raw)


def test_bytes_that_are_not_utf8_are_quarantined_naming_the_line_and_field(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.5")
    tickets = h.make_ticket_versions(20)
    with h.running(h.make_world(tickets=tickets), faults=LatinOneSubject()) as sim:
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
    (row,) = [
        json.loads(line)
        for path in (home / "raw/_quarantine/zendesk").rglob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert (row["line"], row["field"]) == (2, "subject")
    assert row["reason"] == "not valid UTF-8: byte 0xe9 at character 4 of key 'subject'"
    assert row["source_file"].startswith("GET /api/v2/incremental/tickets/cursor.json?start_time=")
    assert result.records_quarantined == 1
    assert len(h.landed_json(home / "raw/zendesk")) == result.records_landed > 0


def test_a_line_that_is_not_utf8_is_quarantined_with_its_line_number(tmp_path: Path) -> None:
    from insights.extraction.landing import LandingStats, RawZone, RecordFileWriter

    zone = RawZone(tmp_path / "raw")
    stats = LandingStats()
    with RecordFileWriter(zone, zone.path("s", "e", "dt=2026-08-03", "f.jsonl.gz"), lambda r: None, stats) as writer:
        writer.add_line(b'{"a": 1}\n', "export entry x", 1)
        writer.add_line(b'{"a": "caf\xe9"}\n', "export entry x", 2)
        writer.commit()
    (bad,) = writer.quarantined
    assert (bad.line, bad.reason) == (2, "not valid UTF-8: byte 0xe9 at column 11")
