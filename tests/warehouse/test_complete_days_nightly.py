"""A day that was built incomplete is rebuilt by the next night once it is complete, however old.

Nightly runs recompute the last `late_event_lookback_days` days. A stuck source breaks that
assumption: when one upload day's extraction fails, the later days still land but the watermark
stays before the gap (it only moves contiguously), so the days after it are built and published
incomplete. When the gap is filled days later, the watermark jumps, and those days, now older
than the lookback window, must get their final values and the flag `is_complete = true` on the next
night, exactly as a full refresh computes them.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import pytest

from insights.settings import Settings
from insights.warehouse import build

from .nightly import table_rows
from .raw_world import amp_ts, event, write_events, write_watermark

pytestmark = pytest.mark.slow

FIRST = date(2026, 3, 2)
DAYS = [FIRST + timedelta(days=n) for n in range(8)]
GAP = DAYS[2]  # its upload day fails to extract the first time
SELECTION = "+metrics_active_users_daily +metrics_feature_adoption_weekly"
NO_TESTS = "test_type:unit test_type:data"
_log = logging.getLogger("tests.warehouse.complete_days")


def _world() -> list[dict]:
    """Users u1..u4 active every day (one more, u5, only on the gap day), uploads a minute later."""
    events = []
    for day in DAYS:
        users = ["u1", "u2", "u3", "u4"] + (["u5"] if day == GAP else [])
        for n, user in enumerate(users):
            moment = datetime.combine(day, time(9 + n))
            events.append(event("task_created", amp_ts(moment), device_id=f"d-{user}", user_id=user))
    return events


def _daily(settings: Settings) -> dict[date, tuple]:
    rows = table_rows(settings, "duckdb", "marts", "metrics_active_users_daily", "date_day")
    return {row[0]: row for row in rows}


def test_a_day_that_became_complete_is_recomputed_beyond_the_lookback_window(wh_settings: Settings) -> None:
    events = _world()
    raw = wh_settings.raw_dir
    # night 1: every upload day but the gap's lands; the watermark stops before the gap
    write_events(raw, events, [d for d in DAYS if d != GAP])
    write_watermark(raw, "amplitude", datetime.combine(GAP, time(0)))
    build(wh_settings, select=SELECTION, exclude=NO_TESTS, log=_log)
    first_night = _daily(wh_settings)
    assert [d for d, row in first_night.items() if row[-1]] == DAYS[:2]
    assert first_night[GAP][1] == 0  # its events are not loaded yet: published, flagged incomplete

    # night 2: the gap is extracted; the watermark jumps past the last day
    write_events(raw, events, [GAP])
    write_watermark(raw, "amplitude", datetime.combine(DAYS[-1] + timedelta(days=1), time(0)))
    lookback = 3
    assert GAP < DAYS[-1] - timedelta(days=lookback)  # out of the nightly window
    build(wh_settings, select=SELECTION, exclude=NO_TESTS, log=_log)
    second_night = _daily(wh_settings)
    assert all(row[-1] for row in second_night.values())
    assert second_night[GAP][1] == 5  # DAU of the gap day, u5 included

    weekly_nightly = table_rows(
        wh_settings, "duckdb", "marts", "metrics_feature_adoption_weekly", "week_start, feature"
    )
    build(wh_settings, full_refresh=True, select=SELECTION, exclude=NO_TESTS, log=_log)
    assert second_night == _daily(wh_settings)
    assert weekly_nightly == table_rows(
        wh_settings, "duckdb", "marts", "metrics_feature_adoption_weekly", "week_start, feature"
    )
