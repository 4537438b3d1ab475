"""`insights kpis` reads the published snapshot, never the candidate warehouse, and fails in one line without one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from insights.cli import main
from insights.settings import load_settings

pytestmark = pytest.mark.cli


def _write_marts(path: Path, schema: str, dau: int, publication: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema {schema}")
        con.execute(
            f"create table {schema}.metrics_active_users_daily as select date '2026-10-30' as date_day, "
            f"{dau} as dau, 300 as wau, 900 as mau, 0.25 as stickiness"
        )
        con.execute(
            f"create table {schema}.metrics_nps_monthly as select date '2026-10-01' as month_start, "
            "'all' as segment, 40 as responses, 12.0 as nps"
        )
        if publication:
            con.execute(
                f"create table {schema}._publication as select 7 as version, "
                "timestamptz '2026-10-31 01:00:00+00' as published_at"
            )


def test_kpis_reads_the_published_snapshot(insights_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings()
    _write_marts(settings.published_snapshot, "analytics", dau=123)
    _write_marts(settings.warehouse, "marts", dau=999)  # a candidate build the gate has not passed
    assert main(["kpis"]) == 0
    out = capsys.readouterr().out
    assert "publication 7" in out
    assert "DAU 123," in out and "999" not in out
    assert "NPS +12 over 40 responses" in out
    assert "Retention (latest cohort with day-28 data): mart not published" in out


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
    assert main(["kpis"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no publication record" in err[0]
