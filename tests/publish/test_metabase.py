"""The Metabase wiring script, against a local stand-in of the Metabase endpoints it calls.

Metabase itself does not run here (no Docker engine, no JVM): the stand-in enforces what the real
API requires of these calls (setup token, session header, credentials) so the script's protocol
and its idempotency are exercised for real over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from insights.bi.definitions import Dashboard, ResolvedDataset, load_dashboards, render_dataset_sql
from insights.bi.serving_schema import ServingSchema
from insights.serving.metabase import COLLECTION_NAME, DATA_SOURCE_NAME, MetabaseError, data_source, wire
from tests.bi.test_definitions import create_marts

TOKEN = "setup-token-123"


class FakeMetabase:
    def __init__(self) -> None:
        self.admin: tuple[str, str] | None = None
        self.sessions: set[str] = set()
        self.databases: dict[int, dict] = {}
        self.objects: dict[str, dict[int, dict]] = {"collection": {}, "card": {}, "dashboard": {}}
        self.health_calls = 0
        self.calls: list[str] = []


def handler_for(state: FakeMetabase) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> dict:
            return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

        def authorized(self) -> bool:
            return self.headers.get("X-Metabase-Session") in state.sessions

        def do_GET(self) -> None:
            state.calls.append(f"GET {self.path}")
            if self.path == "/api/health":
                state.health_calls += 1  # the first answer: still starting
                return self.reply(200, {"status": "ok" if state.health_calls > 1 else "initializing"})
            if self.path == "/api/session/properties":
                return self.reply(200, {"setup-token": None if state.admin else TOKEN,
                                        "has-user-setup": state.admin is not None})
            if self.path == "/api/database":
                if not self.authorized():
                    return self.reply(401, "Unauthenticated")
                databases = list(state.databases.values())
                return self.reply(200, {"data": databases, "total": len(databases)})
            kind = self.path.removeprefix("/api/")
            if kind in state.objects:
                if not self.authorized():
                    return self.reply(401, "Unauthenticated")
                return self.reply(200, list(state.objects[kind].values()))
            return self.reply(404, "Not found")

        def do_POST(self) -> None:
            state.calls.append(f"POST {self.path}")
            body = self.body()
            if self.path == "/api/setup":
                if state.admin or body.get("token") != TOKEN:
                    return self.reply(403, {"errors": {"token": "Token does not match the setup token."}})
                state.admin = (body["user"]["email"], body["user"]["password"])
                state.sessions.add("session-1")
                return self.reply(200, {"id": "session-1"})
            if self.path == "/api/session":
                if (body.get("username"), body.get("password")) != state.admin:
                    return self.reply(401, {"errors": {"password": "did not match stored password"}})
                state.sessions.add("session-2")
                return self.reply(200, {"id": "session-2"})
            if self.path == "/api/database":
                if not self.authorized():
                    return self.reply(401, "Unauthenticated")
                new_id = len(state.databases) + 1
                state.databases[new_id] = {**body, "id": new_id}
                return self.reply(200, state.databases[new_id])
            kind = self.path.removeprefix("/api/")
            if kind in state.objects:
                if not self.authorized():
                    return self.reply(401, "Unauthenticated")
                if kind == "card" and body["dataset_query"]["database"] not in state.databases:
                    return self.reply(400, {"errors": {"database": "no such database"}})
                new_id = len(state.objects[kind]) + 1
                state.objects[kind][new_id] = {**body, "id": new_id}
                return self.reply(200, state.objects[kind][new_id])
            return self.reply(404, "Not found")

        def do_PUT(self) -> None:
            state.calls.append(f"PUT {self.path}")
            kind, _, number = self.path.removeprefix("/api/").partition("/")
            if kind in ("card", "dashboard"):
                if not self.authorized() or int(number) not in state.objects[kind]:
                    return self.reply(401 if not self.authorized() else 404, "refused")
                state.objects[kind][int(number)] = {**state.objects[kind][int(number)], **self.body()}
                return self.reply(200, state.objects[kind][int(number)])
            database_id = int(self.path.rsplit("/", 1)[1])
            if not self.authorized() or database_id not in state.databases:
                return self.reply(401 if not self.authorized() else 404, "refused")
            state.databases[database_id] = {**self.body(), "id": database_id}
            return self.reply(200, state.databases[database_id])

    return Handler


@pytest.fixture
def metabase() -> Iterator[tuple[str, FakeMetabase]]:
    state = FakeMetabase()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def unpublished(dashboard: Dashboard) -> dict[str, ResolvedDataset]:
    """Datasets as they bind before any publication: no completeness column known."""
    return {d.name: ResolvedDataset(d.name, render_dataset_sql(d, "analytics", lambda _: ()), d.table, ())
            for d in dashboard.datasets.values()}


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {
        "METABASE_URL": url,
        "METABASE_ADMIN_EMAIL": "admin@insights.example",
        "METABASE_ADMIN_PASSWORD": "a-long-admin-passphrase",
        "INSIGHTS_SERVING_DSN": "postgresql://postgres:admin-secret@serving-db:5432/insights",
        "INSIGHTS_PM_READER_PASSWORD": "reader-pass-1",
        **extra,
    }


def test_data_source_connects_as_the_reader_role_to_the_serving_schema_only() -> None:
    env = env_for("http://mb", INSIGHTS_SERVING_SCHEMA="kpis", INSIGHTS_PM_READER_ROLE="bi_reader")
    source = data_source(env)
    details = source["details"]
    assert source["engine"] == "postgres"
    assert (details["host"], details["port"], details["dbname"]) == ("serving-db", 5432, "insights")
    assert (details["user"], details["password"]) == ("bi_reader", "reader-pass-1")
    assert details["schema-filters-type"] == "inclusion" and details["schema-filters-patterns"] == "kpis"
    assert "admin-secret" not in json.dumps(source)  # the publisher's credentials never reach the BI tool


def test_data_source_needs_the_reader_password() -> None:
    env = env_for("http://mb")
    del env["INSIGHTS_PM_READER_PASSWORD"]
    with pytest.raises(MetabaseError, match="INSIGHTS_PM_READER_PASSWORD is unset"):
        data_source(env)


def test_first_run_sets_up_metabase_and_later_runs_update_it(metabase: tuple[str, FakeMetabase]) -> None:
    url, state = metabase
    first = wire(env_for(url), wait_seconds=10, resolve=unpublished)
    assert state.admin == ("admin@insights.example", "a-long-admin-passphrase")
    assert "POST /api/setup" in state.calls and state.health_calls >= 2

    second = wire(env_for(url, INSIGHTS_PM_READER_PASSWORD="rotated-pass-2"), wait_seconds=10, resolve=unpublished)
    assert first == second == 1
    assert list(state.databases) == [1]  # updated, not duplicated
    assert state.databases[1]["name"] == DATA_SOURCE_NAME
    assert state.databases[1]["details"]["password"] == "rotated-pass-2"
    assert state.calls.count("POST /api/setup") == 1 and "POST /api/session" in state.calls


def test_a_wrong_admin_password_is_reported(metabase: tuple[str, FakeMetabase]) -> None:
    url, _ = metabase
    wire(env_for(url), wait_seconds=10, resolve=unpublished)
    with pytest.raises(MetabaseError, match=r"POST /api/session: HTTP 401"):
        wire(env_for(url, METABASE_ADMIN_PASSWORD="not-the-password"), wait_seconds=10, resolve=unpublished)


def test_dashboards_are_provisioned_from_the_definitions_once(metabase: tuple[str, FakeMetabase]) -> None:
    url, state = metabase
    wire(env_for(url), wait_seconds=10, resolve=unpublished)
    wire(env_for(url), wait_seconds=10, resolve=unpublished)  # idempotent: updated in place
    definitions = load_dashboards()
    collections = list(state.objects["collection"].values())
    assert [c["name"] for c in collections] == [COLLECTION_NAME]
    dashboards = {d["name"]: d for d in state.objects["dashboard"].values()}
    assert set(dashboards) == {d.title for d in definitions}
    cards = state.objects["card"]
    assert len(cards) == sum(len(d.charts) for d in definitions)  # one question per chart, not duplicated
    for definition in definitions:
        dashcards = dashboards[definition.title]["dashcards"]
        assert [cards[c["card_id"]]["name"] for c in dashcards] == [c.title for c in definition.charts]
        assert all(c["col"] + c["size_x"] <= 24 for c in dashcards)
    for card in cards.values():
        assert card["collection_id"] == collections[0]["id"] and card["dataset_query"]["database"] == 1
        assert card["dataset_query"]["type"] == "native" and "analytics." in card["dataset_query"]["native"]["query"]


@pytest.mark.postgres
def test_questions_mark_incomplete_periods_and_run_as_written(
    metabase: tuple[str, FakeMetabase], postgres_dsn: str
) -> None:
    """Bound to a serving schema whose marts carry is_complete, every question's SQL runs there and the
    daily trends show the incomplete day as its own series."""
    import uuid

    import psycopg2
    from psycopg2 import sql

    url, state = metabase
    schema = f"mb_{uuid.uuid4().hex[:8]}"
    con = psycopg2.connect(postgres_dsn)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
    try:
        create_marts(postgres_dsn, schema, with_completeness=True)
        serving = ServingSchema(postgres_dsn, schema)
        wire(env_for(url), wait_seconds=10,
             resolve=lambda d: {n: ds for n, (ds, _) in serving.resolve(d).items()})
        cards = {c["name"]: c for c in state.objects["card"].values()}
        trend = cards["Active users per day (DAU, WAU, MAU)"]
        assert "DAU (incomplete)" in trend["visualization_settings"]["graph.metrics"]
        assert "not is_complete" in trend["dataset_query"]["native"]["query"]
        with con.cursor() as cur:
            for card in cards.values():
                cur.execute(card["dataset_query"]["native"]["query"])
    finally:
        with con.cursor() as cur:
            cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(schema)))
        con.close()
