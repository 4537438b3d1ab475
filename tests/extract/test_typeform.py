"""Typeform against the simulator: forms listing, definitions, responses paged by `before`, lookback."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from insights.extraction.extract import ExtractResult, extract_interval
from insights_dev.simulator import Faults, Limits, SimRequest, SimResponse
from insights_dev.simulator.protocol import json_response
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A + timedelta(days=1)


def response_at(form_id: str, token: str, moment) -> dict:  # type: ignore[no-untyped-def]
    return {
        "response_id": token,
        "token": token,
        "response_type": "completed",
        "landed_at": h.iso(moment - timedelta(minutes=1)),
        "submitted_at": h.iso(moment),
        "answers": [],
    }


def big_form() -> list[dict]:
    """2,400 responses inside day A, plus the edges of the asked range [A - 30 min, B]."""
    items = h.make_responses("big", 2400, days=1)
    items += [
        response_at("big", "lookback-in", A - timedelta(minutes=10)),
        response_at("big", "lookback-out", A - timedelta(minutes=40)),
        response_at("big", "at-end", B),  # `until` is inclusive
        response_at("big", "after-end", B + timedelta(seconds=1)),
    ]
    return items


def responses_dir(home: Path, form_id: str) -> Path:
    return home / "raw" / "typeform" / "responses" / f"form_id={form_id}" / "dt=2026-08-03"


def test_responses_are_paged_with_before_and_include_the_lookback(home: Path) -> None:
    items = big_form()
    world = h.make_world(forms=h.make_forms(["big"]), responses={"big": items})
    with h.running(world) as sim:
        result = extract_interval("typeform", A, B, h.settings_for(home, sim))
        log = sim.request_log
    expected = Counter(
        i["token"]
        for i in items
        if h.iso(A - timedelta(minutes=30)) <= i["submitted_at"] <= h.iso(B)  # same-format strings sort as time
    )
    landed = h.landed_json(responses_dir(home, "big"))
    assert Counter(r["token"] for r in landed) == expected
    assert "lookback-in" in expected and "at-end" in expected and len(expected) == 2402
    parts = sorted(responses_dir(home, "big").glob("part-*.jsonl.gz"))
    assert [len(h.read_lines(p)) for p in parts] == [1000, 1000, 402]
    calls = [parse_qs(urlsplit(t).query) for _, t, _ in log if t.startswith("/typeform/forms/big/responses")]
    assert len(calls) == 4  # three pages, then the empty page that ends the paging
    for n, query in enumerate(calls):
        assert "sort" not in query
        assert query["page_size"] == ["1000"]
        assert query["since"] == ["2026-08-02T23:30:00Z"] and query["until"] == ["2026-08-04T00:00:00Z"]
        if n == 0:
            assert "before" not in query
        else:  # the token of the last (oldest) response of the previous page
            assert query["before"] == [json.loads(h.read_lines(parts[n - 1])[-1])["token"]]
    manifest = json.loads((responses_dir(home, "big") / "_manifest.json").read_text())
    assert manifest["rows"] == 2402 and manifest["since"] == "2026-08-02T23:30:00Z"
    definition = h.read_lines(home / "raw/typeform/forms/dt=2026-08-03/form_id=big.jsonl.gz")
    assert [json.loads(line) for line in definition] == [world.forms["big"]]
    assert result.records_landed == 2402 + 1


@pytest.mark.slow  # ~400 requests: about 20 s while the simulator answers keep-alive requests in ~44 ms
def test_every_form_of_every_listing_page_is_extracted(home: Path) -> None:
    form_ids = [f"form{n:03d}" for n in range(203)]  # more than one page of 200
    world = h.make_world(forms=h.make_forms(form_ids), responses={"form007": h.make_responses("form007", 30)})
    with h.running(world) as sim:
        extract_interval("typeform", A, B, h.settings_for(home, sim))
        listing = [t for _, t, _ in sim.request_log if urlsplit(t).path == "/typeform/forms"]
    assert [parse_qs(urlsplit(t).query) for t in listing] == [
        {"page": ["1"], "page_size": ["200"]},
        {"page": ["2"], "page_size": ["200"]},
    ]
    forms_dir = home / "raw" / "typeform" / "forms" / "dt=2026-08-03"
    assert sorted(p.name for p in forms_dir.glob("*.jsonl.gz")) == [f"form_id={f}.jsonl.gz" for f in form_ids]
    manifest = json.loads((forms_dir / "_manifest.json").read_text())
    assert sorted(manifest["form_ids"]) == form_ids and manifest["rows"] == 203
    # a form without responses in the interval has a complete, empty partition
    empty = json.loads((responses_dir(home, "form000") / "_manifest.json").read_text())
    assert empty["files"] == []
    assert len(h.landed_json(responses_dir(home, "form007"))) > 0


def test_rate_limit_waits_and_loses_nothing(home: Path, tmp_path: Path) -> None:
    world = h.make_world(
        forms=h.make_forms(["f1", "f2"]), responses={"f1": h.make_responses("f1", 60), "f2": h.make_responses("f2", 60)}
    )
    with h.running(world) as sim:
        extract_interval("typeform", A, B, h.settings_for(tmp_path / "unlimited", sim))
    began = time.monotonic()
    with h.running(world, limits=Limits(typeform_requests_per_second=2)) as sim:
        result = extract_interval("typeform", A, B, h.settings_for(home, sim))
        statuses = [s for _, _, s in sim.request_log]
    elapsed = time.monotonic() - began
    assert statuses.count(429) >= 1
    assert statuses.count(200) == 7  # list, 2 definitions, 2 x (page + empty page)
    assert result.waited_seconds >= 1.0 and elapsed >= 2.0  # 7 accepted requests at 2 per second
    assert h.file_digests(home / "raw") == h.file_digests(tmp_path / "unlimited" / "raw")


def test_rerun_replaces_the_interval_and_forgets_deleted_forms(home: Path) -> None:
    forms = h.make_forms(["keep", "gone"])
    responses = {"keep": h.make_responses("keep", 50), "gone": h.make_responses("gone", 50)}
    with h.running(h.make_world(forms=forms, responses=responses)) as sim:
        settings = h.settings_for(home, sim)
        extract_interval("typeform", A, B, settings)
        first = h.file_digests(home / "raw")
        extract_interval("typeform", A, B, settings)
        assert h.file_digests(home / "raw") == first  # idempotent: same files, same bytes
    assert any("form_id=gone" in k for k in first)
    with h.running(h.make_world(forms={"keep": forms["keep"]}, responses={"keep": responses["keep"]})) as sim:
        extract_interval("typeform", A, B, h.settings_for(home, sim))
    assert h.file_digests(home / "raw") == {k: v for k, v in first.items() if "form_id=gone" not in k}
    assert not (responses_dir(home, "gone") / "_manifest.json").exists()


def extract_with_bad_responses(
    home: Path, monkeypatch: pytest.MonkeyPatch, faults: h.EditFirstResponsesPage
) -> tuple[ExtractResult, list[dict[str, Any]]]:
    """Day A of one form, f1 (90 responses), served through `faults`, a quarantine of up to 10 % allowed:
    the run's result and the quarantined rows of f1's responses."""
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.1")
    world = h.make_world(forms=h.make_forms(["f1"]), responses={"f1": h.make_responses("f1", 90)})
    with h.running(world, faults=faults) as sim:
        result = extract_interval("typeform", A, B, h.settings_for(home, sim))
    quarantine = home / "raw/_quarantine/typeform/responses/form_id=f1/dt=2026-08-03/part-00001.jsonl"
    return result, [json.loads(line) for line in quarantine.read_text().splitlines()]


class DropTokens(h.EditFirstResponsesPage):
    """Serves one response item without response_id/token (the simulator itself refuses such data)."""

    def edit(self, items: list[dict[str, Any]]) -> None:
        items[1].pop("token")
        items[1]["response_id"] = None


def test_response_without_id_is_quarantined(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, (row,) = extract_with_bad_responses(home, monkeypatch, DropTokens())
    assert (row["line"], row["field"]) == (2, "response_id")
    assert row["reason"] == "required key 'response_id' is None, expected a non-empty string"
    assert row["source_file"] == "GET /forms/f1/responses?before="
    assert result.records_quarantined == 1
    assert len(h.landed_json(responses_dir(home, "f1"))) == result.records_landed - 1  # minus the definition


def test_interval_must_start_at_midnight(home: Path) -> None:
    with pytest.raises(ValueError, match="must be 00:00 UTC"):
        extract_interval("typeform", A + timedelta(hours=6), B, h.settings_for(home))


class FormDeletedAfterListing(Faults):
    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if source == "typeform" and request.path.startswith("/forms/gone"):
            return json_response(404, {"code": "FORM_NOT_FOUND"})
        return None


def test_a_form_deleted_after_the_listing_is_skipped(home: Path) -> None:
    forms = h.make_forms(["gone", "kept"])
    responses = {"gone": h.make_responses("gone", 20), "kept": h.make_responses("kept", 20)}
    with h.running(h.make_world(forms=forms, responses=responses), faults=FormDeletedAfterListing()) as sim:
        result = extract_interval("typeform", A, B, h.settings_for(home, sim))
    assert not (home / "raw/typeform/forms/dt=2026-08-03/form_id=gone.jsonl.gz").exists()
    assert (home / "raw/typeform/forms/dt=2026-08-03/form_id=kept.jsonl.gz").exists()
    assert h.landed_json(responses_dir(home, "gone")) == []
    assert len(h.landed_json(responses_dir(home, "kept"))) == result.records_landed - 1 > 0


class NpsOutOfRange(h.EditFirstResponsesPage):
    """The first response of f1 answers its NPS question with 14 (the scale is 0..10), the second with 7.5;
    a third answers an opinion scale (not NPS) with 14, which stays valid."""

    def edit(self, items: list[dict[str, Any]]) -> None:
        items[0]["answers"][0]["number"] = 14
        items[1]["answers"][0]["number"] = 7.5
        items[2]["answers"].append(
            {"field": {"id": "scale", "type": "opinion_scale", "ref": "scale"}, "type": "number", "number": 14}
        )


def test_nps_answers_outside_0_to_10_are_quarantined_and_counted(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, rows = extract_with_bad_responses(home, monkeypatch, NpsOutOfRange())
    assert [(r["line"], r["field"]) for r in rows] == [(1, "answers[0].number"), (2, "answers[0].number")]
    assert rows[0]["reason"] == "NPS answer 14 (question 'f1-nps') is outside the 0..10 scale"
    assert rows[1]["reason"] == "NPS answer 7.5 (question 'f1-nps') is outside the 0..10 scale"
    assert result.records_quarantined == 2
    assert result.quarantined_by_field == {"answers[].number": 2}  # the run summary's count
    landed = h.landed_json(responses_dir(home, "f1"))
    assert any(a.get("number") == 14 for r in landed for a in r["answers"])  # the opinion scale answer
    assert not any(a.get("number") in (14, 7.5) and a["field"]["type"] == "nps" for r in landed for a in r["answers"])
