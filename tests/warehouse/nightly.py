"""A warehouse built night by night from a small simulated world, then fully refreshed.

The sequence (one dbt build per step, scoped to the events side):
  night 0   nothing landed yet: the build must still succeed, with empty marts;
  night 1.. each night lands the next upload day as an export run at 21:30 would see it
            (hour 21 partial, hours 22-23 missing) and re-lands the previous day complete
            (the 2-hour lookback: hour 21 gets a new sha, hours 22-23 appear); the amplitude
            watermark says complete through 21:00 of that day, so its last day is incomplete;
            before NIGHT_OF_PLAN_CHANGE an owner changes in the tracking plan (snapshot history);
            before NIGHT_OF_TAMPER the first day's row of the daily mart is tampered with: it
            is out of that night's recompute window, so the change must survive it;
  last      the remaining upload days land complete (watermark: the end of the last upload day),
            and the build is also a backfill of [first day, first day], which must put the
            computed value back;
  refresh   --full-refresh of everything on the same raw data, with every data and unit test.

The world keeps its quirks inside the 3-day lookback (late uploads up to 24 h, identification
up to 1 day after the first anonymous visit), the spec's assumption for nightly runs to equal a
full refresh: a change reaching further back waits for a backfill (metrics.md section 1.4). One
exception on purpose (with_late_identification): a device browsing anonymously on the second day
is identified on the fifth; the night that lands it rewrites that second day's user-days, and the
daily marts must recompute that day although it is out of the lookback window.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import yaml

from insights.settings import PACKAGE_CONFIG_DIR, Settings
from insights.warehouse import BuildResult, build, connect, schema_name
from insights_dev.simulator.world import World

from .raw_world import upload_days, write_events, write_watermark

SELECTION = (
    "+metrics_active_users_daily +metrics_retention_cohorts +metrics_feature_adoption_weekly "
    "+snp_tracking_plan_events +snp_tracking_plan_properties metricflow_time_spine"
)
# The nightly loop runs models and snapshots only; the final full refresh runs the data tests
# too, and test_dbt_project.py the unit tests (one dbt build costs ~10 s: keep them few).
NIGHTLY_EXCLUDE = "test_type:unit test_type:data"
TAMPER_OFFSET = 1000
NIGHT_OF_TAMPER = 3
NIGHT_OF_PLAN_CHANGE = 2
PLAN_CHANGE = ("file_uploaded", "platform", "storage")  # event, old owner, new owner

MARTS = {
    "metrics_active_users_daily": "date_day",
    "metrics_retention_cohorts": "cohort_date",
    "metrics_feature_adoption_weekly": "week_start, feature",
}
# Intermediate tables compared too (every column but the run-dependent bookkeeping: load stamps and
# the day a re-decided event left, which differ by design between nightly runs and a full refresh).
RUN_DEPENDENT_COLUMNS = ("loaded_at", "owner_loaded_at", "replaced_event_date")
INTERMEDIATE = {
    "int_events__deduplicated": "event_key",
    "int_devices": "device_id",
    "int_user_event_days": "user_id, activity_date, event_type, user_email_domain",
    "int_users": "user_id",
    "int_user_retention": "user_id",
}

_log = logging.getLogger("tests.warehouse.nightly")


@dataclass
class NightlyWarehouse:
    settings: Settings
    world: World
    late_changes: LateUserChanges
    nights: list[BuildResult] = field(default_factory=list)
    empty_night_marts: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    tampered_day: date | None = None
    tampered_value_after_tamper_night: int | None = None
    computed_value_after_tamper_night: int | None = None
    after_nights: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    after_full_refresh: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    loaded_at_stamps_after_nights: int = 0
    full_refresh: BuildResult | None = None


def duckdb_rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with connect(settings, "duckdb") as con:
        return con.execute(sql).fetchall()


def table_rows(settings: Settings, target: str, schema: str, table: str, order_by: str) -> list[tuple[Any, ...]]:
    qualified = f"{schema_name(schema, target)}.{table}"
    with connect(settings, target) as con:
        if target == "duckdb":
            columns = [r[0] for r in con.execute(f"describe {qualified}").fetchall()
                       if r[0] not in RUN_DEPENDENT_COLUMNS]
            return con.execute(f"select {', '.join(columns)} from {qualified} order by {order_by}").fetchall()
        with con.cursor() as cur:
            cur.execute(f"select * from {qualified} order by {order_by}")
            return cur.fetchall()


def capture(settings: Settings, with_intermediate: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    tables = {name: table_rows(settings, "duckdb", "marts", name, key) for name, key in MARTS.items()}
    if with_intermediate:
        for name, key in INTERMEDIATE.items():
            tables[name] = table_rows(settings, "duckdb", "intermediate", name, key)
    return tables


LATE_DEVICE, LATE_USER = "device-identified-late", "user-identified-late"


@dataclass(frozen=True)
class LateUserChanges:
    """Old users (first seen on the first day) changed by events landing on the fifth day's night."""

    flagged_user: str  # an is_test event: excluded from then on, leaving its cohort
    returning_user: str  # a qualifying event on day 2 uploaded on day 5: retained on day 1 after all


