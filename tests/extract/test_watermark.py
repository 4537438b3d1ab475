"""The per-source watermark ("complete through T"): forward only, contiguous, published after the manifests.

Unit rules first (advance_watermark), then the extraction end to end: a partial night, a gap, a
re-extraction of an old interval, and a run killed then resumed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insights.extraction.extract import extract_interval
from insights.extraction.http import SourceHTTPError
from insights.extraction.state import SourceState, advance_watermark
from insights_dev.simulator import Faults, SimRequest, SimResponse
from insights_dev.simulator.protocol import json_response
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
H = timedelta(hours=1)
D = timedelta(days=1)


def t(hours: float) -> datetime:
    return A + timedelta(hours=hours)


# ------------------------------------------------------------------------------------------------
# the rules


def test_the_first_covered_range_starts_the_watermark() -> None:
    assert advance_watermark(None, [], (t(0), t(24))) == (t(24), [])
    assert advance_watermark(None, [], None) == (None, [])  # nothing covered: no watermark yet


def test_a_partial_night_moves_the_watermark_to_what_was_served() -> None:
    watermark, coverage = advance_watermark(t(24), [], (t(22), t(46)))  # the lookback overlaps, 2 h short
    assert (watermark, coverage) == (t(46), [])
    # the next night's lookback starts before the watermark: it fills the rest and moves on
    assert advance_watermark(watermark, coverage, (t(46), t(72))) == (t(72), [])


def test_a_range_after_a_gap_waits_until_the_gap_is_filled() -> None:
    watermark, coverage = advance_watermark(t(24), [], (t(48), t(72)))
    assert (watermark, coverage) == (t(24), [(t(48), t(72))])  # starts after the watermark: it stays
    watermark, coverage = advance_watermark(watermark, coverage, (t(72), t(96)))
    assert (watermark, coverage) == (t(24), [(t(48), t(96))])
    # filling the gap joins everything covered since
    assert advance_watermark(watermark, coverage, (t(24), t(48))) == (t(96), [])


def test_re_extracting_an_old_interval_never_moves_the_watermark_back() -> None:
    assert advance_watermark(t(96), [(t(120), t(144))], (t(0), t(24))) == (t(96), [(t(120), t(144))])
    assert advance_watermark(t(96), [], (t(50), t(60))) == (t(96), [])


def test_the_state_keeps_the_watermark_and_the_ranges_aside(tmp_path: Path) -> None:
    state = SourceState(tmp_path, "zendesk")
    state.begin(t(0), t(24))
    state.finish(t(0), t(24), covered=(t(0), t(24)), complete=True)
    state.begin(t(48), t(72))
    state.finish(t(48), t(72), covered=(t(48), t(72)), complete=True)
    again = SourceState(tmp_path, "zendesk")
    assert again.complete_through == t(24)
    assert again.coverage == [(t(48), t(72))]
    again.begin(t(24), t(48))
    again.finish(t(24), t(48), covered=(t(24), t(48)), complete=True)
    assert SourceState(tmp_path, "zendesk").complete_through == t(72)


# ------------------------------------------------------------------------------------------------
# end to end


def watermark_file(home: Path, source: str) -> dict:
    return json.loads((home / "raw" / source / "_watermark.json").read_text())


WORLD = h.make_world(
    h.make_events(600), h.make_ticket_versions(30), h.make_forms(["f1"]), {"f1": h.make_responses("f1", 60)}
)


@pytest.mark.parametrize(
    ("source", "at", "complete_through"),
    [
        # 01:30 the next day: upload hours up to 22:00 are final (hour end + 2 h)
        ("amplitude", A + D + timedelta(hours=1, minutes=30), A + D - timedelta(hours=1)),
        # 00:20 the next day: responses submitted up to 23:50 are served (30 min)
        ("typeform", A + D + timedelta(minutes=20), A + D - timedelta(minutes=10)),
        # 00:00:30 the next day: tickets generated up to 23:59:30 are served (1 min)
        ("zendesk", A + D + timedelta(seconds=30), A + D - timedelta(seconds=30)),
    ],
)
def test_a_night_run_before_the_source_served_everything_stops_the_watermark_short(
    home: Path, source: str, at: datetime, complete_through: datetime
) -> None:
    with h.running(WORLD, now=A + D + timedelta(hours=3)) as sim:  # the day before, complete
        extract_interval(source, A - D, A, h.settings_for(home, sim))
        assert watermark_file(home, source)["complete_through"] == "2026-08-03T00:00:00Z"
        sim.set_now(at)
        result = extract_interval(source, A, A + D, h.settings_for(home, sim))
    assert not result.complete
    assert result.complete_through == complete_through
    published = watermark_file(home, source)
    assert published["source"] == source
    assert published["complete_through"] == complete_through.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "2026-08-03 stays incomplete" in (result.not_available or "")
    state = json.loads((home / "state" / f"{source}.json").read_text())
    assert state["last_completed"]["complete"] is False
    assert state["complete_through"] == published["complete_through"]


def test_the_watermark_is_published_after_the_manifests_and_a_gap_holds_it(home: Path) -> None:
    with h.running(WORLD, now=A + 4 * D) as sim:
        settings = h.settings_for(home, sim)
        extract_interval("zendesk", A, A + D, settings)
        manifest = home / "raw/zendesk/tickets/dt=2026-08-03/_manifest.json"
        assert manifest.stat().st_mtime_ns <= (home / "raw/zendesk/_watermark.json").stat().st_mtime_ns
        extract_interval("zendesk", A + 2 * D, A + 3 * D, settings)  # a day skipped
        assert watermark_file(home, "zendesk")["complete_through"] == "2026-08-04T00:00:00Z"
        extract_interval("zendesk", A - D, A, settings)  # an old day again
        assert watermark_file(home, "zendesk")["complete_through"] == "2026-08-04T00:00:00Z"
        extract_interval("zendesk", A + D, A + 2 * D, settings)  # the gap: joins the day after it
        assert watermark_file(home, "zendesk")["complete_through"] == "2026-08-06T00:00:00Z"


class FailAfter(Faults):
    """Answers 500 from the n-th request of a source on (a run that dies half-way)."""

    def __init__(self, source: str, limit: int) -> None:
        self.source, self.limit, self.seen = source, limit, 0

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if source != self.source:
            return None
        self.seen += 1
        return json_response(500, {"error": "down"}) if self.seen > self.limit else None


def test_a_run_that_dies_moves_nothing_and_its_resume_moves_the_watermark(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_HTTP_MAX_RETRIES", "0")
    world = h.make_world(forms=h.make_forms(["f1", "f2"]), responses={f: h.make_responses(f, 60) for f in ("f1", "f2")})
    now = A + 2 * D
    with h.running(world, now=now) as sim:
        extract_interval("typeform", A - D, A, h.settings_for(home, sim))
    dies = FailAfter("typeform", 5)  # after the listing, 2 definitions and f1's two pages
    with h.running(world, now=now, faults=dies) as sim, pytest.raises(SourceHTTPError):
        extract_interval("typeform", A, A + D, h.settings_for(home, sim))
    assert watermark_file(home, "typeform")["complete_through"] == "2026-08-03T00:00:00Z"
    assert json.loads((home / "state/typeform.json").read_text())["in_progress"]["form_index"] == 1
    assert not (home / "raw/typeform/forms/dt=2026-08-03/_manifest.json").exists()
    with h.running(world, now=now) as sim:
        result = extract_interval("typeform", A, A + D, h.settings_for(home, sim))
    assert result.complete and result.complete_through == A + D
    assert watermark_file(home, "typeform")["complete_through"] == "2026-08-04T00:00:00Z"
    assert (home / "raw/typeform/forms/dt=2026-08-03/_manifest.json").exists()
    updated = datetime.fromisoformat(watermark_file(home, "typeform")["updated_at"].replace("Z", "+00:00"))
    assert abs(updated - datetime.now(UTC)) < timedelta(minutes=5)
