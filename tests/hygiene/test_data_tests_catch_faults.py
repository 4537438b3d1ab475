"""The audit's dbt data tests pass on the audited fixture and fail on each injected fault.

A copy of the audited warehouse is corrupted one rule at a time (one fault per rule, all in one
copy), then `dbt test` runs the audit and barometer tests: each broken rule's test must fail,
and the untouched ones must still pass.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from insights.hygiene import audit_vars
from insights.settings import Settings
from insights.warehouse import DbtError, connect, run_dbt

from .conftest import AuditedWarehouse
from .fixture_world import DIRTY_DAY

pytestmark = pytest.mark.slow

SELECTION = [
    "--select",
    "path:models/audit path:models/marts/barometer path:tests/audit",
    "--exclude",
    "test_type:unit",
    "--indirect-selection",
    "buildable",
]


def test_audit_data_tests_ran_and_passed_in_the_audit_build(audited: AuditedWarehouse) -> None:
    """run_audit's dbt build ran the audit's tests, and they all passed on the fixture."""
    tests = audited.dirty_test_statuses
    mine = {
        "audit_volume_shares_add_up",
        "audit_ledger_agrees_with_findings",
        "audit_property_findings_reconcile",
        "audit_usage_channel_models_exist",
        "barometer_response_rate_adds_up",
    }
    assert mine <= set(tests)
    assert len(tests) > 40 and set(tests.values()) == {"pass"}


def test_each_audit_rule_catches_its_fault(
    audited: AuditedWarehouse, warehouse_copy: Callable[[], Settings]
) -> None:
    settings = warehouse_copy()
    day = DIRTY_DAY.isoformat()
    faults = [
        # a share counted twice: the day's shares no longer add up to 1
        f"update audit.event_volume_share set volume_share = 2 * volume_share "
        f"where reference_date = '{day}' and event_type = 'task_created'",
        # the ledger forgets an unused event type the findings still flag
        f"update audit.event_usage_ledger set is_billed_but_unused = false "
        f"where reference_date = '{day}' and event_type = 'debug_click'",
        # a property finding counting more events than its properties' violations add up to
        f"update audit.tracking_plan_findings set events_in_window = 99 "
        f"where reference_date = '{day}' and event_type = 'task_created' and finding = 'property_violation'",
        # a finding twice, and an unknown code
        f"insert into audit.tracking_plan_findings select reference_date, event_type, finding, detail, "
        f"events_in_window from audit.tracking_plan_findings where reference_date = '{day}' "
        f"and finding = 'dead_tracker'",
        "insert into audit.metric_findings values ('dau', 'looks_odd', 'not a code')",
        # a usage channel whose entry model no longer exists
        "update audit.int_audit__usage_channels set entry_model = 'int_renamed_model' "
        "where channel = 'feature_adoption'",
        # a response rate that is not respondents / invited
        "update marts.metrics_barometer_editions set response_rate = 0.9 where edition = '2026-H1'",
    ]
    with connect(settings, "duckdb") as con:
        for statement in faults:
            con.execute(statement)
    with pytest.raises(DbtError) as error:
        run_dbt(["test", *SELECTION], settings, vars=audit_vars(settings, DIRTY_DAY))
    failed = {n.unique_id.split(".")[2] for n in error.value.result.failed}
    expected = {
        "audit_volume_shares_add_up",
        "audit_ledger_agrees_with_findings",
        "audit_property_findings_reconcile",
        "unique_combination_of_columns_tracking_plan_findings_reference_date__event_type__finding",
        "audit_usage_channel_models_exist",
        "barometer_response_rate_adds_up",
    }
    assert expected <= failed, f"not caught: {expected - failed}"
    assert any(name.startswith("accepted_values_metric_findings_finding") for name in failed), failed
    passed = {n.unique_id.split(".")[2] for n in error.value.result.nodes if n.status == "pass"}
    assert "not_null_tracking_plan_findings_detail" in passed
    assert "unique_combination_of_columns_event_usage_ledger_reference_date__event_type" in passed
