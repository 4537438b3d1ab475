"""Complete days on both sides of UTC and across DST changes, on DuckDB and Postgres.

One simulated world (2026-09-28 .. 2026-11-03) is landed as a backfill to L = 2026-11-03 would
land it: every record the vendors serve before 2026-11-04 00:00 UTC, with each source's watermark
at that UTC midnight. It is built in four reporting zones: UTC; Europe/Paris (ahead, summer time
ends 2026-10-25: 25 h); America/New_York (behind, daylight time ends 2026-11-01: 25 h);
Australia/Sydney (ahead, daylight time starts 2026-10-04: 23 h). Every governed mart must equal
the reference computation of the contract (tests/contract/reference.py) from the same records,
flags included, and the hand checks below pin the rule itself:
- behind UTC the last local day of the range (11-03) has data but is incomplete;
- ahead of UTC the next local day (11-04) has begun: it has data and is incomplete;
- DST days count as they are (23 or 25 hours) and are complete;
- retention and activation stay null until day c+N is complete.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from insights.settings import Settings
from insights.warehouse import build, schema_name
from insights.workspace import load_workspace
from insights_dev.simulator import World, WorldConfig, generate_world
from insights_dev.simulator.world import parse_timestamp
from tests.contract.reference import Calendar, RawRecords, compute_marts, read_raw_zone, read_watermarks
from tests.postgres_schemas import drop_prefixed_schemas
from tests.voc.world_raw import write_world_raw_zone

from .conftest import copy_config, make_settings, query
from .raw_world import amp_ts, event, write_events, write_watermark

pytestmark = pytest.mark.slow

RANGE_END = datetime(2026, 11, 4)  # the backfill's range [.., L] ends at L + 1 = this UTC midnight
LAST_DAY = date(2026, 11, 3)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Australia/Sydney")
SELECTION = (
    "+metrics_active_users_daily +metrics_retention_cohorts +metrics_feature_adoption_weekly +path:models/marts/voc"
)
MARTS = {
    "metrics_active_users_daily": "date_day",
    "metrics_retention_cohorts": "cohort_date",
    "metrics_feature_adoption_weekly": "week_start, feature",
    "metrics_nps_monthly": "month_start, segment",
    "metrics_support_daily": "date_day",
    "metrics_support_weekly": "week_start",
    "metrics_csat_monthly": "month_start",
    "metrics_feedback_by_team_weekly": "week_start, team",
    "metrics_feedback_unrouted_weekly": "week_start",
}
_log = logging.getLogger("tests.warehouse.reporting_zones")


def _served_before(world: World, moment: datetime) -> tuple[World, RawRecords]:
    """What an extraction of everything before `moment` lands: the world cut there, and its records."""
    cut = moment.replace(tzinfo=UTC)
    events = [e for e in world.events if parse_timestamp(e["server_upload_time"]) < cut]
    versions = [v for v in world.ticket_versions if parse_timestamp(v["updated_at"]) < cut]
    responses = {
        form_id: [r for r in items if parse_timestamp(r["submitted_at"] or r["landed_at"]) < cut]
        for form_id, items in world.responses.items()
    }
    landed = dataclasses.replace(world, events=events, ticket_versions=versions, responses=responses)
    records = RawRecords(
        events=events,
        ticket_versions=versions,
        forms=world.forms,
        responses=[(form_id, r) for form_id, items in responses.items() for r in items],
    )
    return landed, records


@pytest.fixture(scope="module")
def world() -> World:
    """The simulated world, plus one late-evening event 30 minutes before the range's UTC end: in a
    zone ahead of UTC it falls on the next local day, which has begun."""
    generated = generate_world(WorldConfig(users=200, days=37, start=date(2026, 9, 28), seed=21))
    someone = next(e for e in generated.events if e["user_id"] and e["event_type"] == "task_created")
    night_owl = event(
        "task_created", amp_ts(RANGE_END - timedelta(minutes=30)), device_id=someone["device_id"],
        user_id=someone["user_id"],
    )  # fmt: skip
    return dataclasses.replace(generated, events=[*generated.events, night_owl])


@dataclasses.dataclass(frozen=True)
class ZoneBuild:
    zone: str
    target: str
    settings: Settings
    reference: dict[str, list[tuple[Any, ...]]]


def _mart_rows(settings: Settings, target: str, mart: str) -> list[tuple[Any, ...]]:
    return query(settings, target, f"select * from {{marts}}.{mart} order by {MARTS[mart]}")


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((value is None, value if value is not None else 0) for value in row)


@pytest.fixture(
    scope="module",
    params=[
        *[(zone, "duckdb") for zone in ZONES],
        *[pytest.param((zone, "postgres"), marks=pytest.mark.postgres) for zone in ZONES],
    ],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def zone_build(
    request: pytest.FixtureRequest, world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ZoneBuild]:
    """One build per zone and target, shared by the module's tests (Postgres: a schema prefix of its own)."""
    zone, target = request.param
    with pytest.MonkeyPatch.context() as patch:
        if target == "postgres":
            request.getfixturevalue("postgres_dsn")
            prefix = f"z{uuid.uuid4().hex[:10]}"
            patch.setenv("INSIGHTS_PG_SCHEMA_PREFIX", prefix)
        try:
            yield _build_zone(zone, target, world, tmp_path_factory.mktemp(f"zone-{zone.replace('/', '-')}"))
        finally:
            if target == "postgres":
                drop_prefixed_schemas(prefix)


