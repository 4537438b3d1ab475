"""The semantic layer's VoC metrics (MetricFlow) agree with the marts and the raw records.

One `mf query` (about 10 s) by month against the session's DuckDB build: nps and csat equal
the marts' monthly values, tickets created/solved the daily mart summed by month, and
feedback_items and unrouted_share the reviewed counts by month (fixtures/expect/).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from insights.warehouse.dbt import run_metricflow

from .conftest import VocWarehouse, expected_rows, log, read_mart

pytestmark = pytest.mark.slow

METRICS = ("nps", "nps_responses", "csat", "tickets_created", "tickets_solved", "unrouted_share", "feedback_items")


def test_metricflow_monthly_voc_metrics_match_marts(voc_duckdb: VocWarehouse, tmp_path: Path) -> None:
    settings = voc_duckdb.settings
    out = tmp_path / "voc_metrics.csv"
    run_metricflow(
        ["query", "--metrics", ",".join(METRICS), "--group-by", "metric_time__month", "--csv", str(out)],
        settings,
        log=log,
    )
    with out.open(newline="") as handle:
        mf = {date.fromisoformat(row["metric_time__month"][:10]): row for row in csv.DictReader(handle)}

    nps = {r[0]: r for r in read_mart(settings, "duckdb", "metrics_nps_monthly") if r[1] == "all"}
    csat = {r[0]: r[2] for r in read_mart(settings, "duckdb", "metrics_csat_monthly")}
    created: dict[date, int] = defaultdict(int)
    solved: dict[date, int] = defaultdict(int)
    for day, n_created, n_solved, _is_complete in read_mart(settings, "duckdb", "metrics_support_daily"):
        created[day.replace(day=1)] += n_created
        solved[day.replace(day=1)] += n_solved
    feedback = {r[0]: r[1:] for r in expected_rows(settings, "feedback_items_monthly")}

    assert sorted(mf) == [date(2026, 9, 1), date(2026, 10, 1)]
    for month, row in mf.items():
        assert float(row["nps"]) == pytest.approx(nps[month][6]), month
        assert int(row["nps_responses"]) == nps[month][2], month
        assert float(row["csat"]) == pytest.approx(csat[month]), month
        assert int(row["tickets_created"]) == created[month], month
        assert int(row["tickets_solved"]) == solved[month], month
        items, unrouted = feedback[month]
        assert int(row["feedback_items"]) == items, month
        assert float(row["unrouted_share"]) == pytest.approx(unrouted / items), month
