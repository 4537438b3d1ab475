"""Every fault mode against the extraction, reconciled with the clean reference run.

Transport faults must lose nothing: the distinct records landed equal the clean run's.
Data faults must account for every record: records held = distinct landed + quarantined, and each
quarantine line names the file, the line and (for a bad field) the field.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insights_dev.reliability import environment, landed_keys, quarantine_entries, run_extraction
from insights_dev.reliability.harness import KEYS
from insights_dev.simulator import World
from insights_dev.simulator.faults import (
    DuplicatesAtPageBoundaries,
    FaultMode,
    FaultPlan,
    MalformedLines,
    NotUtf8,
    NpsOutOfRange,
    RateLimitStorm,
    SchemaDrift,
    ServerErrorBursts,
    SlowResponses,
    Timeouts,
    TruncatedGzip,
    TruncatedZip,
    empty_day,
)
from tests.reliability.conftest import NOW, CleanRun
from tests.reliability.record import report

TRANSPORT: dict[str, tuple[Callable[[], FaultMode], dict[str, str]]] = {  # fresh mode per test
    "5xx bursts": (lambda: ServerErrorBursts(status=503, burst=2, period=5), {}),
    "429 storms": (lambda: RateLimitStorm(burst=3, period=4), {}),
    "slow responses": (lambda: SlowResponses(delay=0.2, period=4), {}),
    # 1 s answers against a 0.4 s read timeout: the client gives up, retries, and gets the data.
    "timeouts": (lambda: Timeouts(delay=1.0, period=6), {"INSIGHTS_HTTP_READ_TIMEOUT": "0.4"}),
    "truncated ZIP (first download)": (lambda: TruncatedZip(), {}),
    "truncated gzip entry (first download)": (lambda: TruncatedGzip(), {}),
    "duplicates at page boundaries": (lambda: DuplicatesAtPageBoundaries("zendesk"), {}),
}


@pytest.mark.parametrize("fault", list(TRANSPORT))
def test_transport_faults_lose_nothing(fault: str, world: World, clean: CleanRun, tmp_path: Path) -> None:
    make, env = TRANSPORT[fault]
    mode = make()
    plan = FaultPlan(mode)
    with environment(env):
        run = run_extraction(world, tmp_path / "home", world.first_day, world.last_day, now=NOW, faults=plan)
    keys = {s: landed_keys(run.settings.raw_dir, s) for s in KEYS}
    lost = sum(len(clean.keys[s] - set(keys[s])) for s in KEYS)
    extra = sum(len(set(keys[s]) - clean.keys[s]) for s in KEYS)
    report(fault, "transport", injected=mode.count, survived=not run.errors and lost == 0 and extra == 0,
           records_lost=lost, check="distinct records landed = clean run's")
    assert mode.count > 0, f"{fault} never fired: the test would prove nothing"
    assert not run.errors
    assert lost == 0 and extra == 0
    assert not any(quarantine_entries(run.settings.raw_dir, s) for s in KEYS)


def _reconcile(run_raw: Path, source: str, clean: CleanRun) -> tuple[int, int, list[dict]]:
    """(lines landed, quarantined, quarantine entries) after checking nothing unknown landed.

    Counted in lines, not distinct keys: the source itself may send one key twice (an Amplitude
    event re-sent with the same uuid), and each copy must end up landed or quarantined.
    """
    landed = landed_keys(run_raw, source)
    assert not landed - clean.lines[source], "records landed that the source does not hold"
    entries = quarantine_entries(run_raw, source)
    return sum(landed.values()), len(entries), entries


# name -> (source, mode, field named in quarantine)
DATA: dict[str, tuple[str, Callable[[], FaultMode], str | None]] = {
    "malformed JSON lines": ("amplitude", lambda: MalformedLines(every=10), None),
    "schema drift: renamed field (amplitude event_type)": (
        "amplitude", lambda: SchemaDrift("amplitude", "renamed field", "event_type", renamed_to="event_name", every=6),
        "event_type"),
    "schema drift: renamed field (zendesk updated_at)": (
        "zendesk", lambda: SchemaDrift("zendesk", "renamed field", "updated_at", renamed_to="updated", every=4),
        "updated_at"),
    "schema drift: type change (zendesk status)": (
        "zendesk", lambda: SchemaDrift("zendesk", "type change", "status", every=4), "status"),
    "schema drift: type change (amplitude uuid)": (
        "amplitude", lambda: SchemaDrift("amplitude", "type change", "uuid", every=8), "uuid"),
    # values whose JSON is fine but the warehouse could not cast (they used to fail the staging build)
    "uncastable value (amplitude session_id \"abc\")": (
        "amplitude", lambda: SchemaDrift("amplitude", "bad value", "session_id", value="abc", every=7), "session_id"),
    "timestamp in another format (amplitude event_time 20261031T101500Z)": (
        "amplitude", lambda: SchemaDrift("amplitude", "bad value", "event_time", value="20261031T101500Z", every=7),
        "event_time"),
    "NPS answer out of range (typeform, 14 on 0..10)": (
        "typeform", lambda: NpsOutOfRange(every=3), "answers[0].number"),
    "bytes that are not UTF-8 (zendesk subject)": ("zendesk", lambda: NotUtf8(every=5), "subject"),
}


@pytest.mark.parametrize("fault", list(DATA))
def test_bad_records_are_quarantined_and_accounted_for(fault: str, world: World, clean: CleanRun,
                                                       tmp_path: Path) -> None:
    source, make, field = DATA[fault]
    mode = make()
    with environment({"INSIGHTS_MAX_QUARANTINE_SHARE": "1"}):  # count them all; the threshold has its own test
        run = run_extraction(world, tmp_path / "home", world.first_day, world.last_day, now=NOW,
                             faults=FaultPlan(mode), sources=(source,))
    assert not run.errors
    landed, quarantined, entries = _reconcile(run.settings.raw_dir, source, clean)
    held = sum(clean.lines[source].values())
    lost = held - landed - quarantined
    report(fault, "data", injected=mode.count, survived=lost == 0, records_lost=lost,
           check="records held = landed + quarantined")
    assert mode.count > 0 and quarantined > 0
    assert landed + quarantined == held
    for entry in entries:
        assert entry["reason"] and entry["source_file"] and isinstance(entry["line"], int)
        assert entry["field"] == field, entry
        assert entry["payload"]


def test_a_new_field_passes_through_untouched(world: World, clean: CleanRun, tmp_path: Path) -> None:
    modes = [SchemaDrift(s, "new field", "x_added_field") for s in KEYS]
    run = run_extraction(world, tmp_path / "home", world.first_day, world.last_day, now=NOW,
                         faults=FaultPlan(*modes))
    assert not run.errors
    lost = 0
    for source, (stream, _) in KEYS.items():
        assert set(landed_keys(run.settings.raw_dir, source)) == clean.keys[source]
        lost += len(clean.keys[source] - set(landed_keys(run.settings.raw_dir, source)))
        for path in (run.settings.raw_dir / source / stream).rglob("*.jsonl.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for line in handle:
                    assert json.loads(line)["x_added_field"] == {"added_by": "schema drift", "version": 2}
    report("schema drift: new field (all sources)", "data", injected=sum(m.count for m in modes),
           survived=lost == 0, records_lost=lost, check="same records landed, new field kept")
    assert all(m.count > 0 for m in modes)


def _record_day(source: str, record: dict) -> str:
    moment = {"amplitude": "server_upload_time", "typeform": "submitted_at"}[source]
    return (record.get(moment) or record.get("landed_at") or "")[:10]


def zendesk_expected(world: World) -> set[tuple[int, str]]:
    """The incremental export serves each ticket's latest version as of the clock (sources.md)."""
    latest: dict[int, dict] = {}
    for version in world.ticket_versions:
        if _utc(version["updated_at"]) <= NOW and (
            version["id"] not in latest or version["updated_at"] > latest[version["id"]]["updated_at"]
        ):
            latest[version["id"]] = version
    end = _utc(f"{world.last_day + timedelta(days=1)}T00:00:00Z")
    return {(t["id"], t["updated_at"]) for t in latest.values() if _utc(t["updated_at"]) < end}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_an_empty_day_lands_empty_complete_partitions(world: World, clean: CleanRun, tmp_path: Path) -> None:
    day = world.first_day + timedelta(days=1)
    emptied = empty_day(world, day)
    run = run_extraction(emptied, tmp_path / "home", world.first_day, world.last_day, now=NOW)
    assert not run.errors
    lost = 0
    for source, (stream, fields) in KEYS.items():
        if source == "zendesk":  # a ticket's latest version changes when a day's updates vanish
            expected = zendesk_expected(emptied)
        else:
            expected = set()
            for path in (clean.home / "raw" / source / stream).rglob("*.jsonl.gz"):
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    for line in handle:
                        record = json.loads(line)
                        if _record_day(source, record) != day.isoformat():
                            expected.add(tuple(record.get(f) for f in fields))
            assert expected < clean.keys[source], f"{source}: the clean run has nothing on {day} to remove"
        landed = set(landed_keys(run.settings.raw_dir, source))
        lost += len(expected - landed)
        assert landed == expected
    # Zendesk's partition of the empty day exists and is complete (a manifest), so the night is done.
    assert (run.settings.raw_dir / "zendesk" / "tickets" / f"dt={day}" / "_manifest.json").is_file()
    report("empty day", "world", injected=1, survived=lost == 0, records_lost=lost,
           check="other days' records landed; empty day complete")


