"""The VoC marts on a small simulated world equal the reviewed expected rows.

The hand-written fixture pins each rule; this test feeds the pipeline what the simulator
generates (its ticket lifecycles, NPS and barometer forms, partial responses, word-boundary
traps in free texts, the demo workspace config), landed as nightly extractions would land it,
and compares all six marts with fixtures/simulated_world/<mart>.ndjson.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from insights.settings import PACKAGE_CONFIG_DIR, Settings, load_settings
from insights.warehouse.dbt import build
from insights_dev.simulator import WorldConfig, generate_world

from .conftest import VOC_MARTS, VOC_SELECTION, expected_rows, log, read_mart
from .world_raw import write_world_raw_zone

pytestmark = pytest.mark.slow  # one dbt build, ~25 s


def test_simulated_world_marts_match_expected_rows(tmp_path: Path) -> None:
    world = generate_world(WorldConfig(users=150, days=21, seed=11))
    assert world.ticket_versions and world.responses, "the world must hold tickets and survey responses"
    home = tmp_path / "home"
    write_world_raw_zone(world, home / "raw")
    settings: Settings = dataclasses.replace(
        load_settings(), home=home, warehouse=home / "warehouse.duckdb", config_dir=PACKAGE_CONFIG_DIR, replay_dir=None
    )
    build(settings, select=VOC_SELECTION, log=log)

    want = {mart: expected_rows(settings, mart, "simulated_world") for mart in VOC_MARTS}
    assert set(want) == set(VOC_MARTS)
    for mart, rows in want.items():
        assert rows, f"{mart}: the world produced no rows, the comparison would prove nothing"
        assert read_mart(settings, "duckdb", mart) == rows, mart
    # both flags occur, so the comparison covered them
    assert {row[-1] for rows in want.values() for row in rows} == {True, False}
    # the world's quirks are present, so the comparison covered them
    unrouted = want["metrics_feedback_unrouted_weekly"]  # (week_start, items, unrouted_items, ...)
    assert any(r[2] > 0 for r in unrouted) and any(r[1] > r[2] for r in unrouted)
    assert any(v["status"] == "deleted" for v in world.ticket_versions)
    assert any(item["submitted_at"] is None for items_ in world.responses.values() for item in items_)
