"""The benchmark's floor query and scale world: small, fast checks (benchmarks themselves are not tests)."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from insights.settings import PACKAGE_CONFIG_DIR
from insights.sources.amplitude.client import validate_event
from insights.workspace import load_workspace
from insights_dev.bench.floor import amplitude_files, floor_metrics, floor_sql
from insights_dev.bench.runner import compare
from insights_dev.bench.scale_world import ScaleConfig, write_day
from tests.warehouse.raw_world import event, write_events


@pytest.fixture(scope="module")
def workspace():
    return load_workspace(PACKAGE_CONFIG_DIR)


def test_floor_applies_the_metric_contract(tmp_path: Path, workspace) -> None:
    """Each rule of metrics.md 1-3 decides one user's count; expected numbers reasoned from the rules."""
    events = [
        # u1: active on day 1 and day 3 (task_created qualifies)
        event("task_created", "2026-08-03 10:00:00.000000", device_id="d1", user_id="u1"),
        event("task_created", "2026-08-05 10:00:00.000000", device_id="d1", user_id="u1"),
        # anonymous event on d2 before u2 signs in on day 2: stitched to u2 -> u2 active on day 1 too
        event("dashboard_viewed", "2026-08-03 09:00:00.000000", device_id="d2"),
        event("page_viewed", "2026-08-04 09:00:00.000000", device_id="d2", user_id="u2"),
        # u3: only a future-dated qualifying event (2 h after upload) -> never active
        event("task_created", "2026-08-04 12:00:00.000000", device_id="d3", user_id="u3",
              uploaded="2026-08-04 10:00:00.000000"),
        # u4: active, but one event carries is_test = true (a JSON boolean) -> excluded
        event("task_created", "2026-08-04 10:00:00.000000", device_id="d4", user_id="u4"),
        event("page_viewed", "2026-08-04 10:05:00.000000", device_id="d4", user_id="u4", is_test=True),
        # u5: is_test = "true" (a string) is not a flag -> counted on day 2
        event("task_created", "2026-08-04 10:00:00.000000", device_id="d5", user_id="u5", is_test="true"),
        # u6: internal email domain, mixed case -> excluded
        event("task_created", "2026-08-04 10:00:00.000000", device_id="d6", user_id="u6",
              email="pm@QA.Acme-Insights.com"),
        # u7: only unplanned and non-qualifying events -> never active
        event("debug_click", "2026-08-04 10:00:00.000000", device_id="d7", user_id="u7"),
        event("session_started", "2026-08-04 10:01:00.000000", device_id="d7", user_id="u7"),
        # d8: a device never identified -> anonymous, in no user count
        event("task_created", "2026-08-04 10:00:00.000000", device_id="d8"),
    ]
    # a re-sent copy of u1's day-3 event (same insert_id, later upload, new uuid): still one user-day
    resent = dict(events[1], uuid="ffffffff-0000-0000-0000-000000000001",
                  server_upload_time="2026-08-05 11:00:00.000000")
    write_events(tmp_path / "raw", [*events, resent])

    rows = {day: (dau, wau, mau) for day, dau, wau, mau in floor_metrics(tmp_path / "raw", workspace)}

    assert rows == {
        date(2026, 8, 3): (2, 2, 2),  # u1, u2 (stitched)
        date(2026, 8, 4): (1, 3, 3),  # u5; window adds u1, u2
        date(2026, 8, 5): (1, 3, 3),  # u1
    }


def test_compare_reports_a_disagreeing_day() -> None:
    floor = [["2026-08-03", 2, 2, 2], ["2026-08-04", 1, 3, 3]]
    assert compare(floor, floor)["mismatched_days"] == 0
    assert compare(floor, [["2026-08-03", 2, 2, 2], ["2026-08-04", 1, 2, 3]])["mismatched_days"] == 1
    assert compare(floor, floor[:1])["mismatched_days"] == 1


