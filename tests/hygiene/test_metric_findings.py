"""Metric findings: the real project is clean; the bad fixture project produces every finding.

The bad project (fixture_project.py) is recorded in two versions (V1_DAY, V2_DAY) in a copy of
the audited warehouse, and the audit models are built for V2_DAY (conftest `reaudited`).
"""

from __future__ import annotations

from typing import Any

import pytest

from insights.settings import Settings

from .conftest import V1_DAY, V2_DAY, AuditedWarehouse, query
from .fixture_world import CLEAN_DAY, DIRTY_DAY

pytestmark = pytest.mark.slow


def _metric_findings(settings: Settings) -> set[tuple[str, str]]:
    return {(m, f) for m, f in query(settings, "select metric_name, finding from audit.metric_findings")}


def test_real_project_has_no_metric_finding(audited: AuditedWarehouse) -> None:
    assert _metric_findings(audited.settings) == set()
    assert audited.clean.metric_findings == {} and audited.dirty.metric_findings == {}
    # both audits recorded the same definitions: the hash does not depend on the run (day, time)
    hashes = query(
        audited.settings,
        "select reference_date, metric_name, definition_hash, owner from raw.hygiene_metric_definitions "
        "where reference_date in (?, ?)",
        [CLEAN_DAY, DIRTY_DAY],
    )
    by_day: dict[Any, dict[str, str]] = {}
    for day, name, digest, owner in hashes:
        by_day.setdefault(day, {})[name] = digest
        assert owner, name
    assert len(by_day[CLEAN_DAY]) >= 30 and by_day[CLEAN_DAY] == by_day[DIRTY_DAY]


@pytest.fixture(scope="module")
def bad_project_findings(reaudited: Settings) -> tuple[Settings, set[tuple[str, str]], dict[str, str]]:
    rows = query(reaudited, "select metric_name, finding, detail from audit.metric_findings")
    return reaudited, {(m, f) for m, f, _ in rows}, {f"{m}/{f}": d for m, f, d in rows}


def test_bad_project_produces_each_metric_finding(bad_project_findings: tuple[Any, ...]) -> None:
    _, findings, _ = bad_project_findings
    assert findings == {
        ("unowned_metric", "missing_owner"),
        ("undocumented_metric", "missing_description"),
        ("dau", "duplicate_definition"),
        ("dau_copy", "duplicate_definition"),
        # changed between the v1 and v2 audits: its expression, and the model the NPS metrics read
        ("undocumented_metric", "needs_recertification"),
        ("nps", "needs_recertification"),
        ("nps_responses", "needs_recertification"),
        ("nps_promoters", "needs_recertification"),
        ("nps_detractors", "needs_recertification"),
        ("metrics_rogue_active_users", "active_user_outside_shared_model"),
    }
    # not flagged: the tickets metrics (a comment-only change), the marts that read the shared
    # model or count events


def test_metric_finding_details_explain(bad_project_findings: tuple[Any, ...]) -> None:
    _, _, details = bad_project_findings
    assert details["dau/duplicate_definition"] == "same normalized definition as dau_copy"
    assert "models/semantic/_fixture__semantic.yml" in details["unowned_metric/missing_owner"]
    assert f"since the audit of {V1_DAY}" in details["nps/needs_recertification"]
    assert (
        "models/marts/fixture/metrics_rogue_active_users.sql"
        in details["metrics_rogue_active_users/active_user_outside_shared_model"]
    )


def test_bad_project_findings_show_in_the_report(bad_project_findings: tuple[Any, ...]) -> None:
    from insights.hygiene import render_report

    settings, _, _ = bad_project_findings
    html = render_report(settings, DIRTY_DAY).read_text(encoding="utf-8")
    section = html[html.index('id="metric-findings"') : html.index('id="barometer"')]
    for name in (
        "unowned_metric",
        "undocumented_metric",
        "dau_copy",
        "nps_promoters",
        "metrics_rogue_active_users",
    ):
        assert name in section
    assert f"as recorded by the audit of {V2_DAY}" in section
