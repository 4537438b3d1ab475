"""Replay folders: export_world then load_replay serves the very same API responses; bad input is named."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest

from insights_dev.simulator import (
    ReplayError,
    SimulatorServer,
    World,
    WorldConfig,
    default_clock_for,
    export_world,
    generate_world,
    load_replay,
)

from .helpers import FAST_LIMITS, session_for


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(WorldConfig(users=50, days=5, seed=11))


@pytest.fixture
def exported(world: World, tmp_path: Path) -> Path:
    folder = tmp_path / "replay"
    export_world(world, folder)
    return folder


def test_export_writes_the_replay_layout(exported: Path, world: World):
    # The demo workspace also has the optional barometer invitee list, which is exported with it.
    assert sorted(p.name for p in (exported / "config").iterdir()) == [
        "barometer_invitees.csv", "product_area_keywords.csv", "product_areas.csv", "settings.yml",
        "tracking_plan.yml",
    ]  # fmt: skip
    assert list((exported / "amplitude" / "events").glob("*.jsonl.gz"))
    assert sorted(p.stem for p in (exported / "typeform" / "forms").glob("*.json")) == sorted(world.forms)
    assert sorted(p.stem for p in (exported / "typeform" / "responses").glob("*.jsonl")) == sorted(world.responses)
    lines = (exported / "zendesk" / "tickets.jsonl").read_text().splitlines()
    assert len(lines) == len(world.ticket_versions)
    assert len({json.loads(line)["id"] for line in lines}) < len(lines)  # several versions per id


def test_load_replay_gives_back_the_world(exported: Path, world: World):
    loaded = load_replay(exported)

    assert (loaded.first_day, loaded.last_day) == (world.first_day, world.last_day)
    assert loaded.config_dir == exported / "config"
    assert sorted(loaded.events, key=lambda e: e["uuid"] + e["server_upload_time"]) == sorted(
        world.events, key=lambda e: e["uuid"] + e["server_upload_time"]
    )
    assert loaded.ticket_versions == world.ticket_versions
    assert loaded.forms == world.forms
    assert loaded.responses == world.responses


def normalised(body: bytes, server: SimulatorServer) -> bytes:
    """Absolute links name the server's port; everything else must match byte for byte."""
    return body.replace(f"127.0.0.1:{server.port}".encode(), b"HOST")


def api_transcript(server: SimulatorServer, world: World) -> list[tuple[str, int, bytes]]:
    """A fixed walk through the three APIs: (what, status, body)."""
    out = []
    amplitude = session_for(server, "amplitude")
    day = world.first_day
    for start, end in ((f"{day:%Y%m%d}T00", f"{day + timedelta(days=1):%Y%m%d}T23"), (f"{day:%Y%m%d}T13",) * 2):
        response = amplitude.get(server.base_url("amplitude") + "/api/2/export", params={"start": start, "end": end})
        out.append((f"amplitude {start}-{end}", response.status_code, response.content))
    zendesk = session_for(server, "zendesk")
    url = server.base_url("zendesk") + "/api/v2/incremental/tickets/cursor.json"
    body = zendesk.get(url, params={"start_time": 0, "per_page": 7, "include": "metric_sets"}).json()
    out.append(("zendesk first page", 200, json.dumps(body).encode()))
    while not body["end_of_stream"]:
        body = zendesk.get(url, params={"cursor": body["after_cursor"]}).json()
        out.append(("zendesk page", 200, json.dumps(body).encode()))
    typeform = session_for(server, "typeform")
    forms = typeform.get(server.base_url("typeform") + "/forms")
    out.append(("typeform forms", forms.status_code, forms.content))
    for form_id in sorted(world.forms):
        page = typeform.get(server.base_url("typeform") + f"/forms/{form_id}/responses", params={"page_size": 4})
        out.append((f"typeform {form_id}", page.status_code, page.content))
        last = page.json()["items"][-1]["token"]
        older = typeform.get(
            server.base_url("typeform") + f"/forms/{form_id}/responses", params={"page_size": 4, "before": last}
        )
        out.append((f"typeform {form_id} before", older.status_code, older.content))
    return [(what, status, normalised(body, server)) for what, status, body in out]


def test_replayed_world_serves_identical_api_responses(exported: Path, world: World):
    now = default_clock_for(world)
    with SimulatorServer(world, now=now, limits=FAST_LIMITS) as original:
        expected = api_transcript(original, world)
    with SimulatorServer(load_replay(exported), now=now, limits=FAST_LIMITS) as replayed:
        actual = api_transcript(replayed, world)

    assert [(what, status) for what, status, _ in expected][:2] == [
        (f"amplitude {world.first_day:%Y%m%d}T00-{world.first_day + timedelta(days=1):%Y%m%d}T23", 200),
        (f"amplitude {world.first_day:%Y%m%d}T13-{world.first_day:%Y%m%d}T13", 200),
    ]
    assert len(expected) > 6
    assert actual == expected


