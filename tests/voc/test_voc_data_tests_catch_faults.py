"""Every VoC data test can fail: corrupt the built marts, run `dbt test`, see each check fire.

The session's DuckDB warehouse is backed up, each mart is damaged in one specific way, the data
tests of the VoC marts and the singular tests of tests/voc run once, and the warehouse is
restored. Before the damage the same tests passed (the build ran them).
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from insights.warehouse import connect
from insights.warehouse.dbt import run_dbt

from .conftest import VocWarehouse, log

pytestmark = pytest.mark.slow

# (damage, the tests that must fail because of it: prefixes of dbt test unique ids)
# Raw records that are older copies of existing ones (so no mart changes) but mistyped: a
# string generated_timestamp, an object for answers. Staging's casts would survive them; the
# raw check must not.
BAD_TICKET = (
    '{"id": 110, "status": "new", "created_at": "2026-10-12T16:00:00Z", "updated_at": "2026-10-12T15:00:00Z",'
    ' "generated_timestamp": "1791817200", "tags": []}'
)
BAD_RESPONSE = '{"response_id": "r9", "landed_at": "2026-10-03T11:00:00Z", "submitted_at": null, "answers": {}}'

FAULTS: list[tuple[str, tuple[str, ...]]] = [
    (
        "insert into raw.zendesk_tickets (payload, dt, _file, _line, _loaded_at)"
        f" values ('{BAD_TICKET}', date '2026-10-12', 'zendesk/tickets/dt=2026-10-12/part-00007.jsonl.gz', 1, now())",
        ("test.insights.voc_raw_records_well_typed",),
    ),
    (
        "insert into raw.typeform_responses (payload, dt, form_id, _file, _line, _loaded_at)"
        f" values ('{BAD_RESPONSE}', date '2026-10-03', 'nps01', 'typeform/responses/x.jsonl.gz', 2, now())",
        ("test.insights.voc_raw_records_well_typed",),
    ),
    (
        "update marts.metrics_nps_monthly set promoters = promoters + 1"
        " where segment = 'all' and month_start = date '2026-09-01'",
        ("test.insights.voc_nps_monthly_adds_up",),
    ),
    (
        "update marts.metrics_nps_monthly set nps = 150 where segment = 'pro' and month_start = date '2026-10-01'",
        ("test.insights.voc_between_metrics_nps_monthly_nps",),
    ),
    (
        "delete from marts.metrics_support_daily where date_day = date '2026-10-05'",
        (
            "test.insights.voc_support_daily_reconciles",
            "test.insights.voc_gap_free_series_metrics_support_daily_date_day",
        ),
    ),
    (
        "delete from marts.metrics_support_weekly where week_start = date '2026-09-28'",
        ("test.insights.voc_gap_free_series_metrics_support_weekly_week_start",),
    ),
    (
        "update marts.metrics_csat_monthly set csat = 1.5 where month_start = date '2026-10-01'",
        ("test.insights.voc_between_metrics_csat_monthly_csat",),
    ),
    (
        "insert into marts.metrics_feedback_by_team_weekly"
        " select week_start, team, feedback_received, feedback_resolved, is_complete"
        " from marts.metrics_feedback_by_team_weekly where team = 'collab' and week_start = date '2026-09-21'",
        (
            "test.insights.voc_unique_combination_metrics_feedback_by_team_weekly",
            "test.insights.voc_feedback_weekly_reconciles",
        ),
    ),
    (
        "update marts.metrics_feedback_unrouted_weekly set unrouted_share = -0.5 where week_start = date '2026-10-12'",
        ("test.insights.voc_between_metrics_feedback_unrouted_weekly_unrouted_share",),
    ),
    # structural rules the quality gate leaves to dbt (docs/architecture.md: which rule lives where);
    # a null in a contracted column cannot even be written (test_contracts_refuse_nulls)
    (
        "update marts.metrics_support_daily set tickets_solved = -3 where date_day = date '2026-10-06'",
        ("test.insights.voc_between_metrics_support_daily_tickets_solved",),
    ),
    (
        "insert into marts.metrics_support_weekly select * from marts.metrics_support_weekly"
        " where week_start = (select max(weeks.week_start) from marts.metrics_support_weekly as weeks)",
        ("test.insights.unique_metrics_support_weekly_week_start",),
    ),
    (
        "update marts.metrics_support_weekly set median_first_reply_minutes = -5"
        " where week_start = (select max(weeks.week_start) from marts.metrics_support_weekly as weeks)",
        ("test.insights.voc_between_metrics_support_weekly_median_first_reply_minutes",),
    ),
    (
        "insert into marts.metrics_csat_monthly select * from marts.metrics_csat_monthly"
        " where month_start = date '2026-09-01'",
        ("test.insights.unique_metrics_csat_monthly_month_start",),
    ),
    (
        "delete from marts.metrics_feedback_unrouted_weekly where week_start ="
        " (select min(weeks.week_start) + 7 from marts.metrics_feedback_unrouted_weekly as weeks)",
        ("test.insights.voc_gap_free_series_metrics_feedback_unrouted_weekly_week_start",),
    ),
    (  # a day zendesk is not complete through, published as complete
        "update marts.metrics_support_daily set is_complete = true where date_day = date '2026-10-13'",
        ("test.insights.complete_flag_follows_reporting_days_metrics_support_daily",),
    ),
    (  # a month typeform is complete through, left flagged incomplete (a stale row)
        "update marts.metrics_nps_monthly set is_complete = false where month_start = date '2026-09-01'",
        ("test.insights.complete_flag_follows_reporting_days_metrics_nps_monthly",),
    ),
]


@pytest.mark.parametrize(
    "sql",
    [
        "update marts.metrics_support_daily set tickets_created = null",
        "update marts.metrics_nps_monthly set segment = null",
        "update marts.metrics_feedback_by_team_weekly set team = null",
        "update marts.metrics_csat_monthly set rated_tickets = null",
    ],
)
def test_contracts_refuse_nulls(voc_duckdb: VocWarehouse, sql: str) -> None:
    """A public mart's not-null rule is its enforced contract: the warehouse refuses the null itself."""
    with connect(voc_duckdb.settings, "duckdb") as con, pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        con.execute(sql)


