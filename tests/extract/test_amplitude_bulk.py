"""The Amplitude fast path: gzip members copied, checked in one pass, records validated by DuckDB.

Whatever the fast path lands must be exactly what the line path would have landed; whenever it
cannot be sure, the hour goes through the line path.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import zipfile
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from insights.extraction import landing
from insights.extraction.extract import extract_interval
from insights.extraction.landing import RawZone
from insights.sources.amplitude import bulk as amplitude_bulk
from insights.sources.amplitude.bulk import CANONICAL_GZIP_HEADER, RecordCheck, _Shape, copy_gzip_entry
from insights.sources.amplitude.client import events_schema, validate_event
from insights_dev.simulator import Faults, SimRequest, SimResponse
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A + timedelta(days=1)
EVENTS = h.make_events(600)


def _line(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def _member(data: bytes, name: str | None = None) -> bytes:
    """A gzip member as a vendor might write it: with a file name and an mtime in its header."""
    out = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=out, mtime=1_700_000_000) as handle:
        handle.write(data)
    return out.getvalue()


def _copy(blob: bytes) -> tuple[bytes, _Shape]:
    out, shape = io.BytesIO(), _Shape()
    copy_gzip_entry(io.BytesIO(blob), out, shape)
    return out.getvalue(), shape


def _python_accepts(line: bytes) -> bool:
    """The line path's verdict on one non-blank line."""
    try:
        return validate_event(json.loads(line)) is None
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------------
# copying gzip members


@pytest.mark.parametrize("chunk", [7, 1 << 20])
def test_members_are_copied_with_canonical_headers_and_counted(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(amplitude_bulk, "CHUNK", chunk)  # small reads: headers and trailers across chunks
    monkeypatch.setattr(amplitude_bulk, "OUTPUT_CHUNK", chunk)
    first, second = b"".join(_line(e) + b"\n" for e in EVENTS[:30]), "caf\u00e9 \u2603\n".encode() * 40
    blob = _member(first, "part-0.json") + b"\x00\x00\x00" + _member(second)  # zero padding between members
    copied, shape = _copy(blob)
    assert gzip.decompress(copied) == first + second
    assert copied.startswith(CANONICAL_GZIP_HEADER) and copied.count(CANONICAL_GZIP_HEADER) == 2
    assert (shape.lines, shape.clean) == (70, True)
    assert _copy(_member(first, "other-name.json"))[0] == _copy(_member(first))[0]  # bytes depend on data only


def _damaged() -> dict[str, bytes]:
    whole = _member(b"".join(_line(e) + b"\n" for e in EVENTS[:50]))
    bad_crc = bytearray(whole)
    bad_crc[-8] ^= 0xFF
    corrupt = bytearray(whole)
    corrupt[40] ^= 0xFF
    return {
        "truncated": whole[: len(whole) * 2 // 3],
        "no trailer": whole[:-8],
        "bad crc": bytes(bad_crc),
        "corrupt deflate": bytes(corrupt),
        "trailing garbage": whole + b"garbage",
        "leading zero": b"\x00" + whole,
        "not gzip": b"plain text\n",
    }


@pytest.mark.parametrize("damage", list(_damaged()))
def test_damaged_entries_fail_like_gzipfile(damage: str) -> None:
    blob = _damaged()[damage]
    with pytest.raises((EOFError, OSError, zlib.error)), gzip.GzipFile(fileobj=io.BytesIO(blob)) as handle:
        handle.read()
    with pytest.raises((EOFError, OSError, zlib.error)):
        _copy(blob)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1}\r\n{"a":2}\n',  # the line path strips the carriage return
        b'{"a":1}\n{"a":2}',  # the line path ends the last line itself
        b'{"a":"\xff"}\n',  # invalid UTF-8
        b'{"a":"\xc3"}\n',  # cut inside a character
    ],
)
def test_lines_the_copy_cannot_keep_as_they_are_mark_the_hour_unclean(data: bytes) -> None:
    assert not _copy(_member(data))[1].clean


# ------------------------------------------------------------------------------------------------
# the record check


