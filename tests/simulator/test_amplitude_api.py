"""Contract tests of the simulated Amplitude Export API, over real HTTP."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import timedelta

import requests

from .helpers import FAST_LIMITS, make_event, make_world, session_for, utc

ENTRY = re.compile(r"^(\d+)/(\d+)_(\d{4}-\d{2}-\d{2})_(\d{1,2})#(\d+)\.json\.gz$")
NOW = utc(2026, 8, 5, 12)  # everything uploaded before 10:00 on Aug 5 is exportable


def export(server, start: str, end: str, session=None) -> requests.Response:
    session = session or session_for(server, "amplitude")
    return session.get(server.base_url("amplitude") + "/api/2/export", params={"start": start, "end": end})


def unzip(response: requests.Response) -> dict[str, list[dict]]:
    """Entry name -> events (each entry is a gzip of JSON lines)."""
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {
        name: [json.loads(line) for line in gzip.decompress(archive.read(name)).splitlines()]
        for name in archive.namelist()
    }


def uuids(entries: dict[str, list[dict]]) -> set[str]:
    return {event["uuid"] for events in entries.values() for event in events}


def test_entries_are_named_per_upload_hour_with_unpadded_hour_and_numbered_parts(serve):
    events = [
        make_event("a1", utc(2026, 8, 3, 0, 5), utc(2026, 8, 3, 0, 10)),
        make_event("b1", utc(2026, 8, 3, 13, 1), utc(2026, 8, 3, 13, 2)),
        make_event("b2", utc(2026, 8, 3, 13, 3), utc(2026, 8, 3, 13, 4)),
        make_event("b3", utc(2026, 8, 3, 13, 5), utc(2026, 8, 3, 13, 59, 59)),
    ]
    server = serve(make_world(events), NOW, replace(FAST_LIMITS, amplitude_events_per_part=2))

    response = export(server, "20260803T00", "20260803T23")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    entries = unzip(response)
    assert set(entries) == {
        "4242/4242_2026-08-03_0#0.json.gz",
        "4242/4242_2026-08-03_13#0.json.gz",
        "4242/4242_2026-08-03_13#1.json.gz",  # three events in hour 13, parts of two
    }
    for name, part in entries.items():
        project, project_again, day, hour, _ = ENTRY.match(name).groups()
        assert project == project_again == "4242"
        for event in part:  # each entry holds exactly the events uploaded in its hour
            assert event["server_upload_time"].startswith(f"{day} {int(hour):02d}:")
    assert sum(len(part) for part in entries.values()) == 4


def test_exported_lines_keep_the_record_and_its_timestamp_format(serve):
    event = make_event("x1", utc(2026, 8, 3, 9, 0, 0, 120), utc(2026, 8, 3, 9, 0, 1, 5), event_properties={"n": 1})
    server = serve(make_world([event]), NOW)

    [[served]] = unzip(export(server, "20260803T09", "20260803T09")).values()

    assert served == event
    assert served["server_upload_time"] == "2026-08-03 09:00:01.000005"


def test_window_selects_upload_time_not_event_time_with_both_ends_inclusive(serve):
    events = [
        # happened on Aug 3 but uploaded on Aug 4 at 05:xx: belongs to the Aug 4 05h window
        make_event("late", utc(2026, 8, 3, 22, 0), utc(2026, 8, 4, 5, 30)),
        make_event("edge-in", utc(2026, 8, 4, 5, 59), utc(2026, 8, 4, 5, 59, 59, 999999)),
        make_event("edge-out", utc(2026, 8, 4, 6, 0), utc(2026, 8, 4, 6, 0, 0)),
        make_event("start", utc(2026, 8, 4, 4, 0), utc(2026, 8, 4, 4, 0, 0)),
    ]
    server = serve(make_world(events), NOW)

    assert uuids(unzip(export(server, "20260804T05", "20260804T05"))) == {"late", "edge-in"}
    assert uuids(unzip(export(server, "20260804T04", "20260804T05"))) == {"start", "late", "edge-in"}
    assert export(server, "20260803T00", "20260803T23").status_code == 404  # nothing *uploaded* on Aug 3


def test_events_become_available_two_hours_after_upload(serve):
    events = [
        make_event("old", utc(2026, 8, 5, 9, 0), utc(2026, 8, 5, 9, 59, 59)),
        make_event("young", utc(2026, 8, 5, 10, 0), utc(2026, 8, 5, 10, 0, 1)),
        make_event("younger", utc(2026, 8, 5, 10, 30), utc(2026, 8, 5, 10, 30)),
    ]
    server = serve(make_world(events), utc(2026, 8, 5, 12, 0, 0))

    assert uuids(unzip(export(server, "20260805T09", "20260805T11"))) == {"old"}
    assert export(server, "20260805T10", "20260805T10").status_code == 404

    server.set_now(utc(2026, 8, 5, 12, 0, 1))
    assert uuids(unzip(export(server, "20260805T10", "20260805T10"))) == {"young"}
    server.set_now(utc(2026, 8, 5, 13))
    assert uuids(unzip(export(server, "20260805T10", "20260805T10"))) == {"young", "younger"}


def test_an_hour_cut_by_the_availability_cutoff_inside_a_part_serves_only_the_uploaded_prefix(serve):
    events = [make_event(f"e{i}", utc(2026, 8, 5, 9, i), utc(2026, 8, 5, 9, 10 * i)) for i in range(5)]
    server = serve(make_world(events), utc(2026, 8, 5, 11, 25), replace(FAST_LIMITS, amplitude_events_per_part=2))

    entries = unzip(export(server, "20260805T09", "20260805T09"))

    # cutoff 09:25: e0 (09:00), e1 (09:10), e2 (09:20) are available; e2 sits in the second part
    assert uuids(entries) == {"e0", "e1", "e2"}
    assert sorted(len(v) for v in entries.values()) == [1, 2]


def test_404_when_the_window_has_no_events(serve):
    server = serve(make_world([make_event("a", utc(2026, 8, 3, 1), utc(2026, 8, 3, 1))]), NOW)

    response = export(server, "20260804T00", "20260804T23")

    assert response.status_code == 404


def test_400_when_the_window_holds_more_events_than_the_export_limit(serve):
    events = [make_event(f"e{i}", utc(2026, 8, 3, h), utc(2026, 8, 3, h)) for i, h in enumerate((1, 2, 2))]
    server = serve(make_world(events), NOW, replace(FAST_LIMITS, amplitude_max_events_per_export=2))

    assert export(server, "20260803T00", "20260803T23").status_code == 400
    assert export(server, "20260803T00", "20260803T01").status_code == 200  # one event
    assert export(server, "20260803T02", "20260803T02").status_code == 200  # exactly the limit


def test_403_on_bad_or_missing_credentials(serve):
    server = serve(make_world([make_event("a", utc(2026, 8, 3, 1), utc(2026, 8, 3, 1))]), NOW)
    url = server.base_url("amplitude") + "/api/2/export?start=20260803T00&end=20260803T23"

    assert requests.get(url, auth=("sim-api-key", "wrong")).status_code == 403
    assert requests.get(url).status_code == 403
    assert requests.get(url, auth=("sim-api-key", "sim-secret-key")).status_code == 200


def test_400_on_malformed_parameters(serve):
    server = serve(make_world([make_event("a", utc(2026, 8, 3, 1), utc(2026, 8, 3, 1))]), NOW)
    session = session_for(server, "amplitude")
    url = server.base_url("amplitude") + "/api/2/export"

    for params in (
        {"start": "2026-08-03", "end": "20260803T23"},
        {"start": "20260803T00"},
        {"start": "20260803T24", "end": "20260803T23"},
        {"start": "20260230T00", "end": "20260301T00"},
        {"start": "20260803T05", "end": "20260803T04"},
    ):
        response = session.get(url, params=params)
        assert response.status_code == 400, params
        assert response.text  # says what is wrong


def test_a_large_window_is_streamed_with_a_content_length(serve):
    start = utc(2026, 8, 3)
    events = [
        make_event(f"e{i:05d}", start + timedelta(seconds=7 * i), start + timedelta(seconds=7 * i + 1))
        for i in range(20_000)
    ]
    server = serve(make_world(events), utc(2026, 8, 10))

    response = export(server, "20260803T00", "20260804T23")

    assert int(response.headers["Content-Length"]) == len(response.content)
    entries = unzip(response)
    assert sum(len(v) for v in entries.values()) == 20_000
    hours = {ENTRY.match(name).group(3, 4) for name in entries}
    assert len(hours) == 39  # uploads from 00:00:01 span 20,000 x 7 s = 38.9 h: hours 0..38
