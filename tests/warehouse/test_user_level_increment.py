"""The nightly == full refresh comparison catches a broken user-level increment.

On two copies of the night-by-night warehouse, one more night lands an is_test event of an old
user (first seen on the first day, so out of every lookback window). The real project's night
equals a full refresh on the user-level tables; a mutant whose user-level increments miss the users
with new upstream rows (the watermark moved to the newest stamp: an empty window) leaves that user
included, and the comparison tells.
"""

from __future__ import annotations

import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from insights.settings import DBT_PROJECT_DIR, Settings
from insights.warehouse import build
from insights.warehouse import dbt as dbt_module

from .conftest import make_settings
from .nightly import NIGHTLY_EXCLUDE, SELECTION, NightlyWarehouse, first_day_users, table_rows
from .raw_world import amp_ts, event, upload_days, write_events, write_watermark

pytestmark = pytest.mark.slow
USER_LEVEL = {"int_users": "user_id", "int_user_retention": "user_id"}
CORRECT_WINDOW = "where changed.loaded_at > {{ user_level_watermark(this) }}"
EMPTY_WINDOW = "where changed.loaded_at > {{ user_level_stamp(upstream) }}"


def _night_flagging_an_old_user(source: NightlyWarehouse, home: Path) -> tuple[Settings, str]:
    """A copy of the warehouse, its raw zone holding one more upload day: an old user's is_test event."""
    shutil.copytree(source.settings.home, home, symlinks=True)
    settings = make_settings(home, source.settings.config_dir)
    user = first_day_users(source.world)[2]  # the first two carry the harness's own late changes
    day = upload_days(source.world.events)[-1] + timedelta(days=1)
    flagged = event("page_viewed", amp_ts(datetime.combine(day, time(9))), device_id=f"device-of-{user}",
                    user_id=user, is_test=True)
    write_events(settings.raw_dir, [flagged], [day])
    write_watermark(settings.raw_dir, "amplitude", datetime.combine(day + timedelta(days=1), time(0)))
    return settings, user


def _user_level(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    tables = {name: table_rows(settings, "duckdb", "intermediate", name, key) for name, key in USER_LEVEL.items()}
    tables["metrics_retention_cohorts"] = table_rows(settings, "duckdb", "marts", "metrics_retention_cohorts",
                                                     "cohort_date")
    return tables


def test_a_night_missing_the_users_to_recompute_differs_from_a_full_refresh(
    nightly_warehouse: NightlyWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    correct, user = _night_flagging_an_old_user(nightly_warehouse, tmp_path / "correct")
    build(correct, select=SELECTION, exclude=NIGHTLY_EXCLUDE)
    nightly = _user_level(correct)

    mutant_project = tmp_path / "mutant" / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, mutant_project, ignore=shutil.ignore_patterns("target", "logs"))
    (mutant_project.parent / "include").symlink_to(DBT_PROJECT_DIR.parent / "include")  # ../include model path
    macros = mutant_project / "macros" / "incremental" / "user_level.sql"
    assert CORRECT_WINDOW in macros.read_text()
    macros.write_text(macros.read_text().replace(CORRECT_WINDOW, EMPTY_WINDOW))
    broken, _ = _night_flagging_an_old_user(nightly_warehouse, tmp_path / "broken")
    with monkeypatch.context() as patch:
        patch.setattr(dbt_module, "DBT_PROJECT_DIR", mutant_project)
        build(broken, select=SELECTION, exclude=NIGHTLY_EXCLUDE)
    mutant = _user_level(broken)

    build(correct, full_refresh=True, select=SELECTION, exclude=NIGHTLY_EXCLUDE)
    full = _user_level(correct)
    excluded = {row[0]: row[4] for row in full["int_users"]}
    assert excluded[user] is True  # the night's change is real
    assert nightly == full
    assert {row[0]: row[4] for row in mutant["int_users"]}[user] is False
    assert mutant["int_users"] != full["int_users"]
    assert mutant["int_user_retention"] != full["int_user_retention"]
    assert mutant["metrics_retention_cohorts"] != full["metrics_retention_cohorts"]
