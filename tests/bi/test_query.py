"""`insights query` on a published snapshot: what the catalog documents works as printed, reads only
the publication (no warehouse, no dbt artifacts) and returns the published rows, none past them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from insights.semantic_query import QueryError, run_query
from insights.settings import load_settings

from .conftest import INSIGHTS, Published

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def publication_only(published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder holding the publication and its catalog, and nothing else."""
    home = tmp_path / "reader-home"
    (home / "published").mkdir(parents=True)
    (home / "reports" / "catalog").mkdir(parents=True)
    shutil.copy(published.home / "published" / "insights.duckdb", home / "published" / "insights.duckdb")
    shutil.copy(published.home / "reports" / "catalog" / "catalog.json", home / "reports" / "catalog")
    monkeypatch.setenv("INSIGHTS_HOME", str(home))
    return home


def test_the_catalogs_command_answers_from_the_snapshot(publication_only: Path) -> None:
    catalog = (publication_only / "reports" / "catalog" / "catalog.json").read_text()
    assert '"query": "insights query --metrics dau --group-by metric_time__day"' in catalog
    env = {**os.environ, "INSIGHTS_HOME": str(publication_only)}
    done = subprocess.run([INSIGHTS, "query", "--metrics", "dau,wau", "--group-by", "metric_time__day"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["metric_time__day", "dau", "wau"]
    with duckdb.connect(str(publication_only / "published" / "insights.duckdb"), read_only=True) as con:
        expected = con.execute("select cast(date_day as varchar), dau, wau from marts.metrics_active_users_daily "
                               "order by date_day").fetchall()
    assert [tuple(line.split()[:3]) for line in lines[1:]] == [(d, str(a), str(w)) for d, a, w in expected]
    assert not (publication_only / "warehouse.duckdb").exists() and not (publication_only / "dbt").exists()


def test_bounds_grain_and_components(publication_only: Path) -> None:
    settings = load_settings()
    query, rows = run_query(settings, ["nps"], ["metric_time__month"])
    assert "segment = 'all'" in query.sql and len({r[0] for r in rows}) == len(rows)
    _, by_plan = run_query(settings, ["nps"], ["metric_time__month", "segment"])
    assert len(by_plan) > len(rows)
    _, days = run_query(settings, ["dau"], ["metric_time__day"])
    _, window = run_query(settings, ["dau"], ["metric_time__day"], start=days[2][0], end=days[3][0])
    assert window == days[2:4]
    with pytest.raises(QueryError, match=r"published per day .* group by metric_time__day"):
        run_query(settings, ["dau"], ["metric_time__week"])
    with pytest.raises(QueryError, match=r"day_7_complete_users is not a published column: .*day_7_retention"):
        run_query(settings, ["day_7_complete_users"], ["metric_time__day"])
    with pytest.raises(QueryError, match=r"unknown metric\(s\) no_such_metric"):
        run_query(settings, ["no_such_metric"], ["metric_time__day"])
    with pytest.raises(QueryError, match=r"different marts"):
        run_query(settings, ["dau", "nps"], ["metric_time__day"])
