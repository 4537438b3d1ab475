"""Start the bundled simulator for the sources that have no live URL configured.

The pipeline commands (`insights demo`, `insights backfill`, an Airflow task without a
`INSIGHTS_*_URL`) call `source_endpoints()`: it serves the replay folder (when
`INSIGHTS_REPLAY_DIR` is set) or the generated world on a free loopback port for the
duration of the block, and yields settings pointing the simulated sources at it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from insights.settings import SOURCES, Settings, SourceEndpoint

if TYPE_CHECKING:
    from insights_dev.simulator import Limits, World, WorldConfig

log = logging.getLogger(__name__)

# The bundled simulator enforces the vendors' rate limits multiplied by this factor, so that a
# 90-day demo backfill takes minutes instead of the quarter of an hour Zendesk's 10 requests per
# minute would impose; set INSIGHTS_SIM_RATE_SCALE=1 for the vendors' exact limits.
DEFAULT_RATE_SCALE = 10.0


def world_config_from_env() -> WorldConfig:
    from insights_dev.simulator import WorldConfig

    defaults = WorldConfig()
    return dataclasses.replace(
        defaults,
        seed=int(os.environ.get("INSIGHTS_SIM_SEED", defaults.seed)),
        users=int(os.environ.get("INSIGHTS_SIM_USERS", defaults.users)),
        days=int(os.environ.get("INSIGHTS_SIM_DAYS", defaults.days)),
        start=date.fromisoformat(os.environ.get("INSIGHTS_SIM_START", defaults.start.isoformat())),
    )


def limits_from_env() -> Limits:
    from insights_dev.simulator import Limits

    scale = float(os.environ.get("INSIGHTS_SIM_RATE_SCALE", DEFAULT_RATE_SCALE))
    vendor = Limits()
    return dataclasses.replace(
        vendor,
        zendesk_requests_per_minute=max(1, round(vendor.zendesk_requests_per_minute * scale)),
        typeform_requests_per_second=vendor.typeform_requests_per_second * scale,
    )


def live_world_config_from_env(today: date, history_days: int | None = None) -> WorldConfig:
    """The live world's config: the environment's world (seed, users) anchored on `today`, with
    INSIGHTS_SIM_HISTORY_DAYS (default 14) days of history and INSIGHTS_SIM_LOOKAHEAD_DAYS (default 7)
    days generated ahead for the clock to reveal."""
    from insights_dev.simulator.live import DEFAULT_HISTORY_DAYS, DEFAULT_LOOKAHEAD_DAYS, live_world_config

    history = history_days or int(os.environ.get("INSIGHTS_SIM_HISTORY_DAYS", DEFAULT_HISTORY_DAYS))
    lookahead = int(os.environ.get("INSIGHTS_SIM_LOOKAHEAD_DAYS", DEFAULT_LOOKAHEAD_DAYS))
    return live_world_config(world_config_from_env(), today, history, lookahead)


def bundled_world(settings: Settings, config: WorldConfig | None = None) -> World:
    """The world the bundled simulator serves: the replay folder, else the generated world
    (`config`, by default the one the environment describes)."""
    import insights_dev.simulator as simulator_package
    from insights_dev.simulator import generate_world, load_replay

    if settings.replay_dir is not None:
        log.info("simulator: replaying %s", settings.replay_dir)
        return load_replay(settings.replay_dir)
    config = config or world_config_from_env()
    workspace = settings.workspace
    # The world is a pure function of its config and the workspace: cache it, so each Airflow task
    # that starts a simulator does not pay the generation again.
    digest = hashlib.sha256(repr((config, workspace)).encode())
    for source in sorted(Path(simulator_package.__file__).parent.glob("*.py")):  # generator changes
        digest.update(source.read_bytes())
    key = digest.hexdigest()[:16]
    cache = settings.home / "simulator" / f"world-{key}.pickle"
    if cache.is_file():
        with cache.open("rb") as handle:
            return pickle.load(handle)
    log.info("simulator: generating world (seed %s, %s users, %s days from %s)",
             config.seed, config.users, config.days, config.start)
    world = generate_world(config, workspace)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as handle:
        pickle.dump(world, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)
    return world


@contextmanager
def source_endpoints(settings: Settings, world: World | None = None) -> Iterator[Settings]:
    """Yield settings whose simulated sources point at a running bundled simulator."""
    simulated = [s for s in SOURCES if settings.endpoint(s).simulated]
    if not simulated:
        yield settings
        return
    from insights_dev.simulator import SimulatorServer, default_clock_for

    world = world or bundled_world(settings)
    # The bundled world is history: pin the clock past its last day and every source's availability
    # delay (default_clock_for), so a backfill to the last day finds all of it served.
    with SimulatorServer(world, now=default_clock_for(world), limits=limits_from_env()) as server:
        log.info("simulator: serving %s for %s on %s", ", ".join(simulated),
                 f"{world.first_day}..{world.last_day}", server.base_url(simulated[0]).rsplit("/", 1)[0])
        endpoints = {s: SourceEndpoint(s, server.base_url(s), server.credentials(s)) for s in simulated}
        yield settings.replace(endpoints={**settings.endpoints, **endpoints})