GOOD_LINE = _line(EVENTS[0])
ODD_LINES = [
    GOOD_LINE[:-1] + b',"x":NaN}',  # Python accepts NaN and Infinity; the check plays safe
    GOOD_LINE[:-1] + b',"x":-Infinity}',
    GOOD_LINE[:-1] + b',"x":nan}',  # DuckDB's parser accepts these, Python's json does not
    GOOD_LINE[:-1] + b',"x":-inf}',
    GOOD_LINE[:-1] + b',"x":[1,2,]}',
    GOOD_LINE[:-1] + b",}",
    GOOD_LINE[:-1] + b',"x":"\\ud800"}',
    b'{"event_type": "broken',
    b"[1, 2]",
    b'"just a string"',
    _line({k: v for k, v in EVENTS[1].items() if k != "uuid"}),
    _line({**EVENTS[2], "device_id": None}),
    _line({**EVENTS[3], "$insert_id": 12}),
    _line({**EVENTS[4], "event_type": True}),
    _line({k: v for k, v in EVENTS[5].items() if k != "$insert_id"}),
    # the rest of the schema: values the warehouse could not cast
    _line({**EVENTS[6], "session_id": "abc"}),
    _line({**EVENTS[6], "session_id": 2**63}),
    _line({**EVENTS[6], "session_id": 1.5}),
    _line({**EVENTS[6], "session_id": None}),
    _line({**EVENTS[7], "event_time": "20261031T101500Z"}),
    _line({**EVENTS[7], "event_time": "2026-10-31T10:15:00"}),
    _line({**EVENTS[7], "event_time": "2026-13-45 10:15:00"}),
    _line({**EVENTS[7], "client_event_time": 1761900000}),
    _line({**EVENTS[8], "event_properties": None}),
    _line({**EVENTS[8], "user_properties": {"email": 42}}),
    _line({**EVENTS[8], "amplitude_id": "12"}),
    GOOD_LINE + b" " + GOOD_LINE,
    b"   ",
    b"",
]


def _check(tmp_path: Path, lines: list[bytes]) -> bool:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    check = RecordCheck(events_schema())
    try:
        return check.all_valid(path, len(lines))
    finally:
        check.close()


def test_clean_records_pass_the_check(tmp_path: Path) -> None:
    lines = [_line(e) for e in EVENTS] + [_line({**EVENTS[0], "$insert_id": None, "new": {"nested": [1]}})]
    assert _check(tmp_path, lines)


@pytest.mark.parametrize("odd", ODD_LINES, ids=range(len(ODD_LINES)))
def test_the_check_never_passes_what_the_line_path_would_not_land_as_is(tmp_path: Path, odd: bytes) -> None:
    lines = [GOOD_LINE, odd, GOOD_LINE]
    if _check(tmp_path, lines):
        assert all(_python_accepts(line) for line in lines)


# ------------------------------------------------------------------------------------------------
# end to end: the fast path and the line path land the same


HOUR_NAME = "187520/187520_2026-08-03_{hour}#{part}.json.gz"


class ServeZip(Faults):
    def __init__(self, body: bytes) -> None:
        self.body = body

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        return SimResponse(200, [("Content-Type", "application/zip")], self.body) if source == "amplitude" else None