def test_scale_world_day_is_what_the_extractor_lands(tmp_path: Path, workspace) -> None:
    files = write_day(duckdb.connect(), ScaleConfig(events_per_day=4000, users=200), workspace,
                      date(2026, 8, 3), tmp_path / "events")
    records, insert_ids = [], Counter()
    for landed in files:
        path = tmp_path / "events" / "dt=2026-08-03" / landed.name
        with gzip.open(path, "rb") as handle:
            lines = handle.read().splitlines()
        assert len(lines) == landed.rows
        hour_records = [json.loads(line) for line in lines]
        assert {r["server_upload_time"][11:13] for r in hour_records} == {landed.name[5:7]}
        records += hour_records
    assert all(validate_event(r) is None for r in records)
    insert_ids.update(r["$insert_id"] for r in records if r["$insert_id"] is not None)
    assert any(n > 1 for n in insert_ids.values()), "no re-sent duplicates"
    assert any(r["$insert_id"] is None for r in records), "no null insert ids"
    assert any(r["user_id"] is None for r in records), "no anonymous events"
    assert any(r["event_time"] > r["server_upload_time"] for r in records), "no future-dated events"
    assert any(r["user_properties"].get("is_test") is True for r in records), "no test-flagged events"
    # the same (seed, day) gives the same bytes: the cache is reusable
    again = write_day(duckdb.connect(), ScaleConfig(events_per_day=4000, users=200), workspace,
                      date(2026, 8, 3), tmp_path / "again")
    assert [f.sha256 for f in again] == [f.sha256 for f in files]


@pytest.mark.slow
def test_floor_equals_the_mart_on_a_small_world(tmp_path: Path, workspace) -> None:
    """The floor is a fair comparison: same DAU/WAU/MAU as the pipeline's mart, day by day."""
    from insights.warehouse import build
    from insights_dev.simulator import WorldConfig, generate_world
    from tests.warehouse.conftest import make_settings

    settings = make_settings(tmp_path / "home")
    world = generate_world(WorldConfig(users=40, days=6, seed=5))
    write_events(settings.raw_dir, world.events)
    build(settings, select="+metrics_active_users_daily", exclude="resource_type:test resource_type:unit_test")
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    mart = [[d.isoformat(), dau, wau, mau] for d, dau, wau, mau in con.execute(
        "select date_day, dau, wau, mau from marts.metrics_active_users_daily order by 1").fetchall()]
    con.close()
    floor = [[d.isoformat(), dau, wau, mau] for d, dau, wau, mau in floor_metrics(settings.raw_dir, workspace)]

    assert len(mart) >= 6 and sum(r[1] for r in mart) > 0
    assert compare(floor, mart) == {"days": len(mart), "mismatched_days": 0, "examples": []}
    # ... and the check can fail: without the exclusion rules the floor disagrees with the mart
    lax = dataclasses.replace(workspace, settings={**workspace.settings, "internal_email_domains": []})
    files = amplitude_files(settings.raw_dir)
    con = duckdb.connect()
    lax_rows = [[d.isoformat(), *rest] for d, *rest in con.execute(floor_sql(files, lax)).fetchall()]
    assert compare(lax_rows, mart)["mismatched_days"] > 0


def test_generate_only_writes_what_a_later_case_reuses(tmp_path: Path, monkeypatch, capsys) -> None:
    """`insights bench --generate-only` writes each case's history and night where run_case looks
    (cache_events_dir), with the sidecar that makes write_day reuse them instead of generating."""
    from insights import cli
    from insights_dev.bench import scale_world
    from insights_dev.bench.runner import NIGHT, cache_events_dir, case_days

    monkeypatch.setenv("INSIGHTS_HOME", str(tmp_path / "home"))
    cache = tmp_path / "cache"
    assert cli.main(["bench", "--generate-only", "--case", "500x2", "--cache-dir", str(cache)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [(s["events_per_day"], s["days"]) for s in summary["sizes"]] == [(500, 3)]
    events_dir = cache_events_dir(cache, 500)
    assert case_days(2)[-1] == NIGHT
    assert sorted(p.name for p in events_dir.iterdir()) == [f"dt={d.isoformat()}" for d in case_days(2)]
    assert summary["sizes"][0]["rows"] > 0

    def no_generation(*args, **kwargs):
        raise AssertionError("day generated again")

    monkeypatch.setattr(scale_world, "day_events_sql", no_generation)
    config = ScaleConfig(events_per_day=500)
    workspace = load_workspace(PACKAGE_CONFIG_DIR)
    for day in case_days(2):  # what run_case reads: all reused
        assert write_day(duckdb.connect(), config, workspace, day, events_dir)
    with pytest.raises(AssertionError, match="generated again"):  # a day outside the cases is not in the cache
        write_day(duckdb.connect(), config, workspace, case_days(3)[0], events_dir)


@pytest.mark.parametrize("phase", ["--prepare-only", "--prepared"])
def test_generate_only_excludes_the_other_phases(phase: str, capsys) -> None:
    """One phase per run: `--generate-only` with a home phase is refused, not half ignored."""
    from insights import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["bench", "--generate-only", phase, "--case", "500x2"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
