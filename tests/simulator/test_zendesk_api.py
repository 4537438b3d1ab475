"""Contract tests of the simulated Zendesk incremental ticket export (cursor), over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import requests

from insights_dev.simulator import Limits

from .helpers import FAST_LIMITS, iso, make_world, session_for, utc

NOW = utc(2026, 8, 20)
BASE = utc(2026, 8, 10)  # where the tickets of every test start


def ticket(ticket_id: int, updated: datetime, status: str = "open", **extra: object) -> dict:
    record = {
        "id": ticket_id,
        "created_at": iso(extra.pop("created", updated)),
        "updated_at": iso(updated),
        "status": status,
        "subject": f"ticket {ticket_id}",
        "tags": [],
        "metric_set": None if status == "deleted" else {"replies": 1, "solved_at": None},
    }
    record.update(extra)
    return record


def export(server, **params: object) -> requests.Response:
    """One page of the incremental ticket export (cursor based)."""
    url = server.base_url("zendesk") + "/api/v2/incremental/tickets/cursor.json"
    return session_for(server, "zendesk").get(url, params=params)


def first_page(server, start: datetime, **params: object) -> requests.Response:
    return export(server, start_time=int(start.timestamp()), **params)


def follow(server, cursor: str) -> requests.Response:
    return export(server, cursor=cursor)


def drain(server, start: datetime, **params: object) -> tuple[list[dict], str, int]:
    """All tickets from start_time through the cursor chain: (tickets, last after_cursor, pages)."""
    body = first_page(server, start, **params).json()
    tickets, pages = list(body["tickets"]), 1
    while not body["end_of_stream"]:
        body = follow(server, body["after_cursor"]).json()
        tickets += body["tickets"]
        pages += 1
    return tickets, body["after_cursor"], pages


def test_pages_follow_generated_timestamp_then_id_until_end_of_stream(serve):
    versions = [
        ticket(3, BASE + timedelta(hours=1)),
        ticket(1, BASE + timedelta(hours=2)),
        ticket(2, BASE + timedelta(hours=2)),  # same second as ticket 1: ordered by id
        ticket(5, BASE + timedelta(hours=3)),
        ticket(4, BASE + timedelta(hours=4)),
    ]
    server = serve(make_world(tickets=versions), NOW)

    body = first_page(server, BASE, per_page=2).json()

    assert set(body) >= {"tickets", "after_url", "after_cursor", "before_url", "before_cursor", "end_of_stream"}
    assert [t["id"] for t in body["tickets"]] == [3, 1]
    assert body["end_of_stream"] is False
    tickets, _, pages = drain(server, BASE, per_page=2)
    assert [t["id"] for t in tickets] == [3, 1, 2, 5, 4]
    assert pages == 3
    stamps = [t["generated_timestamp"] for t in tickets]
    assert stamps == sorted(stamps)
    assert stamps[0] == int((BASE + timedelta(hours=1)).timestamp())  # = that version's updated_at


def test_after_url_is_a_usable_next_page_link(serve):
    server = serve(make_world(tickets=[ticket(i, BASE + timedelta(minutes=i)) for i in range(1, 4)]), NOW)

    body = first_page(server, BASE, per_page=2).json()
    second = session_for(server, "zendesk").get(body["after_url"]).json()

    assert [t["id"] for t in second["tickets"]] == [3]
    assert second["end_of_stream"] is True


def test_start_time_excludes_tickets_generated_before_it(serve):
    server = serve(make_world(tickets=[ticket(1, BASE - timedelta(seconds=1)), ticket(2, BASE)]), NOW)

    tickets, _, _ = drain(server, BASE)

    assert [t["id"] for t in tickets] == [2]


def test_only_the_latest_version_visible_at_now_is_served(serve):
    versions = [
        ticket(1, BASE, "new"),
        ticket(1, BASE + timedelta(hours=5), "solved"),
        ticket(1, NOW + timedelta(days=3), "closed"),  # in the future of the clock
        ticket(2, NOW + timedelta(seconds=1), "new"),  # created after now: not there yet
    ]
    server = serve(make_world(tickets=versions), NOW)

    tickets, _, _ = drain(server, BASE - timedelta(days=1))

    assert [(t["id"], t["status"]) for t in tickets] == [(1, "solved")]


def test_resuming_from_the_last_cursor_re_emits_tickets_updated_since(serve):
    versions = [
        ticket(1, BASE, "new"),
        ticket(2, BASE + timedelta(hours=1), "open"),
        ticket(1, BASE + timedelta(days=2), "solved"),  # the clock will pass this later
        ticket(3, BASE + timedelta(days=2, hours=1), "new"),
    ]
    server = serve(make_world(tickets=versions), BASE + timedelta(days=1))
    first_run, cursor, _ = drain(server, BASE - timedelta(hours=1))
    assert [(t["id"], t["status"]) for t in first_run] == [(1, "new"), (2, "open")]
    assert follow(server, cursor).json()["tickets"] == []  # caught up

    server.set_now(BASE + timedelta(days=3))
    body = follow(server, cursor).json()

    assert [(t["id"], t["status"]) for t in body["tickets"]] == [(1, "solved"), (3, "new")]
    assert body["end_of_stream"] is True


def test_metric_set_only_with_include_and_kept_along_the_cursor(serve):
    server = serve(make_world(tickets=[ticket(i, BASE + timedelta(minutes=i)) for i in range(1, 4)]), NOW)

    plain, _, _ = drain(server, BASE, per_page=1)
    with_sets, _, pages = drain(server, BASE, per_page=1, include="metric_sets")

    assert all("metric_set" not in t for t in plain)
    assert pages == 3  # the later pages were asked with the cursor only
    assert [t["metric_set"] for t in with_sets] == [{"replies": 1, "solved_at": None}] * 3


def test_deleted_tickets_are_served_with_null_metric_set_until_scrubbed_after_30_days(serve):
    versions = [
        ticket(1, NOW - timedelta(days=40), "open"),
        ticket(1, NOW - timedelta(days=31), "deleted"),  # deleted 31 days ago: scrubbed
        ticket(2, NOW - timedelta(days=20), "open"),
        ticket(2, NOW - timedelta(days=10), "deleted"),  # deleted 10 days ago: still exported
    ]
    server = serve(make_world(tickets=versions), NOW)

    tickets, _, _ = drain(server, NOW - timedelta(days=60), include="metric_sets")

    assert [(t["id"], t["status"], t["metric_set"]) for t in tickets] == [(2, "deleted", None)]


def test_422_when_start_time_is_within_the_last_minute_or_in_the_future(serve):
    server = serve(make_world(tickets=[ticket(1, utc(2026, 8, 10))]), NOW)

    for start in (NOW - timedelta(seconds=30), NOW + timedelta(hours=1)):
        response = first_page(server, start)
        assert response.status_code == 422
        assert "start_time" in response.json()["description"]
    assert first_page(server, NOW - timedelta(seconds=61)).status_code == 200


def test_400_on_missing_start_time_or_a_forged_cursor(serve):
    server = serve(make_world(tickets=[ticket(1, utc(2026, 8, 10))]), NOW)
    session = session_for(server, "zendesk")
    url = server.base_url("zendesk") + "/api/v2/incremental/tickets/cursor.json"

    assert session.get(url).status_code == 400
    assert session.get(url, params={"start_time": "yesterday"}).status_code == 400
    assert follow(server, "not-a-cursor").status_code == 400


def test_429_with_retry_after_over_the_requests_per_minute_limit(serve):
    limits = replace(FAST_LIMITS, zendesk_requests_per_minute=2)
    server = serve(make_world(tickets=[ticket(1, utc(2026, 8, 10))]), NOW, limits)

    statuses = [first_page(server, utc(2026, 8, 1)) for _ in range(3)]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert 1 <= int(statuses[2].headers["Retry-After"]) <= 60


def test_default_limit_is_ten_requests_per_minute():
    assert Limits().zendesk_requests_per_minute == 10


def test_401_on_bad_credentials_and_both_auth_schemes_accepted(serve):
    server = serve(make_world(tickets=[ticket(1, utc(2026, 8, 10))]), NOW)
    url = server.base_url("zendesk") + "/api/v2/incremental/tickets/cursor.json?start_time=1785000000"

    assert requests.get(url, auth=("sim@example.com/token", "wrong")).status_code == 401
    assert requests.get(url, auth=("sim@example.com", "sim-token")).status_code == 401  # missing /token
    assert requests.get(url).status_code == 401
    assert requests.get(url, auth=("sim@example.com/token", "sim-token")).status_code == 200
    assert requests.get(url, headers={"Authorization": "Bearer sim-token"}).status_code == 200