def test_each_voc_data_test_catches_its_fault(voc_duckdb: VocWarehouse) -> None:
    settings = voc_duckdb.settings
    passed_in_build = {n.unique_id for n in voc_duckdb.result.dbt.nodes if n.status == "pass"}
    for _sql, tests in FAULTS:
        for prefix in tests:
            assert any(uid.startswith(prefix) for uid in passed_in_build), f"{prefix} did not pass in the build"

    backup = settings.warehouse.with_suffix(".backup")
    shutil.copy(settings.warehouse, backup)
    try:
        with connect(settings, "duckdb") as con:
            for sql, _tests in FAULTS:
                assert con.execute(sql).fetchall() != [(0,)], f"the damage changed nothing: {sql}"
        result = run_dbt(
            ["test", "--select", "path:models/marts/voc path:tests/voc", "--exclude-resource-type", "unit_test"],
            settings,
            log=log,
            check=False,
        )
        with connect(settings, "duckdb") as con:
            bad_records = con.execute(
                "select source_file, source_line, field from dbt_test__audit.voc_raw_records_well_typed"
            ).fetchall()
    finally:
        shutil.move(backup, settings.warehouse)

    failed = {n.unique_id for n in result.failed}
    errors = [n.unique_id for n in result.nodes if n.status == "error"]
    assert not errors, f"checks crashed instead of failing: {errors}"
    for sql, tests in FAULTS:
        for prefix in tests:
            assert any(uid.startswith(prefix) for uid in failed), f"{prefix} did not catch: {sql}"
    # the raw check names the file, line and field of each bad record
    assert sorted(bad_records) == [
        ("typeform/responses/x.jsonl.gz", 2, "answers"),
        ("zendesk/tickets/dt=2026-10-12/part-00007.jsonl.gz", 1, "generated_timestamp"),
    ]
    ran = {n.unique_id for n in result.nodes}
    assert len(ran) > len(failed), "the undamaged checks must still pass"
