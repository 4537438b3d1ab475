"""Zendesk cursor export against the simulator: paging, interval boundaries, 422, quarantine."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from insights.extraction.extract import extract_interval
from insights.extraction.landing import QuarantineThresholdError
from insights_dev.simulator import Limits
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A + timedelta(days=1)
TICKETS = h.make_ticket_versions(60)
PAGED = Limits(zendesk_requests_per_minute=100_000, typeform_requests_per_second=100_000, zendesk_max_per_page=7)


def epoch(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def latest_versions(versions: list[dict], now: datetime) -> dict[int, dict]:
    """Zendesk's incremental export shows each ticket once, in its latest state as of now."""
    latest: dict[int, dict] = {}
    for version in versions:
        if epoch(version["updated_at"]) <= now.timestamp():
            current = latest.get(version["id"])
            if current is None or epoch(version["updated_at"]) >= epoch(current["updated_at"]):
                latest[version["id"]] = version
    return latest


def expected_in(start: datetime, end: datetime, now: datetime = h.NOW) -> list[tuple[int, str]]:
    return sorted(
        (v["id"], v["updated_at"])
        for v in latest_versions(TICKETS, now).values()
        if start.timestamp() <= epoch(v["updated_at"]) < end.timestamp()
    )


def partition(home: Path, day: datetime) -> Path:
    return home / "raw" / "zendesk" / "tickets" / f"dt={day:%Y-%m-%d}"


def test_pages_land_as_parts_and_only_the_interval_is_kept(home: Path) -> None:
    with h.running(h.make_world(tickets=TICKETS), limits=PAGED) as sim:
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
        log = sim.request_log
    expected = expected_in(A, B)
    landed = h.landed_json(home / "raw")
    assert sorted((t["id"], t["updated_at"]) for t in landed) == expected
    assert all(t["generated_timestamp"] == epoch(t["updated_at"]) for t in landed)
    assert all("metric_set" in t for t in landed)  # include=metric_sets asked
    parts = sorted(partition(home, A).glob("part-*.jsonl.gz"))
    assert [p.name for p in parts] == [f"part-{n:05d}.jsonl.gz" for n in range(1, len(parts) + 1)]
    assert all(len(h.read_lines(p)) <= 7 for p in parts)
    # first call: start_time + include + per_page; then only the cursor
    queries = [parse_qs(urlsplit(target).query) for _, target, _ in log]
    assert queries[0] == {"start_time": [str(int(A.timestamp()))], "include": ["metric_sets"], "per_page": ["1000"]}
    assert all(list(q) == ["cursor"] for q in queries[1:])
    # it stops at the page holding the first ticket generated at or after the interval end
    assert len(log) == len(expected) // 7 + 1 == math.ceil((len(expected) + 1) / 7)
    manifest = json.loads((partition(home, A) / "_manifest.json").read_text())
    assert manifest["interval"] == {"start": "2026-08-03T00:00:00Z", "end": "2026-08-04T00:00:00Z"}
    assert [f["name"] for f in manifest["files"]] == [p.name for p in parts]
    assert manifest["rows"] == result.records_landed == len(expected) > 7


def test_consecutive_days_hold_each_ticket_once(home: Path) -> None:
    with h.running(h.make_world(tickets=TICKETS), limits=PAGED) as sim:
        settings = h.settings_for(home, sim)
        for day in range(3):
            extract_interval("zendesk", A + timedelta(days=day), B + timedelta(days=day), settings)
    per_day = [
        sorted((t["id"], t["updated_at"]) for t in h.landed_json(partition(home, A + timedelta(days=d))))
        for d in range(3)
    ]
    for day in range(3):
        assert per_day[day] == expected_in(A + timedelta(days=day), B + timedelta(days=day))
    ids = Counter(i for day in per_day for i, _ in day)
    assert ids == Counter(latest_versions(TICKETS, h.NOW).keys())  # every ticket once, in its latest state


def test_last_page_of_the_stream_ends_the_run(home: Path) -> None:
    last_day = A + timedelta(days=2)
    with h.running(h.make_world(tickets=TICKETS), limits=PAGED) as sim:
        result = extract_interval("zendesk", last_day, last_day + timedelta(days=1), h.settings_for(home, sim))
    manifest = json.loads((partition(home, last_day) / "_manifest.json").read_text())
    assert manifest["end_of_stream"] is True
    assert result.records_landed == len(expected_in(last_day, last_day + timedelta(days=1))) > 0


