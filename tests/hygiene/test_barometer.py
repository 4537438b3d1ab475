"""The product barometer marts on the fixture's responses (fixture_world.BAROMETER_RESPONSES).

Expected values worked out by hand: respondents are invited PMs with a completed response;
each PM's latest completed response of an edition scores; every completed response's pain
point is routed like any feedback (first area alphabetically whose keyword matches).
"""

from __future__ import annotations

import pytest

from .conftest import AuditedWarehouse, query
from .fixture_world import MALFORMED_EDITION

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
    # Internal (the warehouse, for Product Ops): each pain point, who wrote it, where it is routed.
    rows = query(
        audited.settings,
        "select edition, pm_email, pain_point, area, team, is_routed "
        "from intermediate.int_barometer__pain_points",
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
    # the same items are in the company-wide feedback (one definition of routing), with the
    # edited-link response's (a feedback item, not a barometer pain point)
    items = query(
        audited.settings,
        "select count(*) from intermediate.int_voc__feedback_items where form_id = 'baroFix1'",
    )
    assert items == [(5,)]


def test_governed_pain_points_mart_holds_counts_not_texts_nor_emails(audited: AuditedWarehouse) -> None:
    rows = query(
        audited.settings,
        "select edition, area, team, is_routed, pain_points, pms from marts.metrics_barometer_pain_points",
    )
    assert sorted(rows, key=repr) == sorted(
        [
            ("2026-H1", "reporting", "insights", True, 1, 1),
            ("2026-H2", "billing", "monetization", True, 1, 1),
            ("2026-H2", "integrations", "platform", True, 1, 1),
            ("2026-H2", None, None, False, 1, 1),
        ],
        key=repr,
    )
    columns = query(
        audited.settings,
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name like 'metrics_barometer_%'",
    )
    assert not {c for (c,) in columns} & {"pm_email", "pain_point", "item_id"}


def test_an_edited_edition_makes_no_barometer_response_and_is_flagged(audited: AuditedWarehouse) -> None:
    # Hidden fields come from the survey link: free text typed as the edition would otherwise be
    # published as an edition label. The response is left out, and the warning test names it.
    editions = query(audited.settings, "select distinct edition from intermediate.int_barometer__responses")
    assert sorted(e for (e,) in editions) == ["2026-H1", "2026-H2"]
    for table in ("metrics_barometer_editions", "metrics_barometer_theme_scores", "metrics_barometer_pain_points"):
        found = query(audited.settings, f"select count(*) from marts.{table} where edition = ?", [MALFORMED_EDITION])
        assert found == [(0,)], table
    assert audited.build_test_statuses["barometer_editions_well_formed"] == "warn"
