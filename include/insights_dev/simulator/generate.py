"""generate_world: the deterministic synthetic world (same seed, same world, byte for byte)."""

from __future__ import annotations

import random
from datetime import timedelta

from insights.settings import PACKAGE_CONFIG_DIR
from insights.workspace import Workspace, load_workspace
from insights_dev.simulator import event_quirks
from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.gen_events import PlanRoles, simulate_behaviour
from insights_dev.simulator.gen_surveys import barometer_survey, nps_survey
from insights_dev.simulator.gen_tickets import generate_tickets
from insights_dev.simulator.population import build_population
from insights_dev.simulator.texts import FeedbackTexts
from insights_dev.simulator.world import World


def generate_world(config: WorldConfig = WorldConfig(), workspace: Workspace | None = None) -> World:  # noqa: B008
    """Build the world for `workspace` (default: the demo config in include/config/)."""
    if config.users < 10 or config.days < 1:
        raise ValueError(f"WorldConfig needs users >= 10 and days >= 1, got users={config.users}, days={config.days}")
    workspace = workspace or load_workspace(PACKAGE_CONFIG_DIR)

    # One random stream per part, so changing how tickets are drawn leaves the events unchanged.
    def stream(part: str) -> random.Random:
        return random.Random(f"{config.seed}:{part}")

    population = build_population(config, workspace, stream("population"))
    roles = PlanRoles.from_workspace(workspace, config)
    drafts = simulate_behaviour(config, workspace, population, stream("behaviour"))
    quirks = stream("event-quirks")
    event_quirks.property_violations(drafts, workspace, config, quirks)
    event_quirks.ensure_rare_event_types(drafts, roles, config, quirks)
    event_quirks.timing_quirks(drafts, roles, config, quirks)
    drafts = event_quirks.resends(drafts, config, quirks)
    events = event_quirks.finalise(drafts, quirks)

    texts = FeedbackTexts(workspace)
    tickets = generate_tickets(config, workspace, population, stream("tickets"))
    nps_form, nps_responses = nps_survey(config, population, texts, stream("nps"))
    barometer_form, barometer_responses = barometer_survey(config, workspace, texts, stream("barometer"))
    return World(
        first_day=config.start,
        last_day=config.start + timedelta(days=config.days - 1),
        events=events,
        ticket_versions=tickets,
        forms={nps_form["id"]: nps_form, barometer_form["id"]: barometer_form},
        responses={nps_form["id"]: nps_responses, barometer_form["id"]: barometer_responses},
        config_dir=workspace.config_dir,
    )