def test_odd_hours_go_through_the_line_path_and_clean_hours_are_copied(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.5")
    clean = [_line(e) for e in EVENTS[:40]]
    odd = [
        clean[0] + b"\r",
        b"",
        clean[1],
        b"  ",
        ODD_LINES[2],  # nan: invalid for Python's json
        ODD_LINES[4],  # trailing comma
        clean[2],
        _line({**EVENTS[3], "$insert_id": 12}),
        clean[4],
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(HOUR_NAME.format(hour=3, part=0), _member(b"\n".join(clean[:20]) + b"\n", "x.json"))
        archive.writestr(HOUR_NAME.format(hour=3, part=1), _member(b"\n".join(clean[20:]) + b"\n"))
        archive.writestr(HOUR_NAME.format(hour=4, part=0), _member(b"\n".join(odd)))  # no final newline
    with h.running(h.make_world([]), faults=ServeZip(buffer.getvalue())) as sim:
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
    partition = home / "raw" / "amplitude" / "events" / "dt=2026-08-03"
    copied = (partition / "hour=03.jsonl.gz").read_bytes()
    assert copied.startswith(CANONICAL_GZIP_HEADER) and h.read_lines(partition / "hour=03.jsonl.gz") == clean
    assert h.read_lines(partition / "hour=04.jsonl.gz") == [clean[0], clean[1], clean[2], clean[4]]
    quarantine = home / "raw/_quarantine/amplitude/events/dt=2026-08-03/hour=04.jsonl"
    quarantined = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert [(q["line"], q["field"]) for q in quarantined] == [(5, None), (6, None), (8, "$insert_id")]
    assert (result.records_landed, result.records_quarantined) == (44, 3)
    manifest = json.loads((partition / "_manifest.json").read_text())
    assert {f["name"]: f["rows"] for f in manifest["files"]} == {"hour=03.jsonl.gz": 40, "hour=04.jsonl.gz": 4}


class TruncateLateHourOnce(Faults):
    """The first download has the entry of upload hour 20 cut short; the second is whole."""

    def __init__(self) -> None:
        self.served = 0

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if source != "amplitude" or response.status != 200:
            return response
        self.served += 1
        if self.served > 1:
            return response
        body = b"".join(response.iter_chunks())
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(body)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                blob = src.read(info)
                dst.writestr(info, blob[: len(blob) // 2] if "_2026-08-03_20#" in info.filename else blob)
        return SimResponse(200, list(response.headers), out.getvalue())


def test_a_damaged_entry_downloads_again_and_goes_on_from_its_hour(
    home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = h.make_world(EVENTS)
    with h.running(world) as sim:
        extract_interval("amplitude", A, B, h.settings_for(tmp_path / "clean", sim))
    caplog.clear()  # only the damaged run's lines count (the clean run logs too when INFO is already on)
    with caplog.at_level(logging.DEBUG), h.running(world, faults=TruncateLateHourOnce()) as sim:  # per-hour lines
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
        log = sim.request_log
    assert [status for _, _, status in log] == [200, 200] and log[0][1] == log[1][1]  # the same window again
    assert "attempt 1 unreadable: entry 187520/187520_2026-08-03_20#0.json.gz" in caplog.text
    landed_hours = [m for m in caplog.messages if "upload hour" in m]
    assert len(landed_hours) == 26  # hours before 20:00 landed from the first download, the rest from the second
    assert h.file_digests(home / "raw") == h.file_digests(tmp_path / "clean" / "raw")
    assert result.records_quarantined == 0 and not (home / "raw" / "_quarantine").exists()


def test_manifests_keep_the_row_counts_of_unchanged_files(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    described: list[str] = []
    real = landing.describe_file

    def counting(path: Path) -> landing.LandedFile:
        described.append(path.name)
        return real(path)

    with h.running(h.make_world(EVENTS)) as sim:
        settings = h.settings_for(home, sim)
        extract_interval("amplitude", A, B, settings)
        partition = home / "raw" / "amplitude" / "events" / "dt=2026-08-03"
        before = json.loads((partition / "_manifest.json").read_text())
        # hour 05 changes behind the manifest's back: its row count must be counted again
        (partition / "hour=05.jsonl.gz").write_bytes(gzip.compress(b'{"a":1}\n', mtime=0))
        monkeypatch.setattr(landing, "describe_file", counting)
        extract_interval("amplitude", B, B + timedelta(days=1), settings)  # its lookback rewrites 22:00, 23:00
    after = json.loads((partition / "_manifest.json").read_text())
    assert described == ["hour=05.jsonl.gz"]
    rows = {f["name"]: f["rows"] for f in after["files"]}
    assert rows == {**{f["name"]: f["rows"] for f in before["files"]}, "hour=05.jsonl.gz": 1}
    assert RawZone(home / "raw").read_manifest_files(partition)["hour=05.jsonl.gz"].rows == 1
