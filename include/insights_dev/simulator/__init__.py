"""Local simulator of the three SaaS APIs (Amplitude, Zendesk, Typeform) and its synthetic world.

Contract: docs/contracts.md ("Simulator") and the shared spec sources.md.

    world = generate_world(WorldConfig(users=50, days=5))      # or load_replay(folder)
    with SimulatorServer(world, now=default_clock_for(world)) as sim:
        sim.base_url("zendesk"), sim.credentials("zendesk")
"""

from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.generate import generate_world
from insights_dev.simulator.limits import Limits
from insights_dev.simulator.protocol import Faults, SimRequest, SimResponse
from insights_dev.simulator.replay import ReplayError, export_world, load_replay
from insights_dev.simulator.server import SOURCES, SimulatorServer, serve_forever
from insights_dev.simulator.world import World, default_clock_for

__all__ = [
    "SOURCES",
    "Faults",
    "Limits",
    "ReplayError",
    "SimRequest",
    "SimResponse",
    "SimulatorServer",
    "World",
    "WorldConfig",
    "default_clock_for",
    "export_world",
    "generate_world",
    "load_replay",
    "serve_forever",
]
