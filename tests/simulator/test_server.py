"""The simulator server itself: meta endpoint, clock, request log, fault hook, foreground mode."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests

from insights.sources import availability_delay
from insights.sources.amplitude.client import is_final
from insights_dev.simulator import Faults, SimRequest, SimResponse, SimulatorServer, default_clock_for

from .helpers import make_event, make_world, session_for, utc


def test_meta_reports_the_world_days_and_the_clock(serve):
    server = serve(make_world(), utc(2026, 8, 10, 6))

    meta = requests.get(f"http://127.0.0.1:{server.port}/_sim/meta").json()

    assert meta == {"first_day": "2026-08-03", "last_day": "2026-08-09", "now": "2026-08-10T06:00:00+00:00"}
    server.set_now(utc(2026, 8, 11))
    assert requests.get(f"http://127.0.0.1:{server.port}/_sim/meta").json()["now"] == "2026-08-11T00:00:00+00:00"


def test_without_a_pinned_clock_the_server_follows_real_time():
    with SimulatorServer(make_world()) as server:
        before = datetime.now(UTC)
        now = datetime.fromisoformat(requests.get(f"http://127.0.0.1:{server.port}/_sim/meta").json()["now"])
        assert before <= now <= datetime.now(UTC)


def test_default_clock_is_past_every_sources_availability_delay():
    """The bundled/replay clock: everything up to the end of the last day is served, whatever the
    source's delay (Amplitude's last upload hour 23:00-24:00 included)."""
    world = make_world()
    clock = default_clock_for(world)
    end = datetime(2026, 8, 10, tzinfo=UTC)  # the end of the last day
    assert is_final(end - timedelta(hours=1), clock)
    for source in ("amplitude", "typeform", "zendesk"):
        assert end + availability_delay(source) <= clock
    assert clock - end <= timedelta(hours=3)  # and not much later (ticket versions move on with the clock)


def test_date_header_is_the_simulated_clock(serve):
    """Clients judge availability on the vendor's Date header: the simulator's must be its own clock."""
    server = serve(make_world(), utc(2026, 8, 10, 2, 30))
    for path in ("/_sim/meta", "/zendesk/nothing", "/typeform/forms"):
        response = requests.get(f"http://127.0.0.1:{server.port}{path}")
        assert parsedate_to_datetime(response.headers["Date"]) == datetime(2026, 8, 10, 2, 30, tzinfo=UTC)


def test_base_urls_and_credentials_match_the_contract(serve):
    server = serve(make_world(), utc(2026, 8, 10))

    for source in ("amplitude", "zendesk", "typeform"):
        assert server.base_url(source) == f"http://127.0.0.1:{server.port}/{source}"
    assert server.credentials("amplitude") == {"api_key": "sim-api-key", "secret_key": "sim-secret-key"}
    assert server.credentials("zendesk") == {"email": "sim@example.com", "api_token": "sim-token"}
    assert server.credentials("typeform") == {"token": "sim-token"}


def test_request_log_records_method_target_and_status(serve):
    server = serve(make_world(), utc(2026, 8, 10))
    session = session_for(server, "typeform")

    session.get(server.base_url("typeform") + "/forms?page_size=5")
    session.get(server.base_url("typeform") + "/forms/missing")
    requests.get(f"http://127.0.0.1:{server.port}/elsewhere")

    assert server.request_log == [
        ("GET", "/typeform/forms?page_size=5", 200),
        ("GET", "/typeform/forms/missing", 404),
        ("GET", "/elsewhere", 404),
    ]


def test_concurrent_clients_are_served(serve):
    events = [make_event(f"e{i}", utc(2026, 8, 3, i), utc(2026, 8, 3, i)) for i in range(10)]
    server = serve(make_world(events), utc(2026, 8, 10))

    def fetch(hour: int) -> int:
        with session_for(server, "amplitude") as session:
            url = server.base_url("amplitude") + "/api/2/export"
            return session.get(url, params={"start": f"20260803T{hour:02d}", "end": f"20260803T{hour:02d}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(fetch, range(16))) == [200] * 10 + [404] * 6


class FailFirstRequests(Faults):
    """Answers 503 to the first `n` requests of a source, then lets them through."""

    def __init__(self, source: str, n: int) -> None:
        self.source, self.remaining = source, n

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if source == self.source and self.remaining > 0:
            self.remaining -= 1
            return SimResponse(503, [("Retry-After", "0")], b"try again")
        return None


def test_the_fault_hook_can_answer_instead_of_the_vendor_api():
    world = make_world([make_event("a", utc(2026, 8, 3, 1), utc(2026, 8, 3, 1))])
    with SimulatorServer(world, now=utc(2026, 8, 10), faults=FailFirstRequests("amplitude", 2)) as server:
        session = session_for(server, "amplitude")
        url = server.base_url("amplitude") + "/api/2/export?start=20260803T00&end=20260803T23"
        statuses = [session.get(url).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_a_simulator_bug_becomes_a_500_not_a_dropped_connection():
    class Broken(Faults):
        def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
            raise RuntimeError("boom")

    with SimulatorServer(make_world(), now=utc(2026, 8, 10), faults=Broken()) as server:
        response = session_for(server, "typeform").get(server.base_url("typeform") + "/forms")

    assert response.status_code == 500
    assert "boom" in response.json()["description"]


FOREGROUND = """
from datetime import date
from insights_dev.simulator import World, serve_forever
world = World(date(2026, 8, 3), date(2026, 8, 9), [], [], {}, {})
serve_forever(world, port=0, announce=lambda line: print(line, flush=True))
print("stopped", flush=True)
"""


def test_foreground_mode_serves_until_sigterm():
    process = subprocess.Popen([sys.executable, "-c", FOREGROUND], stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(5)]
        meta_url = next(line.split()[1] for line in lines if line.strip().startswith("meta"))
        assert json.loads(requests.get(meta_url, timeout=5).text)["first_day"] == date(2026, 8, 3).isoformat()
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "stopped" in out
