"""PMs see governed marts only, and no personal data (issue 13, finding 7; docs/serving.md).

Personal data (an e-mail, a name, a phone number, a free-text sentence) is seeded into every
free-form field the three sources have, in a simulated world; the whole pipeline then runs to
publication (extraction through the simulator's APIs, load, dbt, hygiene audit, quality gate,
publication to the DuckDB snapshot and to Postgres). Every column of every relation the reader role
can read, and every column of every relation in the snapshot, is scanned for the seeds.

The scan can fail: with the governed flag forced onto an internal model (as a careless YAML change
would), the same scan finds the seeds.

Not seeded, on purpose (documented in docs/serving.md): Amplitude `event_type` (the hygiene findings
name event types, as metrics.md section 8 requires: they are the product's code, not user input) and
the NPS survey's hidden field `plan` (published as the NPS segment by metrics.md section 5).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
from psycopg2 import sql

from insights.pipeline import backfill, publish_marts
from insights.settings import Settings, load_settings
from insights.warehouse import dbt_paths
from insights_dev.simulator import World, WorldConfig, generate_world
from tests.publish.conftest import Serving, relation_rows
from tests.publish.conftest import World as PublishWorld

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

FIRST_DAY, LAST_DAY = date(2026, 8, 3), date(2026, 8, 6)
DOMAIN = "pii-probe.example"
NAME = "Pia Secretname"
PHONE = "+33 6 12 34 56 78"
SENTENCE = "My neighbour keeps a spare key under the mat"
# What the scan looks for (case-insensitive): any of these in any cell is a leak.
MARKERS = (DOMAIN, "secretname", "12 34 56 78", "spare key under the mat")
PLANNED_NEVER_FIRED = "ai_summary_generated"  # planned in the tracking plan; the simulator never sends it


def email(field: str) -> str:
    """A distinctive address naming the field it was seeded into, so a hit says where it came from."""
    return f"pia.secretname+{field}@{DOMAIN}"


def text(field: str) -> str:
    return f"{SENTENCE}; call {NAME} on {PHONE} or write to {email(field)}"


# --------------------------------------------------------------------------------------------------
# seeding


def seed_amplitude(world: World) -> int:
    seeded = world.events[::7]
    for event in seeded:
        event["event_properties"] = {**(event.get("event_properties") or {}), "email": email("amp_event_property"),
                                     "full_name": NAME, "phone": PHONE, "note": text("amp_event_property")}
        event["user_properties"] = {**(event.get("user_properties") or {}), "name": NAME, "phone": PHONE,
                                    "bio": text("amp_user_property"), "contact": email("amp_user_property")}
        event["city"] = NAME
        event["data"] = {"note": text("amp_data")}
        event["groups"] = {"company": email("amp_groups")}
        if event["event_type"] == "signed_up":  # a planned property with an allowed list: not_allowed
            event["event_properties"]["method"] = email("amp_planned_property")
    template = next(e for e in world.events if e.get("user_id"))
    for n in range(5):  # events a user sends with personal data in every identifier
        event = copy.deepcopy(template)
        event.update({
            "event_type": PLANNED_NEVER_FIRED,
            "uuid": str(uuid.uuid4()),
            "$insert_id": f"{email('amp_insert_id')}-{n}",
            "user_id": email("amp_user_id"),
            "device_id": f"{NAME} phone {PHONE}",
            "event_properties": {"words": text("amp_planned_property")},  # an integer in the plan: wrong_type
            "user_properties": {"email": email("amp_user_email"), "name": NAME},
        })
        world.events.append(event)
    return len(seeded) + 5


def seed_zendesk(world: World) -> int:
    seeded = world.ticket_versions[::3]
    for ticket in seeded:
        ticket["subject"] = ticket["raw_subject"] = f"{NAME}: {text('zd_subject')}"
        ticket["description"] = text("zd_description")
        ticket["tags"] = [*ticket.get("tags", []), "secretname_pia"]
        ticket["via"] = {"channel": "email", "source": {"from": {"name": NAME, "address": email("zd_via")},
                                                        "to": {}, "rel": None}}
        ticket["custom_fields"] = [*ticket.get("custom_fields", []), {"id": 360009999, "value": text("zd_custom")}]
        ticket["comments"] = [{"body": text("zd_comment"), "author": {"name": NAME, "email": email("zd_comment")}}]
        ticket["requester"] = {"name": NAME, "email": email("zd_requester"), "phone": PHONE}
        rating = ticket.get("satisfaction_rating") or {}
        if rating.get("score") in ("good", "bad"):
            rating["comment"] = text("zd_satisfaction_comment")
    return len(seeded)


def seed_typeform(world: World) -> int:
    seeded = 0
    for form_id, form in world.forms.items():
        barometer = "pm_email" in form.get("hidden", [])
        form["hidden"] = [*form.get("hidden", []), "contact_name"]
        extra = [
            {"id": "pii_email", "ref": "contact_email", "type": "email", "title": "Your e-mail?"},
            {"id": "pii_phone", "ref": "contact_phone", "type": "phone_number", "title": "Your phone?"},
            {"id": "pii_name", "ref": "contact_name", "type": "short_text", "title": "Your name?"},
        ]
        form["fields"] = [*form["fields"], *extra]
        responses = world.responses[form_id][::2]
        seeded += len(responses)
        for n, response in enumerate(responses):
            hidden = response.setdefault("hidden", {})
            hidden["contact_name"] = NAME
            if barometer:
                hidden["pm_email"] = email("tf_hidden_pm_email")
                if n % 2 == 0:
                    hidden["edition"] = text("tf_hidden_edition")  # an edited survey link, every other one
            else:
                hidden["user_id"] = email("tf_hidden_user_id")
            response["metadata"] = {**response.get("metadata", {}),
                                    "referer": f"https://acme.typeform.com/to/{form_id}?email={email('tf_referer')}",
                                    "user_agent": f"Mozilla/5.0 ({NAME})"}
            for answer in response["answers"]:
                if answer["type"] == "text":  # long_text and short_text answers: free text
                    answer["text"] = text("tf_text_answer")
                elif answer["type"] == "choice":
                    answer["choice"] = {"other": text("tf_choice_other")}
            response["answers"] += [
                {"field": {"id": "pii_email", "type": "email", "ref": "contact_email"}, "type": "email",
                 "email": email("tf_email_answer")},
                {"field": {"id": "pii_phone", "type": "phone_number", "ref": "contact_phone"},
                 "type": "phone_number", "phone_number": PHONE},
                {"field": {"id": "pii_name", "type": "short_text", "ref": "contact_name"}, "type": "text",
                 "text": NAME},
            ]
    return seeded


# --------------------------------------------------------------------------------------------------
# scanning


@dataclass(frozen=True)
class Leak:
    relation: str
    column: str
    value: str

    def __str__(self) -> str:
        return f"{self.relation}.{self.column}: {self.value[:120]!r}"


def _leaks_in_rows(relation: str, columns: list[str], rows: list[tuple[Any, ...]]) -> list[Leak]:
    leaks = []
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            rendered = json.dumps(value, default=str, ensure_ascii=False) if value is not None else ""
            if any(marker in rendered.lower() for marker in MARKERS):
                leaks.append(Leak(relation, column, rendered))
    return leaks


def scan_postgres(reader_dsn: str) -> tuple[set[str], list[Leak]]:
    """Every relation the reader role can SELECT (outside the system catalogs), every column, every row."""
    con = psycopg2.connect(reader_dsn)
    con.autocommit = True
    relations: set[str] = set()
    leaks: list[Leak] = []
    try:
        with con.cursor() as cur:
            cur.execute(
                "select n.nspname, c.relname from pg_catalog.pg_class as c "
                "join pg_catalog.pg_namespace as n on n.oid = c.relnamespace "
                "where c.relkind in ('r', 'p', 'v', 'm', 'f') "
                "and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%%' "
                "and has_table_privilege(c.oid, 'SELECT') order by 1, 2"
            )
            for schema, name in cur.fetchall():
                relation = f"{schema}.{name}"
                relations.add(relation)
                cur.execute(sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(name)))
                columns = [d.name for d in cur.description]
                leaks += _leaks_in_rows(relation, columns, cur.fetchall())
    finally:
        con.close()
    return relations, leaks


def scan_snapshot(path: Path) -> tuple[set[str], list[Leak]]:
    """Every table and view of the published DuckDB file, every column, every row."""
    relations: set[str] = set()
    leaks: list[Leak] = []
    for relation, columns, rows in relation_rows(path):
        relations.add(relation)
        leaks += _leaks_in_rows(relation, columns, rows)
    return relations, leaks


def scan_warehouse(path: Path, relation: str) -> list[Leak]:
    with duckdb.connect(str(path), read_only=True) as con:
        result = con.execute(f"select * from {relation}")
        return _leaks_in_rows(relation, [d[0] for d in result.description], result.fetchall())


# --------------------------------------------------------------------------------------------------


@dataclass
class Published:
    settings: Settings
    serving: Serving
    seeded: dict[str, int]


@pytest.fixture
def published(world: PublishWorld, serving: Serving, monkeypatch: pytest.MonkeyPatch) -> Iterator[Published]:
    """The seeded world, backfilled and published by the pipeline to the test's serving schema and role."""
    simulated = generate_world(WorldConfig(users=40, days=(LAST_DAY - FIRST_DAY).days + 1, start=FIRST_DAY))
    seeded = {"amplitude": seed_amplitude(simulated), "zendesk": seed_zendesk(simulated),
              "typeform": seed_typeform(simulated)}
    settings = load_settings()
    result = backfill(FIRST_DAY, LAST_DAY, settings, world=simulated)
    assert result.publication is not None and result.publication.postgres is not None
    yield Published(settings, serving, seeded)


