"""`insights backfill` stops at the quality gate: non-zero exit naming the failed expectation and
its dataset, nothing published, the candidate warehouse left for inspection."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from insights.settings import load_settings
from insights.simulator import WorldConfig, export_world, generate_world
from tests.e2e.conftest import run_insights

pytestmark = pytest.mark.slow


def drift_one_event_time(replay: Path) -> str:
    """Rewrite one event's event_time in ISO 'T' form: parseable, but not the vendor's format."""
    path = sorted((replay / "amplitude" / "events").glob("*.jsonl.gz"))[0]
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        events = [json.loads(line) for line in handle]
    events[0]["event_time"] = events[0]["event_time"].replace(" ", "T")
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in events)
    return events[0]["uuid"]


def test_backfill_exits_non_zero_naming_the_failed_expectation(
    small_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay = tmp_path / "replay"
    export_world(generate_world(WorldConfig(users=40, days=4, start=date(2026, 8, 3))), replay)
    drift_one_event_time(replay)
    monkeypatch.setenv("INSIGHTS_REPLAY_DIR", str(replay))

    completed = run_insights("backfill", "--start", "2026-08-03", "--end", "2026-08-05", check=False)

    assert completed.returncode == 1
    assert "quality gate failed" in completed.stderr
    assert "raw.amplitude_events: event_time_format" in completed.stderr
    settings = load_settings()
    assert not settings.published_snapshot.exists()  # readers were never given the candidate
    assert settings.warehouse.exists()  # the candidate stays for inspection
