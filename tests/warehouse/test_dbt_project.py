"""The dbt project's own checks: public contracts, unit tests, and data tests that can fail."""

from __future__ import annotations

import json
import shutil

import pytest

from insights.warehouse import DbtError, connect, dbt_paths, run_dbt

from .conftest import make_settings
from .nightly import NightlyWarehouse

pytestmark = pytest.mark.slow

# metrics.md section 8: the public names and column order
PUBLIC_MARTS = {
    "metrics_active_users_daily": [
        "date_day", "dau", "wau", "mau", "stickiness", "anonymous_devices",
        "wau_is_complete_window", "mau_is_complete_window", "is_complete",
    ],
    "metrics_retention_cohorts": [
        "cohort_date", "cohort_size", "day_1_retention", "day_7_retention", "day_28_retention", "activation_rate",
        "is_complete",
    ],
    "metrics_feature_adoption_weekly": [
        "week_start", "feature", "adopters", "weekly_active_users", "adoption_rate", "is_complete",
    ],
}  # fmt: skip
MY_UNIT_TESTS = {
    "only_a_json_boolean_is_a_test_flag",
    "dedup_keeps_earliest_upload_then_smallest_uuid",
    "dedup_flags_future_dated_on_the_kept_copy",
    "device_owner_is_earliest_valid_identified_event",
    "anonymous_events_before_identification_count_for_the_owner",
    "exclusions_match_internal_domains_exactly",
    "first_seen_from_any_valid_event",
    "active_users_need_a_qualifying_valid_event_and_no_exclusion",
    "activation_window_includes_day_6_not_day_7",
    "loaded_days_cap_at_last_upload_day_and_ignore_future_dated",
    "active_users_daily_window_edges",
    "engagement_days_run_to_the_last_complete_day",
    "feature_adoption_weekly_counts_active_users_per_iso_week",
    "retention_rates_stay_null_until_their_day_is_complete",
    "utc_days_end_at_utc_midnight",
    "paris_counts_the_25_hour_day_and_the_begun_next_day",
    "new_york_leaves_the_last_local_day_incomplete",
    "sydney_counts_the_23_hour_day",
    "complete_days_need_a_watermark",
    "event_day_follows_the_reporting_timezone",
    "dedup_incremental_names_the_day_a_replaced_event_left",
    "device_owner_merge_keeps_the_stored_owner_unless_beaten",
    "user_event_days_recompute_only_the_days_a_run_can_change",
}


def _manifest(nightly: NightlyWarehouse) -> dict:
    target_path, _ = dbt_paths(nightly.settings, "duckdb")
    return json.loads((target_path / "manifest.json").read_text())


def test_public_marts_have_enforced_contracts_with_the_spec_columns(nightly_warehouse: NightlyWarehouse) -> None:
    nodes = _manifest(nightly_warehouse)["nodes"]
    for name, columns in PUBLIC_MARTS.items():
        node = nodes[f"model.insights.{name}"]
        assert node["config"]["contract"]["enforced"] is True, name
        assert node["schema"] == "marts"
        assert list(node["columns"]) == columns, name
        assert all(c["data_type"] and len(c["description"]) > 20 for c in node["columns"].values()), name
        assert node["config"]["meta"]["owner"] and node["description"]
    # and the built tables really have those columns, in that order
    with connect(nightly_warehouse.settings, "duckdb") as con:
        for name, columns in PUBLIC_MARTS.items():
            assert [r[0] for r in con.execute(f"describe marts.{name}").fetchall()] == columns


def test_semantic_metrics_have_owner_and_description(nightly_warehouse: NightlyWarehouse) -> None:
    metrics = _manifest(nightly_warehouse)["metrics"]
    names = {m["name"] for m in metrics.values()}
    assert {"dau", "wau", "mau", "stickiness", "day_1_retention", "day_7_retention", "day_28_retention",
            "activation_rate"} <= names  # fmt: skip
    for metric in metrics.values():
        if metric["package_name"] == "insights":
            assert metric["config"]["meta"].get("owner"), metric["name"]
            assert metric["description"], metric["name"]


def test_every_unit_and_data_test_passed_in_the_full_refresh(nightly_warehouse: NightlyWarehouse) -> None:
    result = nightly_warehouse.full_refresh
    assert result is not None and result.dbt.ok
    unit = {n.unique_id.rsplit(".", 1)[-1]: n.status for n in result.dbt.nodes if n.unique_id.startswith("unit_test.")}
    assert MY_UNIT_TESTS <= set(unit), MY_UNIT_TESTS - set(unit)
    assert all(unit[name] == "pass" for name in MY_UNIT_TESTS)
    data_tests = [n for n in result.dbt.nodes if n.unique_id.startswith("test.")]
    assert len(data_tests) > 40 and all(n.status == "pass" for n in data_tests)


