"""Contract tests of the simulated Typeform API (forms and responses), over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import requests

from insights_dev.simulator import Limits

from .helpers import FAST_LIMITS, iso, make_world, session_for, utc

FORM_ID = "frm12345"
NOW = utc(2026, 8, 20, 12)
BASE = utc(2026, 8, 10, 9)


def completed(token: str, submitted: datetime) -> dict:
    return {
        "response_id": token,
        "token": token,
        "response_type": "completed",
        "landed_at": iso(submitted - timedelta(minutes=2)),
        "submitted_at": iso(submitted),
        "hidden": {},
        "answers": [{"field": {"id": "f1", "type": "nps", "ref": "nps"}, "type": "number", "number": 9}],
    }


def partial(token: str, landed: datetime) -> dict:
    return {**completed(token, landed), "response_type": "partial", "landed_at": iso(landed), "submitted_at": None}


def world_with(responses: list[dict]):
    form = {"id": FORM_ID, "title": "NPS", "fields": [{"id": "f1", "type": "nps", "ref": "nps"}]}
    return make_world(forms={FORM_ID: form}, responses={FORM_ID: responses})


# r0 .. r6 one hour apart, p3 a partial response that landed between r3 and r4
RESPONSES = [completed(f"r{i}", BASE + timedelta(hours=i)) for i in range(7)]
RESPONSES.append(partial("p3", BASE + timedelta(hours=3, minutes=30)))


def get_responses(server, **params: object) -> requests.Response:
    return session_for(server, "typeform").get(
        server.base_url("typeform") + f"/forms/{FORM_ID}/responses", params=params
    )


def tokens(response: requests.Response) -> list[str]:
    return [item["token"] for item in response.json()["items"]]


def test_paging_with_the_before_token_walks_newest_to_oldest_and_ends_with_an_empty_page(serve):
    server = serve(world_with(RESPONSES), NOW)

    seen, params, pages = [], {"page_size": 3}, 0
    while True:
        body = get_responses(server, **params).json()
        pages += 1
        if not body["items"]:
            break
        seen += [item["token"] for item in body["items"]]
        params = {"page_size": 3, "before": body["items"][-1]["token"]}

    assert seen == ["r6", "r5", "r4", "p3", "r3", "r2", "r1", "r0"]  # partial ordered by landed_at
    assert pages == 4  # 3 + 3 + 2 items, then the empty page


def test_first_page_reports_totals(serve):
    server = serve(world_with(RESPONSES), NOW)

    body = get_responses(server, page_size=3).json()

    assert body["total_items"] == 8
    assert body["page_count"] == 3
    assert len(body["items"]) == 3


def test_default_page_size_is_25_and_at_most_1000(serve):
    many = [completed(f"m{i:03d}", BASE + timedelta(minutes=i)) for i in range(30)]
    server = serve(world_with(many), NOW)

    assert len(get_responses(server).json()["items"]) == 25
    assert get_responses(server, page_size=1001).status_code == 400


def test_after_token_walks_forward_and_is_exclusive(serve):
    server = serve(world_with(RESPONSES), NOW)

    assert tokens(get_responses(server, after="r2", page_size=3)) == ["r3", "p3", "r4"]
    assert tokens(get_responses(server, before="r2")) == ["r1", "r0"]


def test_since_and_until_are_inclusive_in_iso_and_unix_forms(serve):
    server = serve(world_with(RESPONSES), NOW)
    since, until = BASE + timedelta(hours=2), BASE + timedelta(hours=4)

    by_iso = tokens(get_responses(server, since=iso(since), until=iso(until)))
    by_unix = tokens(get_responses(server, since=int(since.timestamp()), until=int(until.timestamp())))
    zone_less = tokens(get_responses(server, since=since.strftime("%Y-%m-%dT%H:%M:%S")))

    assert by_iso == by_unix == ["r4", "p3", "r3", "r2"]
    assert zone_less == ["r6", "r5", "r4", "p3", "r3", "r2"]
    assert get_responses(server, since="last tuesday").status_code == 400


def test_sort_ascending_and_descending(serve):
    server = serve(world_with(RESPONSES), NOW)

    assert tokens(get_responses(server, sort="submitted_at,asc", page_size=3)) == ["r0", "r1", "r2"]
    assert tokens(get_responses(server, sort="submitted_at,desc", page_size=3)) == ["r6", "r5", "r4"]


def test_sort_cannot_be_combined_with_a_token(serve):
    server = serve(world_with(RESPONSES), NOW)

    assert get_responses(server, sort="submitted_at,asc", before="r3").status_code == 400
    assert get_responses(server, sort="submitted_at,desc", after="r3").status_code == 400


def test_response_type_filters(serve):
    server = serve(world_with(RESPONSES), NOW)

    assert "p3" not in tokens(get_responses(server, response_type="completed"))
    assert tokens(get_responses(server, response_type="partial")) == ["p3"]
    assert len(tokens(get_responses(server, response_type="partial,completed"))) == 8
    assert get_responses(server, response_type="finished").status_code == 400


def test_responses_younger_than_30_minutes_are_not_returned_yet(serve):
    fresh = completed("fresh", NOW - timedelta(minutes=10))
    server = serve(world_with([*RESPONSES, fresh]), NOW)

    assert "fresh" not in tokens(get_responses(server, page_size=100))
    server.set_now(NOW + timedelta(minutes=20))
    assert "fresh" in tokens(get_responses(server, page_size=100))


def test_forms_list_and_definition(serve):
    server = serve(world_with(RESPONSES), NOW)
    session = session_for(server, "typeform")

    listing = session.get(server.base_url("typeform") + "/forms", params={"page_size": 10}).json()
    definition = session.get(server.base_url("typeform") + f"/forms/{FORM_ID}").json()

    assert listing["total_items"] == 1
    assert [(f["id"], f["title"]) for f in listing["items"]] == [(FORM_ID, "NPS")]
    assert definition["fields"][0]["type"] == "nps"
    assert session.get(server.base_url("typeform") + "/forms", params={"page": 2}).json()["items"] == []


def test_404_for_an_unknown_form(serve):
    server = serve(world_with(RESPONSES), NOW)
    session = session_for(server, "typeform")

    assert session.get(server.base_url("typeform") + "/forms/nope").status_code == 404
    assert session.get(server.base_url("typeform") + "/forms/nope/responses").status_code == 404


def test_401_without_a_token_and_403_with_a_wrong_one(serve):
    server = serve(world_with(RESPONSES), NOW)
    url = server.base_url("typeform") + f"/forms/{FORM_ID}/responses"

    assert requests.get(url).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer nope"}).status_code == 403
    assert requests.get(url, headers={"Authorization": "Bearer sim-token"}).status_code == 200


def test_429_with_retry_after_over_the_requests_per_second_limit(serve):
    server = serve(world_with(RESPONSES), NOW, replace(FAST_LIMITS, typeform_requests_per_second=2))

    statuses = [get_responses(server) for _ in range(3)]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[2].headers["Retry-After"]) == 1


def test_default_limit_is_two_requests_per_second():
    assert Limits().typeform_requests_per_second == 2
