"""The live world: anchored on today, served on a moving clock; a client hanging up is no error."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

from insights_dev.bundled_simulator import live_world_config_from_env
from insights_dev.simulator import SimulatorServer, WorldConfig, generate_world
from insights_dev.simulator.live import live_world_config

from .helpers import FAST_LIMITS, make_event, make_world, session_for, utc


def test_live_world_puts_the_history_behind_today_and_generates_days_ahead():
    config = live_world_config(WorldConfig(users=10), date(2026, 12, 5), history_days=14, lookahead_days=7)
    assert config.start == date(2026, 11, 21)
    assert config.start + timedelta(days=config.days - 1) == date(2026, 12, 12)
    assert config.users == 10


def test_live_world_history_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("INSIGHTS_SIM_HISTORY_DAYS", "3")
    monkeypatch.setenv("INSIGHTS_SIM_LOOKAHEAD_DAYS", "1")
    config = live_world_config_from_env(date(2026, 12, 5))
    assert (config.start, config.days) == (date(2026, 12, 2), 5)
    assert live_world_config_from_env(date(2026, 12, 5), history_days=10).start == date(2026, 11, 25)


@pytest.mark.parametrize("history, lookahead", [(0, 7), (14, -1)])
def test_live_world_rejects_an_empty_history_or_negative_lookahead(history, lookahead):
    with pytest.raises(ValueError):
        live_world_config(WorldConfig(), date(2026, 12, 5), history, lookahead)


def test_an_injected_clock_moves_and_data_arrives_with_it():
    """The vendors' clock is the injected one: an upload hour appears 2 h after it ends, as in life."""
    moments = [utc(2026, 8, 5, 11, 0)]
    world = make_world([make_event("a", utc(2026, 8, 5, 9, 10), utc(2026, 8, 5, 9, 10))])
    with SimulatorServer(world, clock=lambda: moments[0], limits=FAST_LIMITS) as sim:
        session = session_for(sim, "amplitude")
        url = sim.base_url("amplitude") + "/api/2/export"
        params = {"start": "20260805T09", "end": "20260805T09"}
        assert session.get(url, params=params).status_code == 404  # 11:00: uploaded 9:10, not yet served
        moments[0] = utc(2026, 8, 5, 11, 15)
        assert session.get(url, params=params).status_code == 200
        meta = session.get(f"http://127.0.0.1:{sim.port}/_sim/meta").json()
        assert meta["now"] == "2026-08-05T11:15:00+00:00"


def test_a_pinned_clock_and_an_injected_one_are_exclusive():
    with pytest.raises(ValueError):
        SimulatorServer(make_world([]), now=utc(2026, 8, 5), clock=lambda: utc(2026, 8, 5))


def test_the_live_generated_world_serves_yesterday_completely_and_today_partly():
    today = date(2026, 8, 10)
    world = generate_world(live_world_config(WorldConfig(users=10, seed=3), today, history_days=2, lookahead_days=1))
    assert (world.first_day, world.last_day) == (date(2026, 8, 8), date(2026, 8, 11))
    now = utc(2026, 8, 10, 12)
    with SimulatorServer(world, clock=lambda: now, limits=FAST_LIMITS) as sim:
        session = session_for(sim, "amplitude")
        url = sim.base_url("amplitude") + "/api/2/export"
        tomorrow = session.get(url, params={"start": "20260811T00", "end": "20260811T23"})
        assert tomorrow.status_code == 404  # generated, but its hour has not come on the vendor clock
        yesterday = session.get(url, params={"start": "20260809T00", "end": "20260809T23"})
        assert yesterday.status_code == 200


def _hang_up_mid_request(port: int) -> None:
    """A client that sends half a request and resets the connection (RST, not FIN)."""
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET /_sim/me")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


_SERVE = """
import sys, time
from http.server import ThreadingHTTPServer
from insights_dev.simulator import server as module
from insights_dev.simulator.world import World
from datetime import date
if sys.argv[1] == "plain":  # the fault: the standard library's default error handler
    module._QuietHTTPServer = ThreadingHTTPServer
world = World(date(2026, 8, 3), date(2026, 8, 3), [], [], {}, {})
with module.SimulatorServer(world) as sim:
    print(sim.port, flush=True)
    time.sleep(3)
"""


@pytest.mark.parametrize("server_class, traceback_expected", [("quiet", False), ("plain", True)])
def test_a_client_hanging_up_prints_no_traceback(server_class, traceback_expected):
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, server_class], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    port = int(process.stdout.readline())
    _hang_up_mid_request(port)
    time.sleep(0.5)
    _, stderr = process.communicate(timeout=30)
    assert ("Traceback" in stderr) is traceback_expected, stderr