def test_too_recent_start_time_means_not_available_yet(home: Path) -> None:
    with h.running(h.make_world(tickets=TICKETS), now=A + timedelta(seconds=30)) as sim:
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
        statuses = [s for _, _, s in sim.request_log]
    assert statuses == [422]
    assert result.complete is False and result.records_landed == 0
    assert not (partition(home, A) / "_manifest.json").exists()  # incomplete: the loader ignores it
    state = json.loads((home / "state" / "zendesk.json").read_text())
    assert state["in_progress"]["interval"] == ["2026-08-03T00:00:00Z", "2026-08-04T00:00:00Z"]


def test_rerun_replaces_the_partition(home: Path) -> None:
    with h.running(h.make_world(tickets=TICKETS), limits=PAGED) as sim:
        settings = h.settings_for(home, sim)
        extract_interval("zendesk", A, B, settings)
        first = h.file_digests(home / "raw")
        stray = partition(home, A) / "part-00099.jsonl.gz"
        stray.write_bytes((partition(home, A) / "part-00001.jsonl.gz").read_bytes())
        extract_interval("zendesk", A, B, settings)
    assert h.file_digests(home / "raw") == first  # same files, same bytes, the stray copy gone


def test_tickets_missing_required_fields_are_quarantined(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = [dict(v) for v in TICKETS]
    in_interval = {i for i, _ in expected_in(A, B)}
    targets = sorted(in_interval)[:2]
    for v in versions:
        if v["id"] == targets[0]:
            del v["status"]
        if v["id"] == targets[1]:
            v["created_at"] = 1785715200  # a number where a timestamp string is required
    with h.running(h.make_world(tickets=versions), limits=PAGED) as sim:
        with pytest.raises(QuarantineThresholdError, match=r"field 'status': missing required key 'status'"):
            extract_interval("zendesk", A, B, h.settings_for(home, sim))
        monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.5")
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
    rows = [
        json.loads(line)
        for path in (home / "raw" / "_quarantine" / "zendesk" / "tickets" / "dt=2026-08-03").glob("part-*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted((json.loads(r["payload"])["id"], r["field"]) for r in rows) == [
        (targets[0], "status"),
        (targets[1], "created_at"),
    ]
    assert all(r["source_file"].startswith("GET /api/v2/incremental/tickets/cursor.json?") for r in rows)
    assert result.records_quarantined == 2
    assert sorted(t["id"] for t in h.landed_json(home / "raw")) == sorted(in_interval - set(targets))


def _ticket(ticket_id: int, updated: datetime, status: str) -> dict:
    version = dict(TICKETS[0], id=ticket_id, status=status, subject=f"frontier {ticket_id}")
    version["created_at"] = (A + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    version["updated_at"] = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    return version


def test_at_the_frontier_a_ticket_updated_after_the_interval_lands_at_its_current_version(home: Path) -> None:
    """The export serves each ticket at its current version only: created on day A, updated again
    after B, it is no longer served before B. Stopping at B would leave it out while A counts as
    complete; at the frontier the run reads to the end of the stream and covers up to the clock."""
    versions = [_ticket(9001, A + timedelta(hours=20), "new"), _ticket(9001, B + timedelta(hours=1), "solved")]
    clock = B + timedelta(hours=2)
    with h.running(h.make_world(tickets=versions), now=clock) as sim:
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
    assert [(t["id"], t["status"]) for t in h.landed_json(partition(home, A))] == [(9001, "solved")]
    assert result.complete
    watermark = json.loads((home / "raw" / "zendesk" / "_watermark.json").read_text())
    assert watermark["complete_through"] == "2026-08-04T01:59:00Z"  # the clock less the 1-minute delay


def test_an_older_interval_stops_at_its_end(home: Path) -> None:
    versions = [
        _ticket(9001, A + timedelta(hours=20), "new"),
        _ticket(9001, B + timedelta(hours=1), "solved"),
        _ticket(9002, A + timedelta(hours=21), "open"),
    ]
    with h.running(h.make_world(tickets=versions), now=B + timedelta(days=2)) as sim:
        extract_interval("zendesk", A, B, h.settings_for(home, sim))
    # the day after B lands ticket 9001 (its current version); this interval keeps to [A, B)
    assert [t["id"] for t in h.landed_json(partition(home, A))] == [9002]
    watermark = json.loads((home / "raw" / "zendesk" / "_watermark.json").read_text())
    assert watermark["complete_through"] == "2026-08-04T00:00:00Z"
