"""Tracking-plan findings, volume share and usage ledger on the fixture world (fixture_world.py).

Expected rows are counted by hand from the fixture's event lists, following metrics.md
section 7 and the ledger rule of models/audit/_audit__models.yml.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from insights.hygiene import run_audit
from insights.settings import Settings
from insights.warehouse import connect

from .conftest import STALE_DAY, V2_DAY, AuditedWarehouse, query
from .fixture_world import CLEAN_DAY, DIRTY_DAY, DIRTY_VOLUMES

pytestmark = pytest.mark.slow

EXPECTED_DIRTY_FINDINGS = {
    ("debug_click", "unplanned_event", 3),  # a re-sent copy and the 11-01 event do not count
    ("Export Clicked", "unplanned_event", 1),
    ("tooltipShown", "unplanned_event", 1),
    ("calendar_synced", "dead_tracker", 0),  # its only in-window event is future-dated
    ("legacy_export_clicked", "deprecated_but_firing", 2),
    ("task_created", "property_violation", 4),  # 4 of 5 (one event breaks two properties)
    ("comment_added", "property_violation", 2),  # "12" and 12.5; 7 is fine
    ("file_uploaded", "property_violation", 1),  # true is not a number; 4.5 is fine
    ("invite_sent", "property_violation", 1),  # required seats sent as null
    ("Export Clicked", "naming_violation", 1),
    ("tooltipShown", "naming_violation", 1),
    ("debug_click", "billed_but_unused", 3),  # unplanned: no channel
    ("Export Clicked", "billed_but_unused", 1),
    ("tooltipShown", "billed_but_unused", 1),
}

EXPECTED_VIOLATIONS = {
    # (event type, property, violation) -> (events, JSON type of the example's value; the example is
    # the event with the smallest key, whose payload is given here for reference)
    ("task_created", "has_due_date", "wrong_type"): (2, "integer"),  # {"priority": "high", "has_due_date": 1}
    ("task_created", "priority", "missing_required"): (1, "absent"),  # {"has_due_date": True}
    ("task_created", "priority", "not_allowed"): (1, "string"),  # {"priority": "urgent", ...}
    ("task_created", "priority", "wrong_type"): (1, "integer"),  # {"priority": 5, "has_due_date": "yes"}
    ("comment_added", "length", "wrong_type"): (2, "string"),  # {"length": "12"}
    ("file_uploaded", "size_mb", "wrong_type"): (1, "boolean"),  # {"size_mb": True}
    ("invite_sent", "seats", "missing_required"): (1, "null"),  # {"seats": None}
}


def _findings(settings: Settings, day: object) -> set[tuple[str, str, int]]:
    rows = query(
        settings,
        "select event_type, finding, events_in_window from audit.tracking_plan_findings "
        "where reference_date = ?",
        [day],
    )
    return {(e, f, int(n)) for e, f, n in rows}


def test_dirty_day_produces_each_finding(audited: AuditedWarehouse) -> None:
    assert _findings(audited.settings, DIRTY_DAY) == EXPECTED_DIRTY_FINDINGS
    codes = {f for _, f, _ in EXPECTED_DIRTY_FINDINGS}
    assert audited.dirty.tracking_plan_findings == {
        code: sum(1 for _, f, _ in EXPECTED_DIRTY_FINDINGS if f == code) for code in codes
    }


def test_clean_day_produces_no_finding(audited: AuditedWarehouse) -> None:
    assert _findings(audited.settings, CLEAN_DAY) == set()
    assert audited.clean.finding_counts == {}
    violations = query(
        audited.settings,
        "select count(*) from audit.tracking_plan_property_violations where reference_date = ?",
        [CLEAN_DAY],
    )
    assert violations == [(0,)]
    # the clean day was audited all the same: every plan event type has its ledger row
    ledger = query(
        audited.settings,
        "select count(*) from audit.event_usage_ledger where reference_date = ?",
        [CLEAN_DAY],
    )
    assert ledger == [(16,)]


def test_property_violations_per_property_with_safe_examples(audited: AuditedWarehouse) -> None:
    rows = query(
        audited.settings,
        "select violations.event_type, violations.property_name, violations.violation, "
        "violations.violating_events, violations.example_value_type, examples.event_type "
        "from audit.tracking_plan_property_violations as violations "
        "left join intermediate.int_events__deduplicated as examples "
        "on examples.event_uuid = violations.example_event_uuid "
        "where violations.reference_date = ?",
        [DIRTY_DAY],
    )
    got = {(e, p, v): (int(n), value_type) for e, p, v, n, value_type, _ in rows}
    assert got == EXPECTED_VIOLATIONS
    # the example names a real event of that type, by its Amplitude uuid
    assert all(example_type == e for e, _, _, _, _, example_type in rows)


def test_no_audit_table_copies_a_property_value(audited: AuditedWarehouse) -> None:
    """The audit tables describe violations without their values: a value ("urgent", not allowed for
    priority; "yes" sent as has_due_date) may be anything a product sends, personal data included."""
    columns = query(
        audited.settings,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'audit' and data_type in ('VARCHAR', 'JSON')",
    )
    leaks = [
        (table, column)
        for table, column in columns
        if query(audited.settings, f'select count(*) from audit."{table}" '
                 f"""where regexp_matches(lower("{column}"), '(urgent|\\byes\\b)')""")[0][0]
    ]
    assert columns and leaks == []


def test_property_violation_detail_names_each_broken_property(audited: AuditedWarehouse) -> None:
    (detail,) = query(
        audited.settings,
        "select detail from audit.tracking_plan_findings where reference_date = ? "
        "and event_type = 'task_created' and finding = 'property_violation'",
        [DIRTY_DAY],
    )[0]
    assert detail.startswith("4 of 5 event(s) in the window")
    for part in (
        "has_due_date wrong_type (2)",
        "priority missing_required (1)",
        "priority not_allowed (1)",
        "priority wrong_type (1)",
    ):
        assert part in detail


def test_volume_share_of_every_event_type(audited: AuditedWarehouse) -> None:
    rows = query(
        audited.settings,
        "select event_type, plan_status, events_in_window, volume_share from audit.event_volume_share "
        "where reference_date = ?",
        [DIRTY_DAY],
    )
    total = sum(DIRTY_VOLUMES.values())
    assert total == 27
    assert {e: int(n) for e, _, n, _ in rows} == DIRTY_VOLUMES
    for event_type, status, count, share in rows:
        assert share == pytest.approx(count / total), event_type
        assert status == (
            "unplanned"
            if event_type in ("debug_click", "Export Clicked", "tooltipShown")
            else "deprecated"
            if event_type == "legacy_export_clicked"
            else "active"
        )
    assert sum(r[3] for r in rows) == pytest.approx(1.0)


def test_usage_ledger_names_models_and_metrics_fed(audited: AuditedWarehouse) -> None:
    rows = query(
        audited.settings,
        "select event_type, usage_channels, feeding_models, feeding_metrics, is_billed_but_unused, "
        "events_in_window from audit.event_usage_ledger where reference_date = ?",
        [DIRTY_DAY],
    )
    ledger = {r[0]: r[1:] for r in rows}
    # every event type seen in the window, and every plan event (16 in the demo plan)
    assert set(ledger) == set(DIRTY_VOLUMES) | {
        "calendar_synced",
        "gantt_view_opened",
        "ai_summary_generated",
    }
    # the fixture's activation event is page_viewed, which does not count as active: it feeds the
    # activation measures only (measure column is_activated), and its feature's adoption
    assert ledger["page_viewed"][:3] == (
        "activation, feature_adoption",
        "int_user_retention, metrics_feature_adoption_weekly, metrics_retention_cohorts",
        "activated_users, activation_rate",
    )
    # a non-qualifying plan event feeds only the feature adoption mart, no semantic metric
    assert ledger["session_started"][:3] == ("feature_adoption", "metrics_feature_adoption_weekly", None)
    # a qualifying event feeds the active-user model, everything downstream, every engagement metric
    channels, models, metrics, unused, _ = ledger["task_created"]
    assert channels == "active_user, feature_adoption" and not unused
    assert {"int_active_users_daily", "metrics_active_users_daily", "metrics_retention_cohorts"} <= set(
        models.split(", ")
    )
    metric_names = set(metrics.split(", "))
    assert {"dau", "wau", "mau", "stickiness", "anonymous_devices", "day_7_retention"} <= metric_names
    assert not metric_names & {"nps", "csat", "tickets_created", "feedback_received"}
    # unplanned event types feed nothing: billed but unused
    for name in ("debug_click", "Export Clicked", "tooltipShown"):
        assert ledger[name][:4] == (None, None, None, True)
    # a plan event that did not fire is not billed
    assert ledger["calendar_synced"][3:] == (False, 0)


def test_an_audit_build_replaces_its_own_day_and_keeps_the_others(reaudited: Settings) -> None:
    """conftest `reaudited` put a stale row on V2_DAY and on STALE_DAY before building for V2_DAY."""
    # window 10-05..11-03 holds the dirty window's findings (the 10-02 debug_click leaves it, the
    # 11-01 one enters it), and no longer the stale row
    assert _findings(reaudited, V2_DAY) == EXPECTED_DIRTY_FINDINGS
    assert _findings(reaudited, STALE_DAY) == {("stale_type", "unplanned_event", 9)}
    # and the earlier audited days are still there, unchanged
    assert _findings(reaudited, DIRTY_DAY) == EXPECTED_DIRTY_FINDINGS
    assert _findings(reaudited, CLEAN_DAY) == set()


def test_a_build_without_reference_var_audits_the_last_loaded_day(audited: AuditedWarehouse) -> None:
    """The fixture's first build (a nightly build, no audit var, no snapshot recorded yet)."""
    last_loaded_day = "2026-11-01"  # the debug_click after the dirty window
    findings = _findings(audited.settings, last_loaded_day)
    # window 10-03..11-01: the 10-02 debug_click left out, the 11-01 one in
    assert ("debug_click", "unplanned_event", 3) in findings
    assert ("calendar_synced", "dead_tracker", 0) in findings
    # no metric definitions were recorded at that time: the ledger names no metric, its rules hold
    ledger = query(
        audited.settings,
        "select count(*), count(feeding_metrics), count(usage_channels), sum(case when is_billed_but_unused "
        "then 1 else 0 end) from audit.event_usage_ledger where reference_date = ?",
        [last_loaded_day],
    )
    assert ledger == [(19, 0, 16, 3)]  # 16 plan event types (all feed a channel), 3 unplanned


