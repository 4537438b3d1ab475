"""Amplitude extraction against the simulator: upload-hour files, lookback, splitting, 404, quarantine."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from insights.extraction.extract import extract_interval
from insights.extraction.landing import QuarantineThresholdError
from insights.sources.amplitude.client import AmplitudeExportError
from insights_dev.simulator import Faults, Limits, SimRequest, SimResponse
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A + timedelta(days=1)
EVENTS = h.make_events(900)  # ~300 per day, ~12 per upload hour


def upload_hour(event: dict) -> datetime:
    moment = datetime.strptime(event["server_upload_time"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def uploaded_at(event: dict) -> datetime:
    return datetime.strptime(event["server_upload_time"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def hour_path(home: Path, hour: datetime) -> Path:
    return home / "raw" / "amplitude" / "events" / f"dt={hour:%Y-%m-%d}" / f"hour={hour:%H}.jsonl.gz"


def served_lines_by_hour(sim, first: datetime, last: datetime) -> dict[datetime, list[bytes]]:  # type: ignore[no-untyped-def]
    """What the API sends for [first, last], read straight from its ZIP (entries in part order)."""
    response = requests.get(
        sim.base_url("amplitude") + "/api/2/export",
        params={"start": f"{first:%Y%m%dT%H}", "end": f"{last:%Y%m%dT%H}"},
        auth=("sim-api-key", "sim-secret-key"),
        timeout=30,
    )
    if response.status_code == 404:
        return {}
    response.raise_for_status()
    by_hour: dict[datetime, list[tuple[int, list[bytes]]]] = {}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            stem = name.rsplit("/", 1)[-1].removesuffix(".json.gz")
            _, day, rest = stem.split("_")
            hour_text, part = rest.split("#")
            hour = datetime.fromisoformat(day).replace(hour=int(hour_text), tzinfo=UTC)
            lines = gzip.decompress(archive.read(name)).splitlines()
            by_hour.setdefault(hour, []).append((int(part), lines))
    return {h: [line for _, lines in sorted(parts) for line in lines] for h, parts in by_hour.items()}


def test_interval_lands_one_byte_exact_file_per_upload_hour_with_the_lookback(home: Path) -> None:
    with h.running(h.make_world(EVENTS)) as sim:
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
        (_, target, status), *rest = sim.request_log
        served = served_lines_by_hour(sim, A - timedelta(hours=2), B - timedelta(hours=1))
    assert not rest and status == 200
    assert parse_qs(urlsplit(target).query) == {"start": ["20260802T22"], "end": ["20260803T23"]}
    # the lookback reaches into the previous day; the world starts on Aug 3, so 22:00/23:00 are empty
    assert not hour_path(home, A - timedelta(hours=1)).exists()
    expected_hours = sorted({upload_hour(e) for e in EVENTS if A <= upload_hour(e) < B})
    landed_hours = sorted(
        datetime.strptime(f"{p.parent.name[3:]} {p.name[5:7]}", "%Y-%m-%d %H").replace(tzinfo=UTC)
        for p in (home / "raw" / "amplitude").rglob("hour=*.jsonl.gz")
    )
    assert landed_hours == expected_hours == sorted(served)
    for hour in expected_hours:
        assert h.read_lines(hour_path(home, hour)) == served[hour]  # byte-exact, parts merged in order
        uuids = {json.loads(line)["uuid"] for line in served[hour]}
        assert uuids == {e["uuid"] for e in EVENTS if upload_hour(e) == hour}
    assert result.records_landed == sum(1 for e in EVENTS if A <= upload_hour(e) < B)
    assert result.files_written == len(expected_hours)
    manifest = json.loads((home / "raw/amplitude/events/dt=2026-08-03/_manifest.json").read_text())
    assert [f["name"] for f in manifest["files"]] == [f"hour={h:%H}.jsonl.gz" for h in expected_hours]
    assert manifest["rows"] == result.records_landed
    assert (home / "raw/amplitude/events/dt=2026-08-02/_manifest.json").exists()  # empty, but complete


def test_too_large_windows_are_split_until_they_fit(home: Path, tmp_path: Path) -> None:
    world = h.make_world(EVENTS)
    with h.running(world) as sim:
        extract_interval("amplitude", A, B, h.settings_for(tmp_path / "whole", sim))
    with h.running(world, limits=Limits(amplitude_max_events_per_export=40)) as sim:
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
        log = sim.request_log
    assert h.file_digests(home / "raw") == h.file_digests(tmp_path / "whole" / "raw")
    assert [s for _, _, s in log].count(400) >= 3
    covered: list[datetime] = []
    for _, target, status in log:
        if status == 400:
            continue
        query = parse_qs(urlsplit(target).query)
        first = datetime.strptime(query["start"][0], "%Y%m%dT%H").replace(tzinfo=UTC)
        last = datetime.strptime(query["end"][0], "%Y%m%dT%H").replace(tzinfo=UTC)
        covered += [first + timedelta(hours=i) for i in range(int((last - first) / timedelta(hours=1)) + 1)]
        assert sum(1 for e in EVENTS if first <= upload_hour(e) <= last) <= 40
    # every hour of the window exported successfully exactly once, in order
    window = [A - timedelta(hours=2) + timedelta(hours=i) for i in range(26)]
    assert covered == window
    assert result.records_landed == sum(1 for e in EVENTS if A <= upload_hour(e) < B)


def test_a_single_hour_over_the_limit_fails_clearly(home: Path) -> None:
    refused = r"single upload hour 2026-08-0\dT\d\d:00:00Z .*HTTP 400"
    with (
        h.running(h.make_world(EVENTS), limits=Limits(amplitude_max_events_per_export=3)) as sim,
        pytest.raises(AmplitudeExportError, match=refused),
    ):
        extract_interval("amplitude", A, B, h.settings_for(home, sim))


def test_404_is_an_empty_range_not_an_error(home: Path) -> None:
    early = datetime(2026, 7, 1, tzinfo=UTC)
    with h.running(h.make_world(EVENTS)) as sim:
        result = extract_interval("amplitude", early, early + timedelta(days=1), h.settings_for(home, sim))
        statuses = [s for _, _, s in sim.request_log]
    assert statuses == [404]
    assert (result.records_landed, result.files_written, result.complete) == (0, 0, True)
    assert list((home / "raw").rglob("*.jsonl.gz")) == []
    manifest = json.loads((home / "raw/amplitude/events/dt=2026-07-01/_manifest.json").read_text())
    assert manifest["files"] == [] and manifest["rows"] == 0


def test_consecutive_intervals_leave_exactly_one_file_per_upload_hour(home: Path) -> None:
    """Run each day an hour and a half after its end: its last upload hour is not final yet (served
    2 h after it ends), so it is left alone, not landed half-full; the next day's lookback lands it
    whole. One file per upload hour, every event once."""
    world = h.make_world(EVENTS)
    with h.running(world) as sim:
        settings = h.settings_for(home, sim)
        for day in range(3):
            start = A + timedelta(days=day)
            sim.set_now(start + timedelta(days=1, hours=1, minutes=30))
            result = extract_interval("amplitude", start, start + timedelta(days=1), settings)
            last_hour, before_last = start + timedelta(hours=23), start + timedelta(hours=22)
            assert not hour_path(home, last_hour).exists()  # not final: not landed as if it were
            assert {json.loads(line)["uuid"] for line in h.read_lines(hour_path(home, before_last))} == {
                e["uuid"] for e in EVENTS if upload_hour(e) == before_last
            }
            assert not result.complete
            assert result.complete_through == last_hour
        sim.set_now(A + timedelta(days=4, hours=2))  # past the delay: the whole interval is served
        result = extract_interval("amplitude", A + timedelta(days=3), A + timedelta(days=4), settings)
    assert result.complete and result.complete_through == A + timedelta(days=4)
    files = sorted((home / "raw" / "amplitude").rglob("hour=*.jsonl.gz"))
    assert len(files) == len({upload_hour(e) for e in EVENTS})  # one file per upload hour holding data
    landed = Counter(json.loads(line)["uuid"] for path in files for line in h.read_lines(path))
    assert landed == Counter(e["uuid"] for e in EVENTS)  # every event once: nothing lost, nothing doubled


def test_rerunning_an_interval_gives_identical_files(home: Path) -> None:
    with h.running(h.make_world(EVENTS)) as sim:
        settings = h.settings_for(home, sim)
        extract_interval("amplitude", A, B, settings)
        first = h.file_digests(home / "raw")
        manifest = json.loads((home / "raw/amplitude/events/dt=2026-08-03/_manifest.json").read_text())
        extract_interval("amplitude", A, B, settings)
    assert h.file_digests(home / "raw") == first
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        Path(k).name: v for k, v in first.items() if "dt=2026-08-03" in k
    }


def test_an_hour_the_source_now_says_is_empty_is_replaced_by_an_empty_file(home: Path) -> None:
    hour = A + timedelta(hours=5)
    with h.running(h.make_world(EVENTS)) as sim:
        extract_interval("amplitude", A, B, h.settings_for(home, sim))
    assert h.read_lines(hour_path(home, hour))
    without_hour = [e for e in EVENTS if upload_hour(e) != hour]
    with h.running(h.make_world(without_hour)) as sim:
        extract_interval("amplitude", A, B, h.settings_for(home, sim))
    assert h.read_lines(hour_path(home, hour)) == []
    manifest = json.loads((home / "raw/amplitude/events/dt=2026-08-03/_manifest.json").read_text())
    assert {"name": "hour=05.jsonl.gz", "rows": 0} == {
        k: v
        for f in manifest["files"]
        if f["name"] == "hour=05.jsonl.gz"
        for k, v in f.items()
        if k in ("name", "rows")
    }


# ------------------------------------------------------------------------------------------------
# malformed input


def _line(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


GOOD = h.make_events(400, seed=9)
HOUR5_NAME = "187520/187520_2026-08-03_5#{}.json.gz"


def crafted_export() -> tuple[bytes, list[bytes], list[bytes]]:
    """A ZIP with a bad JSON line, a record missing uuid, one with a null device_id, a truncated
    gzip entry and an entry whose name carries no hour. Returns (zip, part-0 lines, part-1 lines)."""
    missing_uuid = {k: v for k, v in GOOD[2].items() if k != "uuid"}
    null_device = {**GOOD[3], "device_id": None}
    drifted = {**GOOD[4], "brand_new_field": {"x": 1}}  # schema drift passes untouched
    part0 = [
        _line(GOOD[0]),
        b'{"event_type": "broken',
        _line(GOOD[1]),
        _line(missing_uuid),
        _line(null_device),
        _line(drifted),
    ]
    part1 = [_line(e) for e in GOOD[10:400]]
    whole1 = gzip.compress(b"\n".join(part1) + b"\n", mtime=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(HOUR5_NAME.format(0), gzip.compress(b"\n".join(part0) + b"\n", mtime=0))
        archive.writestr(HOUR5_NAME.format(1), whole1[: len(whole1) // 2])
        archive.writestr("187520/README.txt", b"not an export entry")
    return buffer.getvalue(), part0, part1


class ServeCrafted(Faults):
    def __init__(self, body: bytes) -> None:
        self.body = body

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if source != "amplitude":
            return None
        return SimResponse(200, [("Content-Type", "application/zip")], self.body)


def test_malformed_input_is_quarantined_and_the_rest_lands(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body, part0, part1 = crafted_export()
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.2")
    with h.running(h.make_world([]), faults=ServeCrafted(body)) as sim:
        result = extract_interval("amplitude", A, B, h.settings_for(home, sim))
    landed = h.read_lines(hour_path(home, A + timedelta(hours=5)))
    assert landed[:3] == [part0[0], part0[2], part0[5]]
    tail = landed[3:]
    assert 0 < len(tail) < len(part1) and tail == part1[: len(tail)]  # lines before the truncation
    quarantine_dir = home / "raw" / "_quarantine" / "amplitude" / "events" / "dt=2026-08-03"
    rows = [json.loads(line) for line in (quarantine_dir / "hour=05.jsonl").read_text().splitlines()]
    entry0 = "GET /api/2/export?start=20260802T22&end=20260803T23 entry " + HOUR5_NAME.format(0)
    assert [(r["source_file"], r["line"], r["field"]) for r in rows[:3]] == [
        (entry0, 2, None),
        (entry0, 4, "uuid"),
        (entry0, 5, "device_id"),
    ]
    assert rows[0]["reason"].startswith("invalid JSON") and rows[0]["payload"] == '{"event_type": "broken'
    assert rows[1]["reason"] == "missing required key 'uuid'"
    assert rows[2]["reason"] == "required key 'device_id' is null, expected a string"
    assert rows[3]["source_file"].endswith(HOUR5_NAME.format(1))
    assert rows[3]["reason"].startswith(f"unreadable archive entry after line {len(tail)}")
    unplaced = quarantine_dir.parent / "dt=2026-08-02" / "export-20260802T22-entries.jsonl"
    names = [json.loads(line) for line in unplaced.read_text().splitlines()]
    assert [r["payload"] for r in names] == ["187520/README.txt"]
    assert result.records_quarantined == 5 and result.records_landed == len(landed)

    manifest = json.loads((home / "raw/amplitude/events/dt=2026-08-03/_manifest.json").read_text())
    assert manifest["quarantined"] == 4 and manifest["run_quarantined_share"] == round(5 / (len(landed) + 5), 6)

    # the same input with the default 1% threshold: the task fails clearly, and nothing of the run is
    # committed: its partitions have no manifest, so the loader never reads them
    monkeypatch.delenv("INSIGHTS_MAX_QUARANTINE_SHARE")
    with (
        h.running(h.make_world([]), faults=ServeCrafted(body)) as sim,
        pytest.raises(QuarantineThresholdError) as caught,
    ):
        extract_interval("amplitude", A, B, h.settings_for(home, sim))
    message = str(caught.value)
    assert f"5 of {len(landed) + 5} records quarantined" in message
    assert f"{entry0}, line 4, field 'uuid': missing required key 'uuid'" in message
    assert h.read_lines(hour_path(home, A + timedelta(hours=5))) == landed
    assert not list((home / "raw" / "amplitude").rglob("_manifest.json"))


def test_world_records_missing_required_fields_are_quarantined(home: Path) -> None:
    events = h.make_events(300)
    broken = [i for i, e in enumerate(events) if A <= upload_hour(e) < B][:3]
    del events[broken[0]]["uuid"]
    events[broken[1]]["$insert_id"] = 12  # wrong type (must be a string or null)
    del events[broken[2]]["$insert_id"]  # the key must be present
    with h.running(h.make_world(events)) as sim, pytest.raises(QuarantineThresholdError, match="field 'uuid'"):
        extract_interval("amplitude", A, B, h.settings_for(home, sim))
    rows = [
        json.loads(line)
        for path in (home / "raw" / "_quarantine").rglob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted(r["field"] for r in rows) == ["$insert_id", "$insert_id", "uuid"]
    landed = {
        json.loads(line).get("amplitude_id")
        for p in (home / "raw").rglob("hour=*.jsonl.gz")
        for line in h.read_lines(p)
    }
    assert events[broken[0]]["amplitude_id"] not in landed


def test_an_unreadable_archive_fails_after_a_second_download_and_keeps_old_files(home: Path) -> None:
    with h.running(h.make_world(EVENTS)) as sim:
        extract_interval("amplitude", A, B, h.settings_for(home, sim))
    before = h.file_digests(home / "raw")
    body, _, _ = crafted_export()
    with h.running(h.make_world(EVENTS), faults=ServeCrafted(body[: len(body) // 2])) as sim:
        with pytest.raises(AmplitudeExportError, match="unreadable after 2 downloads"):
            extract_interval("amplitude", A, B, h.settings_for(home, sim))
        assert [s for _, _, s in sim.request_log] == [200, 200]
    assert h.file_digests(home / "raw") == before
    recorded = list((home / "raw" / "_quarantine" / "amplitude").rglob("export-*.jsonl"))
    assert len(recorded) == 1 and "unreadable export archive" in recorded[0].read_text()


def test_interval_must_be_whole_hours(home: Path) -> None:
    with pytest.raises(ValueError, match="not a whole UTC hour"):
        extract_interval("amplitude", A + timedelta(minutes=30), B, h.settings_for(home))
