"""`insights backfill` stops at the quality gate: non-zero exit naming the failed expectation and
its dataset, nothing published, the candidate warehouse left for inspection."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from insights.settings import load_settings
from insights_dev.simulator import WorldConfig, export_world, generate_world
from tests.e2e.conftest import run_insights

pytestmark = pytest.mark.slow


def drift_one_event_time(replay: Path) -> str:
    """Rewrite one event's event_time in compact ISO form: not the vendor's format, the warehouse
    cannot cast it, so landing quarantines it (it used to crash the staging cast)."""
    path = sorted((replay / "amplitude" / "events").glob("*.jsonl.gz"))[0]
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        events = [json.loads(line) for line in handle]
    events[0]["event_time"] = datetime.fromisoformat(events[0]["event_time"]).strftime("%Y%m%dT%H%M%SZ")
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in events)
    return events[0]["uuid"]


def submit_one_response_before_it_landed(replay: Path) -> str:
    """A response whose submitted_at is an hour before its landed_at: every field is well formed (it
    lands), but the record is inconsistent, which only the quality gate can see."""
    path = sorted((replay / "typeform" / "responses").glob("*.jsonl"))[0]
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    item = next(i for i in items if i.get("submitted_at"))
    landed = datetime.fromisoformat(item["submitted_at"].replace("Z", "+00:00")) + timedelta(hours=1)
    item["landed_at"] = landed.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return item["response_id"]


def test_backfill_exits_non_zero_naming_the_failed_expectation(
    small_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay = tmp_path / "replay"
    export_world(generate_world(WorldConfig(users=40, days=4, start=date(2026, 8, 3))), replay)
    drifted = drift_one_event_time(replay)
    submit_one_response_before_it_landed(replay)
    monkeypatch.setenv("INSIGHTS_REPLAY_DIR", str(replay))
    # one bad event in a tiny first day is over 1%: allow it, so the run reaches the gate
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.05")

    completed = run_insights("backfill", "--start", "2026-08-03", "--end", "2026-08-05", check=False)

    assert completed.returncode == 1
    assert "quality gate failed" in completed.stderr
    assert "staging.stg_typeform__responses: submitted_not_before_landed" in completed.stderr
    settings = load_settings()
    assert not settings.published_snapshot.exists()  # readers were never given the candidate
    assert settings.warehouse.exists()  # the candidate stays for inspection
    # the event the warehouse could not cast was set aside at landing, named by file, line and field
    rows = [json.loads(line) for p in (settings.raw_dir / "_quarantine").rglob("*.jsonl")
            for line in p.read_text().splitlines()]
    assert [(r["field"], json.loads(r["payload"])["uuid"]) for r in rows] == [("event_time", drifted)]
    assert rows[0]["line"] >= 1 and "entry" in rows[0]["source_file"]
