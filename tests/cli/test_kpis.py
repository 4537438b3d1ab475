"""`insights kpis` reads the published snapshot, never the candidate warehouse, and fails in one line without one."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from insights.cli import main
from insights.settings import Settings, load_settings
from insights.warehouse import dbt_paths

pytestmark = pytest.mark.cli


def _install_manifest(settings: Settings, project_target: Path) -> None:
    """The manifest a build of the project leaves in the home: it declares the headlines."""
    target = dbt_paths(settings, "duckdb")[0]
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(project_target / "manifest.json", target / "manifest.json")


def _write_marts(path: Path, schema: str, dau: int, publication: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema {schema}")
        con.execute(
            f"create table {schema}.metrics_active_users_daily as select date '2026-10-30' as date_day, "
            f"{dau} as dau, 300 as wau, 900 as mau, 0.25 as stickiness, true as is_complete"
        )
        con.execute(
            f"create table {schema}.metrics_nps_monthly as select date '2026-10-01' as month_start, "
            "'all' as segment, 40 as responses, 12.0 as nps, true as is_complete"
        )
        if publication:
            con.execute(
                f"create table {schema}._publication as select 7 as version, "
                "timestamptz '2026-10-31 01:00:00+00' as published_at"
            )


@pytest.fixture
def published(insights_home: Path, project_target: Path) -> Settings:
    """A home with the project's manifest and a snapshot published as version 7 (DAU 123)."""
    settings = load_settings()
    _install_manifest(settings, project_target)
    _write_marts(settings.published_snapshot, "analytics", dau=123)
    return settings


def _kpis_error(capsys: pytest.CaptureFixture[str]) -> str:
    """Runs `insights kpis`, which must fail with exit code 1 and one line on stderr: that line."""
    assert main(["kpis"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_kpis_reads_the_published_snapshot(published: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _write_marts(published.warehouse, "marts", dau=999)  # a candidate build the gate has not passed
    assert main(["kpis"]) == 0
    out = capsys.readouterr().out
    assert "publication 7" in out
    assert "DAU 123," in out and "999" not in out
    assert "NPS +12 over 40 responses" in out
    assert "Retention (last complete cohort): mart not published" in out


def test_kpis_without_a_publication_fails_in_one_line(insights_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_marts(load_settings().warehouse, "marts", dau=999)  # built, never published
    assert main(["kpis"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: nothing published yet")
    assert "Traceback" not in captured.err


def test_kpis_with_a_snapshot_lacking_its_publication_record_fails(
    insights_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_marts(load_settings().published_snapshot, "analytics", dau=5, publication=False)
    assert "no publication record" in _kpis_error(capsys)


def test_headlines_read_the_last_complete_period_with_data(
    published: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The month in progress (incomplete, no rating yet) must not hide the last complete month."""
    with duckdb.connect(str(published.published_snapshot)) as con:
        con.execute(
            "create table analytics.metrics_csat_monthly as select * from (values "
            "(date '2026-09-01', 50, 0.9, true), (date '2026-10-01', 40, 0.75, true), "
            "(date '2026-11-01', 0, null, false), (date '2026-12-01', 3, 1.0, false)"
            ") as months(month_start, rated_tickets, csat, is_complete)"
        )
        con.execute(
            "create table analytics.metrics_feedback_unrouted_weekly as select * from (values "
            "(date '2026-10-19', 10, 0.5, true), (date '2026-10-26', 0, null, true), "
            "(date '2026-11-02', 4, 0.25, false)) as weeks(week_start, items, unrouted_share, is_complete)"
        )
    assert main(["kpis"]) == 0
    out = capsys.readouterr().out
    assert "CSAT (last complete month): 2026-10-01: 75.0% satisfied over 40 rated tickets" in out
    assert "Unrouted feedback (last complete week): 2026-10-19: 50.0% of 10 items" in out
    assert "Active users (last complete day): 2026-10-30: DAU 123," in out
    assert "no data" not in out


def test_headlines_say_when_no_period_is_complete_yet(published: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(published.published_snapshot)) as con:
        con.execute("update analytics.metrics_nps_monthly set is_complete = false")
    assert main(["kpis"]) == 0
    assert "NPS (all plans) (last complete month): no complete month yet" in capsys.readouterr().out


def test_kpis_without_a_dbt_manifest_fails_in_one_line(insights_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_marts(load_settings().published_snapshot, "analytics", dau=5)
    assert "manifest.json: not found; run `dbt parse`" in _kpis_error(capsys)
