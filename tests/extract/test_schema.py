"""One record schema per stream (the dbt sources YAML) drives landing, the staging casts and the raw GX suite.

A value the warehouse cannot cast is quarantined at landing naming file, line and field; what
lands builds; and the staging models never fail on a value, even one written into the raw tables
by hand.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from insights.extraction import schema_outputs
from insights.extraction.extract import extract_interval
from insights.extraction.schema import SchemaError, read_stream_schema, sources_yaml
from insights.pipeline import dbt_build_layer, load_raw_zone
from insights.quality.suites import load_suites, suite_dirs
from insights.settings import PACKAGE_CONFIG_DIR, Settings
from insights.sources import registered_sources, source_spec
from insights.sources.amplitude.client import events_schema, validate_event
from insights.sources.typeform.client import validate_form, validate_response
from insights.sources.zendesk.client import validate_ticket
from insights.warehouse import connect, run_dbt, schema_name
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A.replace(day=A.day + 1)


def test_checked_in_staging_fields_are_what_the_schemas_generate() -> None:
    files = schema_outputs.outputs()
    assert {p.name for p in files} == {"record_schemas.sql"}
    assert schema_outputs.stale_outputs(files) == [], "run: python -m insights.extraction.schema_outputs --write"


def test_every_source_gets_a_raw_suite_per_stream_from_its_schema() -> None:
    loaded = {s.name for s in load_suites(suite_dirs())}
    assert {name for spec in registered_sources() for name in spec.raw_suite_names} <= loaded
    assert not list(source_spec("amplitude").package_dir.glob("expectations/raw.*")), "raw suites are not checked in"


def test_the_raw_suite_has_one_rule_per_field_check() -> None:
    suite = next(s for s in load_suites(suite_dirs()) if s.name == "raw.amplitude_events")
    names = {e.name for e in suite.expectations}
    for field in events_schema().fields:
        assert set(field.rules()) <= names
    assert {"session_id_type", "event_time_format", "uuid_present", "fresh", "in_upload_hour_file"} <= names


def test_a_malformed_schema_entry_is_refused_naming_file_entry_and_key(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    path = sources_yaml("zendesk", project)
    path.parent.mkdir(parents=True)
    text = (
        sources_yaml("zendesk")
        .read_text()
        .replace(
            "{name: replies, path: [metric_set, replies], type: integer}",
            "{name: replies, path: [metric_set, replies], type: int}",
        )
    )
    path.write_text(text)
    with pytest.raises(
        SchemaError,
        match=r"_zendesk__sources\.yml: table 'tickets', fields\[20\] \(replies\): "
        r"field 'type': expected one of",
    ):
        read_stream_schema("zendesk", "tickets", project)


EVENT = h.make_events(1)[0]
TICKET = {**h.make_ticket_versions(1)[0], "generated_timestamp": 1785801600}
RESPONSE = h.make_responses("f1", 1)[0]


@pytest.mark.parametrize(
    ("validate", "record", "field", "reason"),
    [
        (validate_event, {**EVENT, "session_id": "abc"}, "session_id", "is a string, expected an integer"),
        (validate_event, {**EVENT, "event_time": "20261031T101500Z"}, "event_time", "not a timestamp"),
        (validate_event, {**EVENT, "event_time": "2026-10-31T10:15:00"}, "event_time", "not a timestamp"),
        (
            validate_event,
            {**EVENT, "server_upload_time": "2026-02-30 10:00:00"},
            "server_upload_time",
            "not a timestamp",
        ),
        (validate_event, {**EVENT, "amplitude_id": 2**64}, "amplitude_id", "outside the 64-bit integers"),
        (validate_event, {**EVENT, "event_properties": None}, "event_properties", "is null, expected an object"),
        (
            validate_event,
            {**EVENT, "user_properties": {"email": ["a@b.c"]}},
            "user_properties.email",
            "is an array, expected a string",
        ),
        (validate_ticket, {**TICKET, "requester_id": "12"}, "requester_id", "expected an integer"),
        (validate_ticket, {**TICKET, "status": "escalated"}, "status", "not one of new, open"),
        (validate_ticket, {**TICKET, "updated_at": "2026-08-03 10:00:00"}, "updated_at", "not a timestamp"),
        (
            validate_ticket,
            {**TICKET, "metric_set": {"reply_time_in_minutes": {"calendar": "5"}}},
            "metric_set.reply_time_in_minutes.calendar",
            "expected a number",
        ),
        (validate_response, {**RESPONSE, "submitted_at": 1785801600}, "submitted_at", "expected a timestamp"),
        (validate_response, {**RESPONSE, "calculated": {"score": "high"}}, "calculated.score", "expected a number"),
        (validate_form, {"id": "f1", "fields": {"nps": 1}}, "fields", "expected an array"),
    ],
)
def test_values_the_warehouse_cannot_cast_are_refused_naming_the_field(
    validate: Any, record: dict, field: str, reason: str
) -> None:
    assert validate({**record}) is not None
    problem, named = validate(record)
    assert named == field and reason in problem


def test_well_formed_records_of_every_stream_pass() -> None:
    assert validate_event(EVENT) is None
    assert validate_ticket(TICKET) is None
    assert validate_response(RESPONSE) is None
    assert validate_form(h.make_forms(["f1"])["f1"]) is None
    assert validate_event({**EVENT, "brand_new_field": {"x": 1}, "user_id": None}) is None  # drift passes


# ------------------------------------------------------------------------------------------------
# end to end: landing, then the staging build


def _warehouse_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, config_dir=PACKAGE_CONFIG_DIR)


@pytest.mark.slow
def test_mistyped_session_id_and_compact_event_time_are_quarantined_and_staging_builds(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.05")
    events = h.make_events(300)
    in_day = [i for i, e in enumerate(events) if A.strftime("%Y-%m-%d") == e["server_upload_time"][:10]]
    mistyped, compact = events[in_day[0]], events[in_day[1]]
    mistyped["session_id"] = "abc"
    compact["event_time"] = "20261031T101500Z"
    with h.running(h.make_world(events)) as sim:
        settings = h.settings_for(home, sim)
        result = extract_interval("amplitude", A, B, settings)
    rows = [
        json.loads(line)
        for path in sorted((home / "raw/_quarantine/amplitude").rglob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert sorted((r["field"], json.loads(r["payload"])["uuid"]) for r in rows) == sorted(
        [("session_id", mistyped["uuid"]), ("event_time", compact["uuid"])]
    )
    for row in rows:
        assert row["source_file"].startswith("GET /api/2/export?start=20260802T22&end=20260803T23 entry 187520/")
        assert isinstance(row["line"], int) and row["line"] >= 1
    assert result.records_quarantined == 2
    assert result.records_landed == sum(1 for e in events if e["server_upload_time"][:10] == "2026-08-03") - 2
    assert result.quarantined_by_field == {"session_id": 1, "event_time": 1}

    warehouse = _warehouse_settings(settings)
    load_raw_zone(warehouse)
    assert dbt_build_layer("staging", warehouse).ok  # as the warehouse DAG builds it
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        count, sessions = con.execute(
            "select count(*), count(session_id) from staging.stg_amplitude__events"
        ).fetchone()
    assert count == sessions == result.records_landed


def _insert_bad_rows(settings: Settings, target: str) -> None:
    """Raw rows the landing would have refused, written straight into the raw tables."""
    bad_event = {**EVENT, "session_id": "abc", "event_time": "20261031T101500Z", "amplitude_id": "1e99"}
    bad_ticket = {
        **TICKET,
        "id": 7,
        "created_at": "yesterday",
        "requester_id": "x",
        "metric_set": {"replies": "x", "reply_time_in_minutes": {"calendar": "soon"}},
    }
    bad_response = {
        **RESPONSE,
        "landed_at": "20261031T101500Z",
        "calculated": {"score": "high"},
        "answers": [
            {"field": {"id": "q", "type": "number"}, "type": "number", "number": "ten"},
            {"field": {"id": "b", "type": "yes_no"}, "type": "boolean", "boolean": "maybe"},
        ],
    }
    raw = schema_name("raw", target)
    rows = [
        (
            f"insert into {raw}.amplitude_events (payload, dt, hour, _file, _line, _loaded_at) "
            f"values (%s, date '2026-08-03', 10, 'by-hand', 1, current_timestamp)",
            bad_event,
        ),
        (
            f"insert into {raw}.zendesk_tickets (payload, dt, _file, _line, _loaded_at) "
            f"values (%s, date '2026-08-03', 'by-hand', 1, current_timestamp)",
            bad_ticket,
        ),
        (
            f"insert into {raw}.typeform_responses (payload, dt, form_id, _file, _line, _loaded_at) "
            f"values (%s, date '2026-08-03', 'f1', 'by-hand', 1, current_timestamp)",
            bad_response,
        ),
    ]
    with connect(settings, target) as con:
        if target == "duckdb":
            for sql, payload in rows:
                con.execute(sql.replace("%s", "?"), [json.dumps(payload)])
        else:
            with con.cursor() as cur:
                for sql, payload in rows:
                    cur.execute(sql, [json.dumps(payload)])
            con.commit()


def _query(settings: Settings, target: str, sql: str) -> list[tuple[Any, ...]]:
    with connect(settings, target) as con:
        if target == "duckdb":
            return con.execute(sql).fetchall()
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    if request.param == "postgres":
        request.getfixturevalue("pg_prefix")
        monkeypatch.setenv("INSIGHTS_PG_DATABASE", os.environ.get("INSIGHTS_TEST_PG_DSN", "test").rsplit("/", 1)[-1])
    return request.param


@pytest.mark.slow
def test_staging_never_fails_on_a_value_written_into_the_raw_tables_by_hand(home: Path, target: str) -> None:
    """Defensive casts: an uncastable value is null in staging (try_cast on DuckDB, a guarded cast on
    Postgres), so the models reading it build instead of failing every night."""
    from insights.warehouse import load_raw

    settings = _warehouse_settings(h.settings_for(home))
    load_raw(settings, target)
    _insert_bad_rows(settings, target)
    run_dbt(
        ["run", "--select", "stg_amplitude__events stg_zendesk__tickets stg_typeform__responses stg_typeform__answers"],
        settings,
        target,
    )
    stg = schema_name("staging", target)
    assert _query(
        settings, target, f"select session_id, event_time, amplitude_id from {stg}.stg_amplitude__events"
    ) == [(None, None, None)]
    assert _query(
        settings,
        target,
        f"select ticket_id, created_at, requester_id, replies, "
        f"reply_time_calendar_minutes from {stg}.stg_zendesk__tickets",
    ) == [(7, None, None, None, None)]
    assert _query(settings, target, f"select landed_at, calculated_score from {stg}.stg_typeform__responses") == [
        (None, None)
    ]
    assert sorted(
        _query(settings, target, f"select answer_type, value_number, value_boolean from {stg}.stg_typeform__answers"),
        key=repr,
    ) == [("boolean", None, None), ("number", None, None)]
