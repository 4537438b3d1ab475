"""The VoC marts on a small simulated world equal the independent Python computation.

The hand-written fixture pins each rule; this test feeds the pipeline what the simulator
generates (its ticket lifecycles, NPS and barometer forms, partial responses, word-boundary
traps in free texts, the demo workspace config), landed as nightly extractions would land it,
and compares all six marts with expected.py over the same records.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from insights.settings import PACKAGE_CONFIG_DIR, Settings, load_settings
from insights.warehouse.dbt import build
from insights.workspace import load_workspace
from insights_dev.simulator import WorldConfig, generate_world

from . import expected
from .conftest import VOC_MARTS, VOC_SELECTION, log, read_mart, sorted_rows
from .world_raw import watermarks, write_world_raw_zone

pytestmark = pytest.mark.slow  # one dbt build, ~25 s


def test_simulated_world_marts_match_python(tmp_path: Path) -> None:
    world = generate_world(WorldConfig(users=150, days=21, seed=11))
    assert world.ticket_versions and world.responses, "the world must hold tickets and survey responses"
    home = tmp_path / "home"
    write_world_raw_zone(world, home / "raw")
    settings: Settings = dataclasses.replace(
        load_settings(), home=home, warehouse=home / "warehouse.duckdb", config_dir=PACKAGE_CONFIG_DIR, replay_dir=None
    )
    build(settings, select=VOC_SELECTION, log=log)

    workspace = load_workspace(PACKAGE_CONFIG_DIR)
    marks = expected.Watermarks(**watermarks(world))
    tickets = expected.current_tickets(world.ticket_versions)
    responses = expected.unique_responses([(f, item) for f, items in world.responses.items() for item in items])
    items = expected.feedback_items(
        tickets, responses, {a.area: a.team for a in workspace.product_areas}, list(workspace.area_keywords)
    )
    want = {
        "metrics_nps_monthly": expected.nps_monthly(responses, world.forms, marks),
        "metrics_support_daily": expected.support_daily(tickets, marks),
        "metrics_support_weekly": expected.support_weekly(tickets, marks),
        "metrics_csat_monthly": expected.csat_monthly(tickets, marks),
        "metrics_feedback_by_team_weekly": expected.feedback_by_team_weekly(
            items, {a.team for a in workspace.product_areas}, marks
        ),
        "metrics_feedback_unrouted_weekly": expected.feedback_unrouted_weekly(items, marks),
    }
    assert set(want) == set(VOC_MARTS)
    for mart, rows in want.items():
        assert rows, f"{mart}: the world produced no rows, the comparison would prove nothing"
        assert read_mart(settings, "duckdb", mart) == sorted_rows(rows), mart
    # both flags occur, so the comparison covered them
    assert {row[-1] for rows in want.values() for row in rows} == {True, False}
    # the world's quirks are present, so the comparison covered them
    assert any(i.team is None for i in items) and any(i.team for i in items)
    assert any(v["status"] == "deleted" for v in world.ticket_versions)
    assert any(item["submitted_at"] is None for items_ in world.responses.values() for item in items_)
