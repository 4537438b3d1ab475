"""A replay folder through the whole pipeline: `insights backfill` over HTTP from the simulator
serving the folder, then one night through real Airflow (`airflow dags test`).

The expected records are read straight from the replay folder's files (not through the
simulator), so the raw zone is checked against what the folder holds.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from insights import airflow_local
from insights.settings import load_settings
from insights_dev.simulator import WorldConfig, export_world, generate_world
from tests.e2e.conftest import run_insights

pytestmark = pytest.mark.slow

FIRST, LAST_BACKFILLED, NIGHT = date(2026, 8, 3), date(2026, 8, 9), date(2026, 8, 10)
RANGE_END = datetime(2026, 8, 10, tzinfo=UTC)  # end of the backfilled range, exclusive
CLOCK = datetime(2026, 8, 11, 3, tzinfo=UTC)  # the bundled simulator's clock: the day after the last day, 03:00
DAGS = ("extract_amplitude", "extract_zendesk", "extract_typeform", "warehouse_build")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=UTC)


def _jsonl(paths: list[Path]) -> list[dict]:
    records = []
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle if line.strip()]
    return records


def _canonical(record: dict) -> str:
    return json.dumps(record, sort_keys=True)


@pytest.fixture
def replay_dir(tmp_path: Path, small_world: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "replay"
    export_world(generate_world(WorldConfig(users=80, days=8, start=FIRST)), folder)
    monkeypatch.setenv("INSIGHTS_REPLAY_DIR", str(folder))
    return folder


def expected_events(replay: Path) -> Counter[str]:
    events = _jsonl(sorted((replay / "amplitude" / "events").glob("*.jsonl.gz")))
    return Counter(_canonical(e) for e in events if _utc(e["server_upload_time"]) < RANGE_END)


def expected_ticket_versions(replay: Path) -> set[tuple[int, str]]:
    latest: dict[int, dict] = {}
    for ticket in _jsonl([replay / "zendesk" / "tickets.jsonl"]):
        if _utc(ticket["updated_at"]) <= CLOCK and (
            ticket["id"] not in latest or ticket["updated_at"] > latest[ticket["id"]]["updated_at"]
        ):
            latest[ticket["id"]] = ticket
    return {(t["id"], t["updated_at"]) for t in latest.values()
            if datetime.combine(FIRST, datetime.min.time(), UTC) <= _utc(t["updated_at"]) < RANGE_END}


def expected_response_ids(replay: Path) -> set[str]:
    since = datetime.combine(FIRST, datetime.min.time(), UTC) - timedelta(minutes=30)
    ids = set()
    for path in (replay / "typeform" / "responses").glob("*.jsonl"):
        for item in _jsonl([path]):
            moment = _utc(item["submitted_at"] or item["landed_at"])
            if since <= moment < RANGE_END and moment <= CLOCK - timedelta(minutes=30):
                ids.add(item["response_id"])
    return ids


def test_backfill_of_a_replay_folder_lands_exactly_its_records(replay_dir: Path) -> None:
    run_insights("backfill", "--start", str(FIRST), "--end", str(LAST_BACKFILLED))
    raw = load_settings().raw_dir

    landed_events = Counter(_canonical(e) for e in _jsonl(sorted(raw.glob("amplitude/events/dt=*/hour=*.jsonl.gz"))))
    assert landed_events == expected_events(replay_dir)

    tickets = _jsonl(sorted(raw.glob("zendesk/tickets/dt=*/part-*.jsonl.gz")))
    assert Counter((t["id"], t["updated_at"]) for t in tickets) == Counter(expected_ticket_versions(replay_dir))

    responses = _jsonl(sorted(raw.glob("typeform/responses/form_id=*/dt=*/part-*.jsonl.gz")))
    assert {r["response_id"] for r in responses} == expected_response_ids(replay_dir)
    # The 30-minute lookback may fetch a response twice, never more (the warehouse dedups it).
    assert max(Counter(r["response_id"] for r in responses).values()) <= 2

    with duckdb.connect(str(load_settings().warehouse), read_only=True) as con:
        days = con.execute("select min(date_day), max(date_day) from marts.metrics_active_users_daily").fetchone()
    assert days == (FIRST, LAST_BACKFILLED)
    for source in ("amplitude", "zendesk", "typeform"):  # every source served the whole range
        watermark = json.loads((raw / source / "_watermark.json").read_text())
        assert watermark["complete_through"] == "2026-08-10T00:00:00Z", watermark

    # The next night, through real Airflow, on the same replay folder.
    settings = load_settings()
    airflow_local.ensure_metadata_db(settings)
    listed = subprocess.run([airflow_local._airflow_bin(), "dags", "list", "-o", "plain"], capture_output=True,
                            text=True, env=airflow_local.airflow_env(settings), check=True).stdout
    assert all(dag_id in listed for dag_id in DAGS)
    for dag_id in DAGS:
        airflow_local.dags_test(dag_id, NIGHT, settings)
    assert list((raw / "amplitude" / "events" / f"dt={NIGHT}").glob("hour=*.jsonl.gz"))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        dau = con.execute("select dau from marts.metrics_active_users_daily where date_day = ?", [NIGHT]).fetchone()
    assert dau is not None and dau[0] > 0
    assert json.loads((raw / "amplitude" / "_watermark.json").read_text())["complete_through"] == "2026-08-11T00:00:00Z"