def test_pm_reader_and_the_snapshot_hold_no_seeded_personal_data(published: Published) -> None:
    settings, serving = published.settings, published.serving
    assert all(published.seeded.values()), published.seeded
    # Positive control: the seeds reached the warehouse, through every source.
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for table in ("amplitude_events", "zendesk_tickets", "typeform_responses"):
            hits = con.execute(f"select count(*) from raw.{table} where lower(payload::varchar) like ?",
                               [f"%{DOMAIN}%"]).fetchone()[0]
            assert hits > 0, f"raw.{table}: no seeded record reached the warehouse"
        violations = con.execute(
            "select count(*) from audit.tracking_plan_property_violations where event_type = ?",
            [PLANNED_NEVER_FIRED]).fetchone()[0]
        assert violations, "the seeded property values were not audited: the hygiene tables prove nothing"

    readable, pg_leaks = scan_postgres(serving.reader_dsn())
    snapshot_relations, snapshot_leaks = scan_snapshot(settings.published_snapshot)

    # The reader reads exactly the governed models (plus the publication metadata), nothing internal.
    governed = {name for schema, name in (r.split(".") for r in snapshot_relations) if schema == serving.schema}
    assert readable == {f"{serving.schema}.{name}" for name in governed}
    assert "tracking_plan_property_violations" in governed and "metrics_barometer_pain_points" in governed
    assert not any(name.startswith("int_") for name in governed)
    assert not pg_leaks, "personal data readable by the PM role:\n" + "\n".join(map(str, pg_leaks[:20]))
    assert not snapshot_leaks, "personal data in the snapshot:\n" + "\n".join(map(str, snapshot_leaks[:20]))


def test_the_scan_finds_the_seeds_once_an_internal_model_is_declared_governed(published: Published) -> None:
    settings, serving = published.settings, published.serving
    internal = "int_audit__daily_property_checks"  # holds the example event's key: the client's insert_id
    assert scan_warehouse(settings.warehouse, f"audit.{internal}")  # it does hold the seeds
    manifest_path = dbt_paths(settings, "duckdb")[0] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    node = manifest["nodes"][f"model.insights.{internal}"]
    node["access"] = node["config"]["access"] = "public"  # a careless `access: public` in the audit YAML
    manifest_path.write_text(json.dumps(manifest))

    publish_marts(settings)  # the same build, still the one the gate passed

    readable, pg_leaks = scan_postgres(serving.reader_dsn())
    _, snapshot_leaks = scan_snapshot(settings.published_snapshot)
    assert f"{serving.schema}.{internal}" in readable
    assert {leak.relation for leak in pg_leaks} == {f"{serving.schema}.{internal}"}
    assert {leak.column for leak in pg_leaks} == {"example_event_key"}
    assert any(email("amp_insert_id") in leak.value for leak in pg_leaks)
    assert {leak.relation for leak in snapshot_leaks} == {f"audit.{internal}", f"{serving.schema}.{internal}"}