def test_quarantine_over_the_threshold_fails_naming_file_line_and_field(world: World, tmp_path: Path) -> None:
    mode = SchemaDrift("zendesk", "type change", "status", every=2)
    run = run_extraction(world, tmp_path / "home", world.first_day, world.last_day, now=NOW,
                         faults=FaultPlan(mode), sources=("zendesk",))
    error = run.errors["zendesk"]
    assert error.startswith("QuarantineThresholdError")
    assert "GET /api/v2/incremental/tickets/cursor.json" in error and "line " in error and "field 'status'" in error
    committed = list((run.settings.raw_dir / "zendesk").rglob("_manifest.json"))
    assert committed == [], "an over-threshold run committed partitions the warehouse would load"
    assert not (run.settings.raw_dir / "zendesk" / "_watermark.json").exists()
    report("bad records above INSIGHTS_MAX_QUARANTINE_SHARE", "data", injected=mode.count, survived=True,
           records_lost=0, check="run fails naming file, line, field; no manifest, watermark unmoved")


def test_the_clean_run_holds_exactly_the_worlds_records(world: World, clean: CleanRun) -> None:
    """Independent check of the reference: every event uploaded in the range, every response once."""
    available = NOW - timedelta(hours=2)  # Amplitude serves an upload hour 2 h after it (sources.md)
    uploaded = {(e["uuid"],) for e in world.events
                if datetime.fromisoformat(e["server_upload_time"]).replace(tzinfo=UTC) < available}
    assert clean.keys["amplitude"] == uploaded
    visible = NOW - timedelta(minutes=30)
    responses = {(r["response_id"],) for items in world.responses.values() for r in items
                 if datetime.fromisoformat((r["submitted_at"] or r["landed_at"]).replace("Z", "+00:00")) <= visible}
    assert clean.keys["typeform"] == responses
    assert clean.keys["zendesk"] == zendesk_expected(world)
