"""Fixtures of the real-scheduler test: a movable clock shared by the stack's processes and its
metadata database, a webhook receiver, and the simulator serving in this process on that clock."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2
import pytest

PG_DSN = os.environ.get("INSIGHTS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
HOOK_DIR = Path(__file__).resolve().parent / "clockhook"

_CLOCK_SQL = """
drop schema if exists scheduler_meta cascade;
drop schema if exists testclock cascade;
create schema scheduler_meta;
create schema testclock;
create table testclock.shift (seconds double precision not null);
insert into testclock.shift values (0);
create function testclock.now() returns timestamptz language sql stable as
$$ select pg_catalog.now() + make_interval(secs => (select s.seconds from testclock.shift as s)) $$;
"""


class MovableClock:
    """now = the real clock + a shift, in the stack's processes (tests/scheduler/clockhook), in their
    metadata database (testclock.now()) and in this process (the simulator's injected clock)."""

    def __init__(self, path: Path, dsn: str) -> None:
        self.path, self.dsn, self.shift = path, dsn, 0.0

    def set(self, moment: datetime) -> None:
        self.shift = moment.timestamp() - time.time()
        with psycopg2.connect(self.dsn) as con, con.cursor() as cur:
            cur.execute("update testclock.shift set seconds = %s", [self.shift])
        con.close()
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(repr(self.shift))
        os.replace(tmp, self.path)
        time.sleep(0.5)  # the processes' clock threads poll every 0.2 s

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.shift)


@pytest.fixture
def clock(tmp_path: Path) -> Iterator[MovableClock]:
    with psycopg2.connect(PG_DSN) as con, con.cursor() as cur:
        cur.execute(_CLOCK_SQL)
    con.close()
    yield MovableClock(tmp_path / "clock-shift", PG_DSN)
    with psycopg2.connect(PG_DSN) as con, con.cursor() as cur:
        cur.execute("drop schema if exists scheduler_meta cascade; drop schema if exists testclock cascade")
    con.close()


class WebhookReceiver:
    def __init__(self) -> None:
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.posts.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/scheduler-test-token"


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.server.shutdown()
