"""The product barometer marts on the fixture's responses (fixture_world.BAROMETER_RESPONSES).

Expected values worked out by hand: respondents are invited PMs with a completed response;
each PM's latest completed response of an edition scores; every completed response's pain
point is routed like any feedback (first area alphabetically whose keyword matches).
"""

from __future__ import annotations

import pytest

from .conftest import AuditedWarehouse, query

pytestmark = pytest.mark.slow


def test_response_rate_per_edition(audited: AuditedWarehouse) -> None:
    rows = query(audited.settings, "select * from marts.metrics_barometer_editions order by edition")
    assert rows == [
        # H1: ana and li of 4 invited (maya only started: partial)
        ("2026-H1", 4, 2, pytest.approx(0.5), 0),
        # H2: ana, li (upper-case email) and sara of 5 invited; zoe answered uninvited
        ("2026-H2", 5, 3, pytest.approx(0.6), 1),
    ]


def test_average_score_per_theme_and_change_since_previous_edition(audited: AuditedWarehouse) -> None:
    rows = query(
        audited.settings,
        "select edition, theme, responses, average_score, previous_edition, change_since_previous_edition "
        "from marts.metrics_barometer_theme_scores",
    )
    got = {(e, t): (n, avg, prev, change) for e, t, n, avg, prev, change in rows}
    h1 = {"discovery": 3.0, "strategy": 3.0, "delivery": 3.0, "measurement": 2.0, "collaboration": 5.0}
    # H2 scores: ana's later response (4s), li (2s), sara (3,5,3,3,3), zoe (5s)
    h2 = {"discovery": 3.5, "strategy": 4.0, "delivery": 3.5, "measurement": 3.5, "collaboration": 3.5}
    expected = {("2026-H1", t): (2, avg, None, None) for t, avg in h1.items()}
    expected |= {("2026-H2", t): (4, avg, "2026-H1", avg - h1[t]) for t, avg in h2.items()}
    assert set(got) == set(expected)
    for key, (responses, average, previous, change) in expected.items():
        assert got[key][0] == responses and got[key][2] == previous, key
        assert got[key][1] == pytest.approx(average), key
        assert got[key][3] == (pytest.approx(change) if change is not None else None), key


def test_pain_points_are_routed_like_other_feedback(audited: AuditedWarehouse) -> None:
    rows = query(
        audited.settings,
        "select edition, pm_email, pain_point, area, team, is_routed "
        "from marts.metrics_barometer_pain_points",
    )
    assert sorted(rows, key=lambda r: r[2]) == [
        (
            "2026-H2",
            "ana.ruiz@acme-insights.com",
            "Billing page confuses me",
            "billing",
            "monetization",
            True,
        ),
        ("2026-H2", "zoe.khan@acme-insights.com", "Nothing in particular", None, None, False),
        (
            "2026-H2",
            "sara.lindqvist@acme-insights.com",
            "Our Jira integration breaks",
            "integrations",
            "platform",
            True,
        ),
        (
            "2026-H1",
            "ana.ruiz@acme-insights.com",
            "The dashboard export is slow",
            "reporting",
            "insights",
            True,
        ),
    ]
    # the same items are in the company-wide feedback (one definition of routing)
    items = query(
        audited.settings,
        "select count(*) from intermediate.int_voc__feedback_items where form_id = 'baroFix1'",
    )
    assert items == [(4,)]