def test_data_tests_catch_broken_marts(nightly_warehouse: NightlyWarehouse, tmp_path) -> None:
    """Break each rule in a copy of the warehouse; the matching data test must fail."""
    source = nightly_warehouse.settings
    settings = make_settings(tmp_path / "home", source.config_dir)
    settings.home.mkdir()
    shutil.copy(source.warehouse, settings.warehouse)
    with connect(settings, "duckdb") as con:
        days = [
            r[0] for r in con.execute("select date_day from marts.metrics_active_users_daily order by 1").fetchall()
        ]
        assert len(days) >= 5
        con.execute("update marts.metrics_active_users_daily set dau = wau + 1 where date_day = ?", [days[1]])
        con.execute("update marts.metrics_active_users_daily set stickiness = 1.5 where date_day = ?", [days[2]])
        con.execute("delete from marts.metrics_active_users_daily where date_day = ?", [days[3]])
        con.execute(
            "insert into marts.metrics_feature_adoption_weekly "
            "select week_start, feature, weekly_active_users + 1, weekly_active_users, adoption_rate, is_complete "
            "from marts.metrics_feature_adoption_weekly where feature = 'tasks'"
        )
        last_cohort = con.execute("select max(cohort_date) from marts.metrics_retention_cohorts").fetchone()[0]
        con.execute(
            "update marts.metrics_retention_cohorts set day_28_retention = 0.5, activation_rate = 1.2 "
            "where cohort_date = ?",
            [last_cohort],
        )
        # structural rules the quality gate leaves to dbt (docs/architecture.md: which rule lives where)
        con.execute("update marts.metrics_active_users_daily set anonymous_devices = -1 where date_day = ?", [days[4]])
        con.execute("insert into marts.metrics_active_users_daily select * from marts.metrics_active_users_daily "
                    "where date_day = ?", [days[-1]])
        con.execute(
            "update marts.metrics_retention_cohorts set cohort_size = 0, day_1_retention = 1.2, day_7_retention = -0.1 "
            "where cohort_date = (select min(cohort_date) from marts.metrics_retention_cohorts)"
        )
        con.execute(
            "update marts.metrics_feature_adoption_weekly set adoption_rate = 1.5 "
            "where week_start = (select max(week_start) from marts.metrics_feature_adoption_weekly)"
        )
        # a complete day flagged incomplete, and a complete week flagged incomplete
        con.execute("update marts.metrics_active_users_daily set is_complete = false where date_day = ?", [days[0]])
        con.execute(
            "update marts.metrics_feature_adoption_weekly set is_complete = not is_complete "
            "where week_start = (select min(week_start) from marts.metrics_feature_adoption_weekly)"
        )
    with pytest.raises(DbtError) as error:
        run_dbt(
            ["test", "--select", " ".join(PUBLIC_MARTS), "--exclude", "test_type:unit"],
            settings,
            vars=nightly_warehouse.full_refresh.vars,
        )
    failed = {n.unique_id.split(".")[2] for n in error.value.result.failed}
    expected = {
        "assert_dau_le_wau_le_mau",  # dau > wau
        "assert_stickiness_is_dau_over_mau",  # stickiness no longer dau / mau
        "accepted_range_metrics_active_users_daily_stickiness__1__0",  # stickiness 1.5
        "gap_free_days_metrics_active_users_daily_date_day",  # a missing day
        "unique_combination_of_columns_metrics_feature_adoption_weekly_week_start__feature",
        "assert_adopters_le_weekly_active_users",
        "assert_retention_null_until_complete",  # day 28 of the last cohort is not complete
        "accepted_range_metrics_retention_cohorts_activation_rate__1__0",
        "complete_flag_follows_reporting_days_metrics_active_users_daily_is_complete__date_day__day__amplitude",
        "complete_flag_follows_reporting_days_metrics_feature_adoption_weekly_is_complete__week_start__week__amplitude",
        "accepted_range_metrics_active_users_daily_anonymous_devices__0",
        "unique_metrics_active_users_daily_date_day",  # the last day twice
        "accepted_range_metrics_retention_cohorts_cohort_size__1",
        "accepted_range_metrics_retention_cohorts_day_1_retention__1__0",
        "accepted_range_metrics_retention_cohorts_day_7_retention__1__0",
        "accepted_range_metrics_feature_adoption_weekly_adoption_rate__1__0",
    }
    assert expected <= failed, f"not caught: {expected - failed}"
    message = str(error.value)
    assert "assert_dau_le_wau_le_mau" in message and "node(s) failed" in message
    # untouched rules still pass: the failures are the injected faults, not noise
    passed = {n.unique_id.split(".")[2] for n in error.value.result.nodes if n.status == "pass"}
    assert "unique_metrics_retention_cohorts_cohort_date" in passed
    assert "not_null_metrics_active_users_daily_dau" in passed
