"""The audit's per-day aggregates, maintained night by night, give what a full refresh gives.

A small simulated world lands night by night as in tests/warehouse/nightly.py (same raw-zone
helpers, same schedule: an export run at 21:30, then the lookback re-fetch), with a 5-day hygiene
window so that windows reach days the nightly no longer recomputes. Each night builds the audit
models and what they read (`dbt build`, nightly vars, no audit_reference_date: the warehouse DAG's
dbt_audit task). Along the way:
- before NIGHT_OF_TAMPER a stored daily volume of the first day is changed by hand: out of that
  night's recompute range, it must survive it; the last night is also a backfill of the first
  day, which must put the computed value back;
- before NIGHT_OF_PLAN_CHANGE the plan drops an allowed value (signed_up.method 'sso'): days
  stored before stay as checked until a window reads them;
- after the last night, an audit of OLD_REFERENCE (var audit_reference_date, the weekly DAG)
  reads a window of days last computed nights ago, some under the old plan.
Then `dbt build --full-refresh` on the same raw data, and the same two audits again.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from insights.settings import PACKAGE_CONFIG_DIR, Settings
from insights.warehouse import build, connect, dbt_vars, run_dbt
from tests.warehouse.nightly import duckdb_rows
from tests.warehouse.raw_world import upload_days, write_events

from .conftest import home_settings

pytestmark = pytest.mark.slow

log = logging.getLogger("tests.hygiene.nightly")

SELECTION = "+path:models/audit"
NO_TESTS = "test_type:unit test_type:data"
WINDOW_DAYS = 5
NIGHT_OF_TAMPER = 3
NIGHT_OF_PLAN_CHANGE = 6
TAMPER_OFFSET = 1000
OLD_REFERENCE_OFFSET = 4  # OLD_REFERENCE = first day + 4: its window starts on the first day
# Reference-day tables (kept per reference day) and their keys.
REFERENCE_TABLES = {
    "tracking_plan_findings": "reference_date, event_type, finding",
    "tracking_plan_property_violations": "reference_date, event_type, property_name, violation",
    "event_volume_daily": "reference_date, event_date, event_type",
    "event_volume_share": "reference_date, event_type",
    "event_usage_ledger": "reference_date, event_type",
}
DAILY_COLUMNS = {
    "int_audit__daily_event_volume": "event_date, event_type, events, fingerprint",
    "int_audit__daily_property_checks": (
        "event_date, event_type, property_name, property_type, violation, violating_events, "
        "example_event_key, example_event_uuid, example_value_type, fingerprint"
    ),
}


@dataclass
class NightlyAudit:
    settings: Settings
    first_day: date
    old_reference: date
    last_reference: date | None = None
    nights: int = 0
    tampered_type: str = ""
    tampered_after_night: int | None = None
    computed_before_tamper: int | None = None
    stale_days_before_old_audit: list[date] = field(default_factory=list)
    sso_signups_in_old_window: int = 0
    after_nights: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    after_full_refresh: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


def _config(folder: Path) -> Path:
    shutil.copytree(PACKAGE_CONFIG_DIR, folder)
    settings_file = folder / "settings.yml"
    values = yaml.safe_load(settings_file.read_text())
    values["hygiene_window_days"] = WINDOW_DAYS
    settings_file.write_text(yaml.safe_dump(values))
    return folder


def _drop_sso(settings: Settings) -> None:
    plan = settings.config_dir / "tracking_plan.yml"
    text = plan.read_text()
    old = "{name: method, type: string, required: true, allowed: [email, google, sso]}"
    assert old in text
    plan.write_text(text.replace(old, old.replace(", sso]", "]")))


def _audit(settings: Settings, reference: date) -> None:
    variables = {**dbt_vars(settings), "audit_reference_date": reference.isoformat()}
    run_dbt(["build", "--select", "path:models/audit", "--exclude", NO_TESTS], settings, vars=variables, log=log)


def _volume(settings: Settings, day: date, event_type: str) -> int:
    rows = duckdb_rows(
        settings,
        "select events from audit.int_audit__daily_event_volume "
        f"where event_date = '{day}' and event_type = '{event_type}'",
    )
    return rows[0][0]


def _capture(state: NightlyAudit) -> dict[str, list[tuple[Any, ...]]]:
    days = [state.old_reference, state.last_reference]
    tables = {
        name: duckdb_rows(
            state.settings,
            f"select * from audit.{name} where reference_date in ('{days[0]}', '{days[1]}') order by {key}",
        )
        for name, key in REFERENCE_TABLES.items()
    }
    # the daily aggregates of the two audited windows (other days may wait for a window to re-check them)
    windows = " or ".join(
        f"event_date between '{day - timedelta(days=WINDOW_DAYS - 1)}' and '{day}'" for day in days
    )
    for name, columns in DAILY_COLUMNS.items():
        tables[name] = duckdb_rows(
            state.settings, f"select {columns} from audit.{name} where {windows} order by {columns}"
        )
    return tables


@pytest.fixture(scope="module")
def nightly_audit(tmp_path_factory: pytest.TempPathFactory) -> NightlyAudit:
    from insights_dev.simulator.config import WorldConfig
    from insights_dev.simulator.generate import generate_world

    root = tmp_path_factory.mktemp("audit-nightly")
    settings = home_settings(root / "home", _config(root / "config"))
    # quirks inside the 3-day lookback, as in tests/warehouse; more violations than the default
    world = generate_world(
        WorldConfig(
            users=60, days=10, seed=5, late_upload_max_hours=24, max_identification_delay_days=1,
            property_violation_share=0.05,
        )
    )
    state = NightlyAudit(settings, world.first_day, world.first_day + timedelta(days=OLD_REFERENCE_OFFSET))
    days = upload_days(world.events)
    schedule = [days[:2], *[[d] for d in days[2:-3]], days[-3:]]
    assert len(schedule) > NIGHT_OF_PLAN_CHANGE, f"world too short for the schedule: upload days {days}"
    for night, batch in enumerate(schedule, start=1):
        last_night = night == len(schedule)
        previous = [d for d in days if d < batch[0]][-1:]
        write_events(settings.raw_dir, world.events, previous)
        if last_night:
            write_events(settings.raw_dir, world.events, batch)
        else:
            cutoff = datetime.combine(batch[-1], time(21, 30))
            write_events(settings.raw_dir, world.events, batch, uploaded_before=cutoff)
        if night == NIGHT_OF_TAMPER:
            state.tampered_type = duckdb_rows(
                settings,
                "select max(event_type) from audit.int_audit__daily_event_volume "
                f"where event_date = '{world.first_day}' and event_type is not null",
            )[0][0]
            state.computed_before_tamper = _volume(settings, world.first_day, state.tampered_type)
            with connect(settings, "duckdb") as con:
                con.execute(
                    "update audit.int_audit__daily_event_volume set events = events + ? "
                    "where event_date = ? and event_type = ?",
                    [TAMPER_OFFSET, world.first_day, state.tampered_type],
                )
        if night == NIGHT_OF_PLAN_CHANGE:
            _drop_sso(settings)
        start = world.first_day if last_night else None
        build(settings, start=start, end=start, select=SELECTION, exclude=NO_TESTS, log=log)
        if night == NIGHT_OF_TAMPER:
            state.tampered_after_night = _volume(settings, world.first_day, state.tampered_type)
    state.nights = len(schedule)
    state.last_reference = duckdb_rows(
        settings, "select max(reference_date) from audit.tracking_plan_findings"
    )[0][0]
    state.stale_days_before_old_audit = [
        row[0]
        for row in duckdb_rows(
            settings,
            "select event_date from audit.int_audit__daily_property_checks "
            "where event_type is null and fingerprint <> "
            "(select max(latest.fingerprint) from audit.int_audit__daily_property_checks as latest "
            f" where latest.event_date = '{state.last_reference}') order by event_date",
        )
    ]
    state.sso_signups_in_old_window = duckdb_rows(
        settings,
        "select count(*) from intermediate.int_events__deduplicated where not is_future_dated "
        "and event_type = 'signed_up' and json_extract_string(event_properties, '$.method') = 'sso' "
        f"and event_date between '{state.first_day}' and '{state.old_reference}'",
    )[0][0]
    _audit(settings, state.old_reference)
    state.after_nights = _capture(state)

    build(settings, full_refresh=True, select=SELECTION, exclude=NO_TESTS, log=log)
    _audit(settings, state.old_reference)
    state.after_full_refresh = _capture(state)
    return state


@pytest.mark.parametrize("table", [*REFERENCE_TABLES, *DAILY_COLUMNS])
def test_nightly_audit_equals_a_full_refresh(nightly_audit: NightlyAudit, table: str) -> None:
    nightly = nightly_audit.after_nights[table]
    full = nightly_audit.after_full_refresh[table]
    assert nightly, f"{table}: no row to compare"
    assert nightly == full, f"{table}: first difference at " + next(
        (
            f"row {i}: nightly {a} != full refresh {b}"
            for i, (a, b) in enumerate(zip(nightly, full, strict=False))
            if a != b
        ),
        f"row counts {len(nightly)} != {len(full)}",
    )


def test_both_reference_days_have_findings_and_violations(nightly_audit: NightlyAudit) -> None:
    state = nightly_audit
    assert state.last_reference is not None
    assert state.last_reference - state.old_reference >= timedelta(days=WINDOW_DAYS)  # disjoint windows
    findings = state.after_nights["tracking_plan_findings"]
    for day in (state.old_reference, state.last_reference):
        codes = {row[2] for row in findings if row[0] == day}
        assert {"property_violation", "unplanned_event"} <= codes, (day, codes)
    # the plan change reached the old window's days stored under the old plan
    sso = [
        row for row in state.after_nights["tracking_plan_property_violations"]
        if row[0] == state.old_reference and row[1:5] == ("signed_up", "method", "string", "not_allowed")
    ]
    assert state.sso_signups_in_old_window > 0
    assert sso and sso[0][5] >= state.sso_signups_in_old_window


def test_old_window_days_wait_for_an_audit_to_be_rechecked(nightly_audit: NightlyAudit) -> None:
    """After the plan change, days out of every later nightly window kept the old plan's checks
    (the nightly did not re-check the whole history); the old reference day's audit re-checked
    those of its window (the equality test above compares them)."""
    stale = nightly_audit.stale_days_before_old_audit
    old_window_start = nightly_audit.old_reference - timedelta(days=WINDOW_DAYS - 1)
    assert stale
    assert any(old_window_start <= day <= nightly_audit.old_reference for day in stale)


def test_nightly_runs_recompute_only_recent_days(nightly_audit: NightlyAudit) -> None:
    """The first day's stored volume, changed by hand, survives the next night (out of its recompute
    range: the aggregates are not rebuilt from history); the last night's backfill of that day puts
    the computed value back."""
    state = nightly_audit
    assert state.computed_before_tamper is not None
    assert state.tampered_after_night == state.computed_before_tamper + TAMPER_OFFSET
    restored = [
        row for row in state.after_nights["int_audit__daily_event_volume"]
        if row[0] == state.first_day and row[1] == state.tampered_type
    ]
    assert restored and restored[0][2] == state.computed_before_tamper
