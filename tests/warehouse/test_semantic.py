"""MetricFlow answers from the semantic layer equal the marts (one `mf query` per test, ~10 s)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from insights.warehouse import run_metricflow

from .nightly import NightlyWarehouse

pytestmark = pytest.mark.slow


def _mf_rows(nightly: NightlyWarehouse, metrics: list[str], out: Path) -> dict[date, dict[str, str]]:
    world = nightly.world
    run_metricflow(
        [
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            "metric_time__day",
            "--start-time",
            world.first_day.isoformat(),
            "--end-time",
            world.last_day.isoformat(),
            "--csv",
            str(out),
        ],
        nightly.settings,
    )
    with out.open(newline="") as handle:
        return {date.fromisoformat(row["metric_time__day"][:10]): row for row in csv.DictReader(handle)}


def test_metricflow_dau_wau_mau_equal_the_daily_mart(nightly_warehouse: NightlyWarehouse, tmp_path: Path) -> None:
    world = nightly_warehouse.world  # the days of the world (after it, the mart's real zeros are no activity)
    mart = [r for r in nightly_warehouse.after_full_refresh["metrics_active_users_daily"] if r[0] <= world.last_day]
    mf = _mf_rows(nightly_warehouse, ["dau", "wau", "mau", "stickiness"], tmp_path / "mf.csv")
    assert {row[0] for row in mart} == set(mf)
    for date_day, dau, wau, mau, stickiness, *_ in mart:
        got = mf[date_day]
        assert (int(got["dau"]), int(got["wau"]), int(got["mau"])) == (dau, wau, mau), date_day
        assert float(got["stickiness"]) == pytest.approx(stickiness), date_day


def test_metricflow_retention_and_activation_equal_the_cohort_mart(
    nightly_warehouse: NightlyWarehouse, tmp_path: Path
) -> None:
    mart = nightly_warehouse.after_full_refresh["metrics_retention_cohorts"]
    metrics = ["cohort_size", "day_1_retention", "day_7_retention", "activation_rate"]
    mf = _mf_rows(nightly_warehouse, metrics, tmp_path / "mf.csv")
    assert {row[0] for row in mart} == set(mf)

    def value(text: str) -> float | None:
        return float(text) if text not in ("", None) else None

    for cohort_date, size, day_1, day_7, _day_28, activation, _is_complete in mart:
        got = mf[cohort_date]
        assert int(got["cohort_size"]) == size
        for name, expected in (("day_1_retention", day_1), ("day_7_retention", day_7), ("activation_rate", activation)):
            if expected is None:
                assert value(got[name]) is None, (cohort_date, name)
            else:
                assert value(got[name]) == pytest.approx(expected), (cohort_date, name)


def test_metricflow_tells_complete_days_like_the_mart(nightly_warehouse: NightlyWarehouse, tmp_path: Path) -> None:
    """The reporting_day entity joins the completeness flags to any metric (dau by day and flag)."""
    out = tmp_path / "mf_complete.csv"
    run_metricflow(
        ["query", "--metrics", "dau", "--group-by", "metric_time__day,reporting_day__is_amplitude_complete",
         "--csv", str(out)],
        nightly_warehouse.settings,
    )  # fmt: skip
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    flags = {date.fromisoformat(r["metric_time__day"][:10]): r["reporting_day__is_amplitude_complete"] for r in rows}
    mart = {r[0]: r[-1] for r in nightly_warehouse.after_full_refresh["metrics_active_users_daily"] if r[1] > 0}
    assert mart and {d: flags[d].lower() == "true" for d in mart} == mart