def test_event_files_may_be_split_any_way(exported: Path, world: World, tmp_path: Path):
    events_dir = exported / "amplitude" / "events"
    lines = [
        line
        for path in sorted(events_dir.glob("*.jsonl.gz"))
        for line in gzip.decompress(path.read_bytes()).decode().splitlines(True)
    ]
    for path in events_dir.iterdir():
        path.unlink()
    with gzip.open(events_dir / "odd.jsonl.gz", "wt") as odd, gzip.open(events_dir / "even.jsonl.gz", "wt") as even:
        for number, line in enumerate(lines):
            (odd if number % 2 else even).write(line)

    loaded = load_replay(exported)

    assert sorted(e["uuid"] + e["server_upload_time"] for e in loaded.events) == sorted(
        e["uuid"] + e["server_upload_time"] for e in world.events
    )


def test_export_refuses_a_non_empty_folder_unless_overwrite(world: World, exported: Path):
    with pytest.raises(ReplayError, match="not empty"):
        export_world(world, exported)
    stale = exported / "amplitude" / "events" / "stale.jsonl.gz"
    stale.write_bytes(gzip.compress(b"{}\n"))

    export_world(world, exported, overwrite=True)

    assert not stale.exists()
    assert load_replay(exported).ticket_versions == world.ticket_versions


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


EVENT = {
    "event_type": "task_created", "device_id": "d1", "uuid": "u1", "$insert_id": "i1",
    "event_time": "2026-08-03 10:00:00.000000", "server_upload_time": "2026-08-03 10:00:01.000000",
}  # fmt: skip


@pytest.mark.parametrize(
    ("relative", "lines", "message"),
    [
        ("amplitude/events/a.jsonl.gz", [json.dumps(EVENT), '{"event_type": "x",'],
         r"a\.jsonl\.gz: line 2: invalid JSON"),
        (
            "amplitude/events/a.jsonl.gz",
            [json.dumps({**EVENT, "server_upload_time": "yesterday"})],
            r"a\.jsonl\.gz: line 1: field 'server_upload_time' is not a timestamp",
        ),
        ("amplitude/events/a.jsonl.gz", [json.dumps({**EVENT, "uuid": None})], r"line 1: missing field 'uuid'"),
        ("amplitude/events/a.jsonl.gz", ["[1, 2]"], r"line 1: expected a JSON object"),
        (
            "zendesk/tickets.jsonl",
            [json.dumps({"id": "7", "status": "open", "created_at": "2026-08-03", "updated_at": "2026-08-03"})],
            r"tickets\.jsonl: line 1: field 'id' must be an integer",
        ),
        ("zendesk/tickets.jsonl", ['{"id": 7, "status": "open", "created_at": "2026-08-03T10:00:00Z"}'],
         r"tickets\.jsonl: line 1: missing field 'updated_at'"),
        ("typeform/responses/nope.jsonl", ['{"response_id": "r", "landed_at": "2026-08-03T10:00:00Z"}'],
         r"nope\.jsonl: no form definition typeform/forms/nope\.json"),
    ],
)  # fmt: skip
def test_malformed_replay_input_names_file_line_and_field(tmp_path: Path, relative: str, lines: list[str], message):
    write_lines(tmp_path / "amplitude" / "events" / "ok.jsonl.gz", [json.dumps(EVENT)])
    write_lines(tmp_path / relative, lines)

    with pytest.raises(ReplayError, match=message):
        load_replay(tmp_path)


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path: Path):
    path = tmp_path / "zendesk" / "tickets.jsonl"
    path.parent.mkdir(parents=True)
    good = json.dumps({"id": 7, "status": "open", "created_at": "2026-08-03T10:00:00Z",
                       "updated_at": "2026-08-03T10:00:00Z"}).encode()
    path.write_bytes(good + b"\n" + good.replace(b'"open"', b'"op\xffen"') + b"\n")
    write_lines(tmp_path / "amplitude" / "events" / "ok.jsonl.gz", [json.dumps(EVENT)])

    with pytest.raises(ReplayError, match=r"tickets\.jsonl: line 2: not valid UTF-8 \(byte 0xff at column \d+\)"):
        load_replay(tmp_path)


def test_truncated_gzip_is_reported_with_its_file(tmp_path: Path):
    path = tmp_path / "amplitude" / "events" / "cut.jsonl.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress((json.dumps(EVENT) + "\n").encode() * 50)[:-20])

    with pytest.raises(ReplayError, match=r"cut\.jsonl\.gz: unreadable"):
        load_replay(tmp_path)


def test_an_empty_or_missing_folder_is_an_error(tmp_path: Path):
    with pytest.raises(ReplayError, match="not found"):
        load_replay(tmp_path / "absent")
    with pytest.raises(ReplayError, match="no data found"):
        load_replay(tmp_path)


def test_a_form_file_must_match_its_id(tmp_path: Path):
    write_lines(tmp_path / "amplitude" / "events" / "ok.jsonl.gz", [json.dumps(EVENT)])
    write_lines(tmp_path / "typeform" / "forms" / "abc.json", ['{"id": "xyz", "fields": []}'])

    with pytest.raises(ReplayError, match=r"abc\.json: field 'id' is 'xyz'"):
        load_replay(tmp_path)