def _build_zone(zone: str, target: str, world: World, tmp_path: Path) -> ZoneBuild:
    config = copy_config(tmp_path / "config")
    settings_file = config / "settings.yml"
    settings_file.write_text(
        settings_file.read_text().replace("reporting_timezone: UTC", f"reporting_timezone: {zone}")
    )
    settings = make_settings(tmp_path / "home", config)
    landed, records = _served_before(world, RANGE_END)
    write_world_raw_zone(landed, settings.raw_dir)
    write_events(settings.raw_dir, landed.events)
    for source in ("amplitude", "zendesk", "typeform"):
        write_watermark(settings.raw_dir, source, RANGE_END)
    result = build(settings, target=target, select=SELECTION, exclude="test_type:unit", log=_log)
    assert result.dbt.ok and result.load.schema == schema_name("raw", target)
    # the reference reads the raw zone itself (what the e2e check will do), which holds the records cut here
    raw = read_raw_zone(settings.raw_dir)
    assert sorted(map(repr, raw.events)) == sorted(map(repr, records.events))
    assert len(raw.ticket_versions) == len(records.ticket_versions) and raw.forms == records.forms
    calendar = Calendar(zone, read_watermarks(settings.raw_dir))
    assert calendar.watermarks == dict.fromkeys(("amplitude", "typeform", "zendesk"), RANGE_END)
    return ZoneBuild(zone, target, settings, compute_marts(raw, load_workspace(config), calendar))


def test_every_mart_equals_the_reference_computation(zone_build: ZoneBuild) -> None:
    flags = set()
    for mart in MARTS:
        want = sorted(zone_build.reference[mart], key=_sort_key)
        got = sorted(_mart_rows(zone_build.settings, zone_build.target, mart), key=_sort_key)
        assert want, f"{mart}: the reference has no rows, the comparison would prove nothing"
        assert len(got) == len(want), f"{zone_build.zone}/{mart}: {len(got)} rows, expected {len(want)}"
        assert got == want, f"{zone_build.zone}/{mart}: first difference " + next(
            f"{g} != {w}" for g, w in zip(got, want, strict=True) if g != w
        )
        flags |= {row[-1] for row in got}
    assert flags == {True, False}  # complete and incomplete rows were both compared

    # the rule itself, by hand: the range ends at 2026-11-04 00:00 UTC
    daily = {row[0]: row for row in _mart_rows(zone_build.settings, zone_build.target, "metrics_active_users_daily")}
    complete = sorted(day for day, row in daily.items() if row[-1])
    incomplete = sorted(day for day, row in daily.items() if not row[-1])
    if zone_build.zone == "UTC":
        assert (complete[-1], incomplete) == (LAST_DAY, [])
    elif zone_build.zone == "America/New_York":  # behind: the last local day ends at 05:00 UTC on 11-04
        assert (complete[-1], incomplete) == (LAST_DAY - timedelta(days=1), [LAST_DAY])
        assert daily[LAST_DAY][1] > 0  # it has data, and is published flagged
    else:  # ahead: the next local day began before the UTC midnight
        assert (complete[-1], incomplete) == (LAST_DAY, [LAST_DAY + timedelta(days=1)])
        assert daily[LAST_DAY + timedelta(days=1)][1] > 0


DST_DAYS = {"Europe/Paris": (date(2026, 10, 25), 25), "America/New_York": (date(2026, 11, 1), 25),
            "Australia/Sydney": (date(2026, 10, 4), 23)}  # fmt: skip


def test_dst_days_count_as_they_are_and_cohort_rates_wait_for_complete_days(zone_build: ZoneBuild) -> None:
    settings, target = zone_build.settings, zone_build.target
    hours = dict(query(settings, target, "select date_day, day_hours from {intermediate}.int_reporting_days"))
    day, length = DST_DAYS.get(zone_build.zone, (date(2026, 10, 25), 24))
    assert hours[day] == length
    assert set(hours.values()) == ({24, length} if length != 24 else {24})
    starts = dict(query(settings, target, "select date_day, day_start_utc from {intermediate}.int_reporting_days"))
    ends = dict(query(settings, target, "select date_day, day_end_utc from {intermediate}.int_reporting_days"))
    assert ends[day] - starts[day] == timedelta(hours=length)
    assert ends[day] == starts[day + timedelta(days=1)]  # days tile the UTC line, DST or not
    daily = {row[0]: row for row in _mart_rows(settings, target, "metrics_active_users_daily")}
    assert daily[day][-1] is True and daily[day][1] > 0

    last_complete = max(d for d, row in daily.items() if row[-1])
    cohorts = {row[0]: row for row in _mart_rows(settings, target, "metrics_retention_cohorts")}
    for cohort, (_c, _size, day_1, day_7, day_28, activation, is_complete) in cohorts.items():
        for n, value in ((1, day_1), (7, day_7), (28, day_28), (6, activation)):
            assert (value is None) == (cohort + timedelta(days=n) > last_complete), (cohort, n)
        assert is_complete == (cohort <= last_complete)
    # the range holds cohorts on both sides of each rule
    assert any(r[2] is not None for r in cohorts.values()) and any(r[2] is None for r in cohorts.values())
    assert any(r[4] is not None for r in cohorts.values())
