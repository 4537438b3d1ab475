"""Availability: what the vendor has not served yet (by its own clock) is never landed as if it were final.

Amplitude serves an upload hour 2 h after it ends, Typeform a response 30 min after submission,
Zendesk a ticket version a minute after it is generated (declared next to each client). The
vendor's clock is its ``Date`` header; the bundled and replay clocks stand past every delay.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

from insights.extraction.extract import extract_interval
from insights.extraction.http import server_time
from insights.pipeline import extract_days
from insights.sources import availability_delay
from insights_dev.bundled_simulator import source_endpoints
from insights_dev.simulator import WorldConfig, generate_world
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
D = timedelta(days=1)


def test_each_source_declares_its_availability_delay() -> None:
    assert availability_delay("amplitude") == timedelta(hours=2)
    assert availability_delay("typeform") == timedelta(minutes=30)
    assert availability_delay("zendesk") == timedelta(minutes=1)


def test_the_vendor_clock_is_the_date_header_else_the_local_clock() -> None:
    response = requests.Response()
    response.headers["Date"] = "Sun, 01 Nov 2026 01:00:00 GMT"
    assert server_time(response) == datetime(2026, 11, 1, 1, tzinfo=UTC)
    for broken in ("", "not a date"):
        response.headers["Date"] = broken
        before = datetime.now(UTC)
        assert before <= server_time(response) <= datetime.now(UTC)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_hour_not_final_yet_is_left_untouched_not_replaced(home: Path) -> None:
    """Re-running a day before its last hours are served keeps their landed files as they are."""
    events = h.make_events(900)
    last_hour = A + timedelta(hours=23)
    hour_file = home / "raw/amplitude/events/dt=2026-08-03/hour=23.jsonl.gz"
    with h.running(h.make_world(events), now=A + D + timedelta(hours=3)) as sim:
        extract_interval("amplitude", A, A + D, h.settings_for(home, sim))
        landed = _digest(hour_file)
        assert len(h.read_lines(hour_file)) == sum(
            1 for e in events if e["server_upload_time"].startswith(last_hour.strftime("%Y-%m-%d %H"))
        )
        sim.set_now(A + D + timedelta(minutes=30))  # hours 22 and 23 only partly served now
        result = extract_interval("amplitude", A, A + D, h.settings_for(home, sim))
    assert _digest(hour_file) == landed
    assert not result.complete
    assert result.not_available == (
        "amplitude: upload hours from 2026-08-03T22:00Z not served until 2026-08-04T01:00Z (availability delay "
        "2 h); 2026-08-03 stays incomplete (UTC) until a run after 2026-08-04T02:00Z"
    )
    manifest = json.loads((home / "raw/amplitude/events/dt=2026-08-03/_manifest.json").read_text())
    assert "hour=23.jsonl.gz" in [f["name"] for f in manifest["files"]]  # still listed, still loaded


def test_a_backfill_to_the_last_day_lands_all_of_it(home: Path) -> None:
    """The bundled simulator's clock stands past every delay: the last day of the world is whole
    (at 00:00 the next day, its last two upload hours were not served yet)."""
    world = generate_world(WorldConfig(users=40, days=3, start=date(2026, 8, 3)))
    last = world.last_day
    with source_endpoints(h.settings_for(home), world) as live:
        results = extract_days("amplitude", world.first_day, last, live)
    assert all(r.complete for r in results)
    landed = [
        json.loads(line)["uuid"]
        for path in sorted((home / "raw/amplitude/events" / f"dt={last}").glob("hour=*.jsonl.gz"))
        for line in h.read_lines(path)
    ]
    expected = [e["uuid"] for e in world.events if e["server_upload_time"].startswith(last.isoformat())]
    assert sorted(landed) == sorted(expected)
    late_hours = [e for e in world.events if e["server_upload_time"].startswith(f"{last} 2")]
    assert late_hours, "the world has events uploaded in the last hours of its last day"
    assert results[-1].complete_through == datetime.combine(last + D, datetime.min.time(), UTC)
