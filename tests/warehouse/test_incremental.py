"""Nightly incremental builds give exactly what one full refresh gives on the same raw data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .nightly import (
    INTERMEDIATE,
    LATE_DEVICE,
    LATE_USER,
    MARTS,
    PLAN_CHANGE,
    TAMPER_OFFSET,
    NightlyWarehouse,
    duckdb_rows,
)
from .raw_world import upload_days

pytestmark = pytest.mark.slow


def test_a_first_build_on_an_empty_raw_zone_succeeds_with_empty_marts(nightly_warehouse: NightlyWarehouse) -> None:
    night_zero = nightly_warehouse.nights[0]
    assert len(nightly_warehouse.nights) >= 4  # several nightly runs
    assert night_zero.load.rows_inserted == 0
    assert night_zero.dbt.ok
    assert set(nightly_warehouse.empty_night_marts) == set(MARTS)
    assert all(rows == [] for rows in nightly_warehouse.empty_night_marts.values())


@pytest.mark.parametrize("table", [*MARTS, *INTERMEDIATE])
def test_nightly_runs_then_a_backfill_equal_a_full_refresh(nightly_warehouse: NightlyWarehouse, table: str) -> None:
    incremental = nightly_warehouse.after_nights[table]
    full = nightly_warehouse.after_full_refresh[table]
    assert len(incremental) == len(full)
    assert incremental == full, f"{table}: first difference at " + next(
        f"row {i}: nightly {a} != full refresh {b}"
        for i, (a, b) in enumerate(zip(incremental, full, strict=True))
        if a != b
    )


def test_marts_cover_the_world_and_are_not_trivial(nightly_warehouse: NightlyWarehouse) -> None:
    world = nightly_warehouse.world
    daily = nightly_warehouse.after_full_refresh["metrics_active_users_daily"]
    days = [row[0] for row in daily]
    assert days[0] == world.first_day
    # the spine runs to the last complete day: the last upload day (late uploads land after the
    # world's last day; the watermark is the end of that upload day)
    assert days[-1] == upload_days(world.events)[-1] > world.last_day
    assert days == [world.first_day + timedelta(days=i) for i in range(len(days))]
    assert all(row[-1] for row in daily)  # after the last night every day is complete
    assert all(row[1] > 0 for row in daily if row[0] <= world.last_day)  # people use the product every day
    assert all(row[1] == 0 for row in daily if row[0] > world.last_day)  # the world has ended: real zeros
    cohorts = nightly_warehouse.after_full_refresh["metrics_retention_cohorts"]
    assert sum(row[1] for row in cohorts) > 20


def test_nightly_runs_recompute_only_recent_days(nightly_warehouse: NightlyWarehouse) -> None:
    """A value changed by hand on the first day survives the next night (out of its lookback
    window); the backfill of that day on the last night puts the computed value back."""
    first = nightly_warehouse.tampered_day
    computed = nightly_warehouse.computed_value_after_tamper_night
    assert computed is not None
    assert nightly_warehouse.tampered_value_after_tamper_night == computed + TAMPER_OFFSET
    by_day = {row[0]: row for row in nightly_warehouse.after_nights["metrics_active_users_daily"]}
    by_day_full = {row[0]: row for row in nightly_warehouse.after_full_refresh["metrics_active_users_daily"]}
    assert by_day[first][5] == by_day_full[first][5] < TAMPER_OFFSET


def test_a_late_identification_recomputes_its_older_anonymous_day(nightly_warehouse: NightlyWarehouse) -> None:
    """The device browsing anonymously on day 2 is identified on day 5, beyond the 3-day window of
    that night: the night rewrites day 2's user-days, and the daily mart follows (the nightly ==
    full refresh comparison above checks every value; here, that the case really happened)."""
    second = nightly_warehouse.world.first_day + timedelta(days=1)
    owners = duckdb_rows(nightly_warehouse.settings,
                         f"select owner_user_id from intermediate.int_devices where device_id = '{LATE_DEVICE}'")
    assert owners == [(LATE_USER,)]
    attributed = duckdb_rows(
        nightly_warehouse.settings,
        f"select count(*) from intermediate.int_active_users_daily where user_id = '{LATE_USER}' "
        f"and date_day = '{second}'",
    )
    assert attributed == [(1,)]


def test_event_models_only_rewrite_what_changed(nightly_warehouse: NightlyWarehouse) -> None:
    """Rows of int_events__deduplicated keep the load stamp of the night that last touched them:
    a model rebuilt in full every night would carry one stamp only."""
    assert nightly_warehouse.loaded_at_stamps_after_nights >= 3


def test_the_plan_snapshot_keeps_the_history_of_a_changed_owner(nightly_warehouse: NightlyWarehouse) -> None:
    event, old, new = PLAN_CHANGE
    versions = duckdb_rows(
        nightly_warehouse.settings,
        "select owner, dbt_valid_to is null from snapshots.snp_tracking_plan_events "
        f"where event_type = '{event}' order by dbt_valid_from",
    )
    assert versions == [(old, False), (new, True)]
    unchanged = duckdb_rows(
        nightly_warehouse.settings,
        "select count(*) from snapshots.snp_tracking_plan_events where event_type = 'project_created'",
    )
    assert unchanged == [(1,)]


def test_the_user_level_tables_are_compared(nightly_warehouse: NightlyWarehouse) -> None:
    """The incremental user-level tables are among the nightly == full refresh comparisons."""
    compared = set(nightly_warehouse.after_nights) & set(nightly_warehouse.after_full_refresh)
    assert {"int_users", "int_user_retention", "metrics_retention_cohorts"} <= compared
    assert all(nightly_warehouse.after_full_refresh[name] for name in ("int_users", "int_user_retention"))


def test_late_changes_of_old_users_reach_the_user_level_tables(nightly_warehouse: NightlyWarehouse) -> None:
    """Landed on the fifth day's night, beyond its lookback window: the old user flagged is_test is
    excluded and out of its cohort; the old user's day-2 event uploaded late makes it retained on
    day 1 (the comparison above checks the values equal a full refresh; here, that they happened)."""
    changes = nightly_warehouse.late_changes
    first_day = nightly_warehouse.world.first_day
    users = {row[0]: row for row in nightly_warehouse.after_nights["int_users"]}
    assert users[changes.flagged_user][1:5] == (first_day, True, False, True)
    members = {row[0]: row for row in nightly_warehouse.after_nights["int_user_retention"]}
    assert changes.flagged_user not in members
    assert members[changes.returning_user][1:3] == (first_day, True)  # cohort day, retained on day 1