def first_day_users(world: World) -> list[str]:
    """Users with an event on the first day, never flagged is_test nor internal, absent on the second day."""
    def day(record: dict) -> date:
        return datetime.fromisoformat(record["event_time"][:10]).date()

    internal = yaml.safe_load((PACKAGE_CONFIG_DIR / "settings.yml").read_text())["internal_email_domains"]
    users = {e["user_id"] for e in world.events if e["user_id"] and day(e) == world.first_day}
    flagged = {
        e["user_id"] for e in world.events
        if e["user_properties"].get("is_test") is not None
        or str(e["user_properties"].get("email", "")).lower().rpartition("@")[2] in internal
    }
    second_day = {e["user_id"] for e in world.events if day(e) == world.first_day + timedelta(days=1)}
    return sorted(users - flagged - second_day)


def with_late_changes(world: World) -> tuple[World, LateUserChanges]:
    """The world plus late changes beyond the lookback window of the night that lands them (day 5):
    a device active anonymously on its second day and identified on its fifth; an old user flagged
    is_test; an old user's day-2 event uploaded on day 5 (the user-level tables must follow)."""
    from .raw_world import amp_ts, event

    second, fifth = (datetime.combine(world.first_day + timedelta(days=n), time(10)) for n in (1, 4))
    flagged_user, returning_user = first_day_users(world)[:2]
    extra = [
        event("task_created", amp_ts(second), device_id=LATE_DEVICE),
        event("task_created", amp_ts(fifth), device_id=LATE_DEVICE, user_id=LATE_USER),
        event("page_viewed", amp_ts(fifth), device_id=f"device-of-{flagged_user}", user_id=flagged_user,
              is_test=True),
        event("task_created", amp_ts(second), device_id=f"device-of-{returning_user}", user_id=returning_user,
              uploaded=amp_ts(fifth)),
    ]
    return dataclasses.replace(world, events=[*world.events, *extra]), LateUserChanges(flagged_user, returning_user)


def _change_owner(settings: Settings) -> None:
    event, old, new = PLAN_CHANGE
    plan = settings.config_dir / "tracking_plan.yml"
    text = plan.read_text()
    block_start = text.index(f"  - name: {event}\n")
    before, after = text[:block_start], text[block_start:]
    assert f"    owner: {old}\n" in after
    plan.write_text(before + after.replace(f"    owner: {old}\n", f"    owner: {new}\n", 1))


def _nightly_build(settings: Settings) -> BuildResult:
    return build(settings, select=SELECTION, exclude=NIGHTLY_EXCLUDE, log=_log)


def build_night_by_night(settings: Settings, world: World, late_changes: LateUserChanges) -> NightlyWarehouse:
    state = NightlyWarehouse(settings, world, late_changes)
    days = upload_days(world.events)
    state.nights.append(_nightly_build(settings))  # night 0: empty raw zone
    state.empty_night_marts = capture(settings, with_intermediate=False)

    # night 1 lands the first two upload days, then one day per night, the rest on the last night
    schedule = [days[:2], *[[d] for d in days[2:-3]], days[-3:]]
    assert len(schedule) > NIGHT_OF_TAMPER, f"world too short for the schedule: upload days {days}"
    for night, batch in enumerate(schedule, start=1):
        last_night = night == len(schedule)
        previous = [d for d in days if d < batch[0]][-1:]
        write_events(settings.raw_dir, world.events, previous)  # the lookback re-fetch completes it
        if last_night:
            write_events(settings.raw_dir, world.events, batch)
            write_watermark(settings.raw_dir, "amplitude", datetime.combine(batch[-1] + timedelta(days=1), time(0)))
        else:
            cutoff = datetime.combine(batch[-1], time(21, 30))
            write_events(settings.raw_dir, world.events, batch, uploaded_before=cutoff)
            write_watermark(settings.raw_dir, "amplitude", datetime.combine(batch[-1], time(21)))
        if night == NIGHT_OF_PLAN_CHANGE:
            _change_owner(settings)
        if night == NIGHT_OF_TAMPER:
            state.tampered_day = world.first_day
            state.computed_value_after_tamper_night = _anonymous_devices(settings, world.first_day)
            with connect(settings, "duckdb") as con:
                con.execute(
                    "update marts.metrics_active_users_daily set anonymous_devices = anonymous_devices + ? "
                    "where date_day = ?",
                    [TAMPER_OFFSET, world.first_day],
                )
        if last_night:
            state.nights.append(
                build(
                    settings,
                    start=world.first_day,
                    end=world.first_day,
                    select=SELECTION,
                    exclude=NIGHTLY_EXCLUDE,
                    log=_log,
                )
            )
        else:
            state.nights.append(_nightly_build(settings))
        if night == NIGHT_OF_TAMPER:
            state.tampered_value_after_tamper_night = _anonymous_devices(settings, world.first_day)

    state.after_nights = capture(settings)
    state.loaded_at_stamps_after_nights = duckdb_rows(
        settings, "select count(distinct loaded_at) from intermediate.int_events__deduplicated"
    )[0][0]
    state.full_refresh = build(settings, full_refresh=True, select=SELECTION, log=_log)
    state.after_full_refresh = capture(settings)
    return state


def _anonymous_devices(settings: Settings, day: date) -> int:
    return duckdb_rows(
        settings, f"select anonymous_devices from marts.metrics_active_users_daily where date_day = '{day}'"
    )[0][0]
