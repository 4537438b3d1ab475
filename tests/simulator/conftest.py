"""Fixtures of the simulator's contract tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from insights_dev.simulator import Limits, SimulatorServer, World

from .helpers import FAST_LIMITS


@pytest.fixture
def serve() -> Iterator[Callable[..., SimulatorServer]]:
    """serve(world, now, limits=FAST_LIMITS) -> a started SimulatorServer, stopped after the test."""
    started: list[SimulatorServer] = []

    def _serve(world: World, now: datetime, limits: Limits = FAST_LIMITS) -> SimulatorServer:
        server = SimulatorServer(world, now=now, limits=limits).start()
        started.append(server)
        return server

    yield _serve
    for server in started:
        server.stop()
