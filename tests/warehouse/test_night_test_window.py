"""Nightly data tests on the big incremental tables read the rows the night wrote (macros/night_window.sql).

On a copy of the night-by-night warehouse, in one in-process dbt session (DbtSession, as the
warehouse DAG's dbt task runs it): a duplicated event key whose extra copy is stamped with an
old load passes the nightly-scoped uniqueness test (the documented trade-off) and fails the
whole-table test (backfills, full refreshes, CI); a duplicate inside the night's window fails the
nightly test too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from insights.pipeline import nightly_dbt_vars
from insights.settings import Settings
from insights.warehouse import connect, dbt_vars
from insights.warehouse.dbt import dbt_paths
from insights.warehouse.dbt_session import DbtSession

from .conftest import make_settings
from .nightly import NightlyWarehouse

pytestmark = pytest.mark.slow
UNIQUE_EVENT_KEY = "int_events__deduplicated,test_name:unique"


def _duplicate_newest_event(settings: Settings, age: str) -> None:
    """Insert a second copy of one event of the newest load, stamped `age` before that load."""
    with connect(settings, "duckdb") as con:
        con.execute(
            f"""
            insert into intermediate.int_events__deduplicated
            select * replace (events.loaded_at - interval '{age}' as loaded_at)
            from intermediate.int_events__deduplicated as events
            where events.event_key = (
                select min(newest.event_key) from intermediate.int_events__deduplicated as newest
                where newest.loaded_at = (
                    select max(stamp.loaded_at) from intermediate.int_events__deduplicated as stamp
                )
            )
            """
        )


def test_nightly_tests_catch_a_fault_in_the_night_and_whole_table_tests_catch_older_ones(
    nightly_warehouse: NightlyWarehouse, tmp_path: Path
) -> None:
    source = nightly_warehouse.settings
    home = tmp_path / "home"
    shutil.copytree(source.home, home, symlinks=True)
    settings = make_settings(home, source.config_dir)
    night = DbtSession(settings, vars=nightly_dbt_vars(settings))
    whole = DbtSession(settings, vars=dbt_vars(settings))

    assert night.run(["test", "--select", UNIQUE_EVENT_KEY]).ok

    _duplicate_newest_event(settings, "10 days")  # the extra copy is outside the night's window
    assert night.run(["test", "--select", UNIQUE_EVENT_KEY]).ok
    outside = whole.run(["test", "--select", UNIQUE_EVENT_KEY], check=False)
    assert [n.unique_id.split(".")[2] for n in outside.failed] == ["unique_int_events__deduplicated_event_key"]

    _duplicate_newest_event(settings, "0 seconds")  # a duplicate written by the night itself
    inside = night.run(["test", "--select", UNIQUE_EVENT_KEY], check=False)
    assert [n.failures for n in inside.failed] == [1]


ACTIVE_USERS_TESTS = "int_active_users_daily,test_type:data"


def _compiled_tests(settings: Settings, session: DbtSession) -> dict[str, str]:
    """Compile the data tests of int_active_users_daily; their SQL by test name."""
    session.run(["compile", "--select", ACTIVE_USERS_TESTS])
    target_path, _ = dbt_paths(settings, "duckdb")
    return {path.stem: path.read_text() for path in (target_path / "compiled").rglob("*.sql")
            if path.parent.name == "_events__models.yml" and "int_active_users_daily" in path.read_text()}


def test_the_active_users_view_is_tested_on_the_night_days_only_on_a_night(
    nightly_warehouse: NightlyWarehouse, tmp_path: Path
) -> None:
    """int_active_users_daily is a view: on a night its tests read the last lookback days, the
    window anchored on int_user_event_days' newest day (the view is filtered before it is computed,
    not computed in full for its own maximum); the whole-table runs read every day."""
    settings = make_settings(tmp_path / "home", nightly_warehouse.settings.config_dir)
    shutil.copytree(nightly_warehouse.settings.home, settings.home, symlinks=True)
    window = "date_day >= (select max(newest.activity_date) from"
    night = _compiled_tests(settings, DbtSession(settings, vars=nightly_dbt_vars(settings)))
    assert len(night) >= 5  # not_null x2, relationships, accepted_range, unique combination
    assert all(window in sql and '"int_user_event_days" as newest' in sql for sql in night.values()), night
    whole = _compiled_tests(settings, DbtSession(settings, vars=dbt_vars(settings)))
    assert set(whole) == set(night)
    assert not any(window in sql for sql in whole.values())
