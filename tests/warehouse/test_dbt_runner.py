"""The build entry point and the dbt runner, without a full dbt build."""

from __future__ import annotations

import json
from datetime import date

import pytest

from insights.settings import Settings
from insights.warehouse import DbtError, WarehouseBusyError, build, dbt_paths, dbt_vars, run_dbt, warehouse_lock


def test_dbt_vars_are_the_workspace_settings_plus_backfill_bounds(wh_settings: Settings) -> None:
    settings_file = wh_settings.config_dir / "settings.yml"
    settings_file.write_text(
        settings_file.read_text().replace("late_event_lookback_days: 3", "late_event_lookback_days: 5")
    )
    nightly = dbt_vars(wh_settings)
    assert nightly["late_event_lookback_days"] == 5
    assert nightly["internal_email_domains"] == ["acme-insights.com", "qa.acme-insights.com"]
    assert nightly["activation_event"] == "project_created"
    assert "backfill_start" not in nightly and "backfill_end" not in nightly

    backfill = dbt_vars(wh_settings, date(2026, 8, 3), date(2026, 8, 9))
    assert (backfill["backfill_start"], backfill["backfill_end"]) == ("2026-08-03", "2026-08-09")
    open_ended = dbt_vars(wh_settings, start=date(2026, 8, 3))
    assert (open_ended["backfill_start"], open_ended["backfill_end"]) == ("2026-08-03", "9999-12-31")
    with pytest.raises(ValueError, match="after its end"):
        dbt_vars(wh_settings, date(2026, 8, 9), date(2026, 8, 3))


def test_build_refuses_to_start_while_another_build_holds_the_lock(wh_settings: Settings) -> None:
    with warehouse_lock(wh_settings), pytest.raises(WarehouseBusyError, match="another warehouse build holds"):
        build(wh_settings)
    assert not wh_settings.warehouse.exists()  # nothing was loaded


def test_a_dbt_failure_without_results_reports_dbt_output(wh_settings: Settings) -> None:
    with pytest.raises(DbtError) as error:
        run_dbt(["parse", "--no-such-flag"], wh_settings)
    assert error.value.result.returncode != 0
    assert "dbt parse --no-such-flag failed on target duckdb" in str(error.value)
    assert "no-such-flag" in "\n".join(error.value.result.tail)


def test_run_dbt_passes_vars_and_keeps_artifacts_in_the_home(wh_settings: Settings) -> None:
    result = run_dbt(["parse"], wh_settings, vars={**dbt_vars(wh_settings), "late_event_lookback_days": 7})
    assert result.ok
    target_path, log_path = dbt_paths(wh_settings, "duckdb")
    assert target_path.is_relative_to(wh_settings.home) and log_path.is_relative_to(wh_settings.home)
    manifest = json.loads((target_path / "manifest.json").read_text())
    assert manifest["metadata"]["project_name"] == "insights"
    assert (target_path / "semantic_manifest.json").is_file()
    assert "late_event_lookback_days" in (log_path / "dbt.log").read_text()
