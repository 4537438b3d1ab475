"""The raw-zone writer on real files: atomicity, deterministic bytes, manifests, quarantine, threshold."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from insights.extraction.landing import (
    LandingStats,
    QuarantinedRecord,
    QuarantineThresholdError,
    RawZone,
    RecordFileWriter,
    atomic_output,
    check_quarantine_share,
    check_required,
    describe_file,
    max_quarantine_share,
)

REQUIRED = {"id": (int,), "name": (str,), "parent": (str, type(None))}
INTERVAL = (datetime(2026, 8, 3, tzinfo=UTC), datetime(2026, 8, 4, tzinfo=UTC))


def validate(record: object) -> tuple[str, str] | None:
    return check_required(record, REQUIRED)


def test_atomic_output_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "part" / "file.json"
    with atomic_output(target) as handle:
        handle.write(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"new but never finished")
        raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]  # no temp file left


def test_written_file_is_byte_exact_deterministic_and_described(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw")
    lines = [
        b'{"id": 1,   "name":"caf\xc3\xa9", "parent": null, "new_field": [1]}',
        b'{"id":2,"name":"b","parent":"x"}',
    ]
    digests = []
    for run in range(2):
        stats = LandingStats()
        path = zone.path("src", "stream", "dt=2026-08-03", "part-00001.jsonl.gz")
        with RecordFileWriter(zone, path, validate, stats) as writer:
            for n, line in enumerate(lines, start=1):
                writer.add_line(line + b"\n", "export.zip", n)
            landed = writer.commit()
        assert landed is not None
        on_disk = path.read_bytes()
        assert landed.sha256 == hashlib.sha256(on_disk).hexdigest()
        assert landed.bytes == len(on_disk)
        assert landed.rows == 2 == stats.records_landed
        assert describe_file(path) == landed
        # byte-exact lines (odd spacing, UTF-8, unknown fields kept), newline-terminated
        assert gzip.decompress(on_disk) == b"\n".join(lines) + b"\n"
        digests.append(landed.sha256)
        assert run == 0 or stats.files_written == 1
    assert digests[0] == digests[1]


def test_bad_records_are_quarantined_with_reason_line_and_field(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw")
    stats = LandingStats()
    path = zone.path("src", "stream", "dt=2026-08-03", "hour=05.jsonl.gz")
    raw_lines = [
        b'{"id": 1, "name": "good", "parent": null}',
        b'{"id": 2, "name": "broken"',  # invalid JSON
        b'{"id": 3, "parent": null}',  # missing name
        b'{"id": true, "name": "bool id", "parent": null}',  # a boolean is not an id
        b'{"id": 5, "name": "no parent key"}',  # key must be present even if nullable
        b'["not", "an", "object"]',
        b"",  # blank line: no record at all
        b'{"id": 6, "name": "good too", "parent": "p"}',
    ]
    with RecordFileWriter(zone, path, validate, stats) as writer:
        for n, line in enumerate(raw_lines, start=1):
            writer.add_line(line, "GET /export entry x.json.gz", n)
        writer.commit()
    assert [json.loads(line)["id"] for line in gzip.decompress(path.read_bytes()).splitlines()] == [1, 6]
    quarantine = zone.root / "_quarantine" / "src" / "stream" / "dt=2026-08-03" / "hour=05.jsonl"
    rows = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rows] == [(2, None), (3, "name"), (4, "id"), (5, "parent"), (6, None)]
    assert rows[0]["reason"].startswith("invalid JSON")
    assert rows[1]["reason"] == "missing required key 'name'"
    assert "boolean" in rows[2]["reason"]
    assert rows[1]["payload"] == '{"id": 3, "parent": null}'
    assert all(r["source_file"] == "GET /export entry x.json.gz" for r in rows)
    assert (stats.records_landed, stats.records_quarantined) == (2, 5)


def test_rewrite_without_bad_records_removes_the_stale_quarantine_file(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw")
    path = zone.path("src", "stream", "dt=2026-08-03", "part-00001.jsonl.gz")
    with RecordFileWriter(zone, path, validate, LandingStats()) as writer:
        writer.add_record({"id": "x"}, "page", 1)
        writer.add_record({"id": 1, "name": "a", "parent": None}, "page", 2)
        writer.commit()
    assert zone.quarantine_path(path).exists()
    with RecordFileWriter(zone, path, validate, LandingStats()) as writer:
        writer.add_record({"id": 1, "name": "a", "parent": None}, "page", 1)
        writer.commit()
    assert not zone.quarantine_path(path).exists()


def test_empty_result_replaces_a_stale_file_only_when_asked(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw")
    stale = zone.path("src", "stream", "dt=2026-08-03", "hour=01.jsonl.gz")
    fresh = zone.path("src", "stream", "dt=2026-08-03", "hour=02.jsonl.gz")
    with RecordFileWriter(zone, stale, validate, LandingStats()) as writer:
        writer.add_record({"id": 1, "name": "a", "parent": None}, "page", 1)
        writer.commit()
    with RecordFileWriter(zone, stale, validate, LandingStats(), replace_with_empty=True) as writer:
        landed = writer.commit()
    assert landed is not None and landed.rows == 0
    assert gzip.decompress(stale.read_bytes()) == b""
    with RecordFileWriter(zone, fresh, validate, LandingStats(), replace_with_empty=True) as writer:
        assert writer.commit() is None
    assert not fresh.exists()
    assert sorted(p.name for p in stale.parent.iterdir()) == ["hour=01.jsonl.gz"]  # no temp files


def test_manifest_lists_files_and_clear_partition_starts_over(tmp_path: Path) -> None:
    zone = RawZone(tmp_path / "raw")
    partition = zone.path("zendesk", "tickets", "dt=2026-08-03")
    landed = []
    for part in (1, 2):
        with RecordFileWriter(zone, partition / f"part-{part:05d}.jsonl.gz", validate, LandingStats()) as writer:
            for i in range(part * 3):
                writer.add_record({"id": i, "name": "n", "parent": None}, "page", i + 1)
            writer.add_record({"id": "bad"}, "page", 99)
            landed.append(writer.commit())
    manifest = zone.write_manifest(partition, source="zendesk", stream="tickets", interval=INTERVAL, cursor="abc")
    on_disk = json.loads((partition / "_manifest.json").read_text())
    assert on_disk == manifest
    assert on_disk["files"] == [f.as_manifest_entry() for f in landed]
    assert on_disk["rows"] == 9
    assert on_disk["interval"] == {"start": "2026-08-03T00:00:00Z", "end": "2026-08-04T00:00:00Z"}
    assert on_disk["cursor"] == "abc"
    zone.clear_partition(partition)
    assert list(partition.iterdir()) == []
    assert not (zone.root / "_quarantine" / "zendesk" / "tickets" / "dt=2026-08-03").exists()


def test_threshold_raises_naming_file_line_and_field() -> None:
    stats = LandingStats(records_landed=99)
    stats.add_quarantined(
        [QuarantinedRecord("missing required key 'uuid'", "export entry 1_2026-08-03_5#0", 7, "uuid", "{}")]
    )
    check_quarantine_share("amplitude", stats, 0.01)  # 1 of 100 is exactly the allowed share
    stats.add_quarantined([QuarantinedRecord("invalid JSON", "export entry 1_2026-08-03_5#0", 9, None, "{")])
    with pytest.raises(QuarantineThresholdError) as caught:
        check_quarantine_share("amplitude", stats, 0.01)
    message = str(caught.value)
    assert "2 of 101 records quarantined" in message
    assert "export entry 1_2026-08-03_5#0, line 7, field 'uuid': missing required key 'uuid'" in message
    check_quarantine_share("amplitude", stats, 0.02)  # 2 of 101 is under 2%


def test_threshold_setting_is_validated() -> None:
    assert max_quarantine_share({}) == 0.01
    assert max_quarantine_share({"INSIGHTS_MAX_QUARANTINE_SHARE": "0.2"}) == 0.2
    with pytest.raises(ValueError, match="INSIGHTS_MAX_QUARANTINE_SHARE"):
        max_quarantine_share({"INSIGHTS_MAX_QUARANTINE_SHARE": "lots"})
    with pytest.raises(ValueError, match="between 0 and 1"):
        max_quarantine_share({"INSIGHTS_MAX_QUARANTINE_SHARE": "5"})