def test_an_audit_drops_the_payloads_an_older_audit_copied(warehouse_copy: Callable[[], Settings]) -> None:
    """A warehouse audited before the examples became safe holds raw payloads (and client-set event keys)
    in its history: the next audit drops those columns, history included, and adds the safe ones."""
    settings = warehouse_copy()
    old_payload = '{"priority": "urgent", "email": "someone@example.com"}'
    with connect(settings, "duckdb") as con:
        for table, old_columns in (
            ("tracking_plan_property_violations", ("example_event_key", "example_event_properties")),
            ("int_audit__daily_property_checks", ("example_event_properties",)),
        ):
            for column in ("example_event_uuid", "example_value_type"):
                con.execute(f"alter table audit.{table} drop column {column}")
            for column in old_columns:
                con.execute(f"alter table audit.{table} add column if not exists {column} varchar")
            con.execute(f"update audit.{table} set example_event_properties = ? where property_name is not null",
                        [old_payload])
        # stamped as the older audit stamped its days (without the v2 mark), so its window is re-checked
        con.execute("update audit.int_audit__daily_property_checks set fingerprint = substr(fingerprint, 4)")
        history = con.execute("select count(*) from audit.tracking_plan_property_violations").fetchone()[0]

    run_audit(settings, DIRTY_DAY, log=logging.getLogger("tests.hygiene"))

    for table in ("tracking_plan_property_violations", "int_audit__daily_property_checks"):
        columns = {c for (c,) in query(settings, "select column_name from information_schema.columns "
                                                 "where table_schema = 'audit' and table_name = ?", [table])}
        assert "example_event_properties" not in columns and {"example_event_uuid", "example_value_type"} <= columns
    violations = query(settings, "select column_name from information_schema.columns "
                                 "where table_schema = 'audit' and table_name = 'tracking_plan_property_violations'")
    assert "example_event_key" not in {c for (c,) in violations}
    assert query(settings, "select count(*) from audit.tracking_plan_property_violations") == [(history,)]
    assert query(settings, "select count(*) from audit.tracking_plan_property_violations "
                           "where reference_date = ? and example_value_type is not null", [DIRTY_DAY]) == [
        (len(EXPECTED_VIOLATIONS),)]
