"""The gate on a real build: a small simulated world backfilled by the pipeline as `insights backfill`
runs it (simulator, extraction, dbt build, hygiene audit, the gate with every suite and the
semantic-layer cross-check, publication); a tampered candidate is then blocked while readers keep
that publication."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from insights.pipeline import backfill
from insights.quality import GateConfig, GateResult, load_suites
from insights.settings import EXPECTATIONS_DIR, Settings
from tests.quality.conftest import gate_then_publish, make_settings, published_value, sha256

pytestmark = pytest.mark.slow

FIRST_DAY, LAST_DAY = date(2026, 8, 3), date(2026, 8, 10)
SMALL_WORLD = {
    "INSIGHTS_SIM_USERS": "80",
    "INSIGHTS_SIM_DAYS": "8",
    "INSIGHTS_SIM_START": FIRST_DAY.isoformat(),
}
AUD = "marts.metrics_active_users_daily"


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, GateResult]]:
    """One pipeline backfill of the small world (raising GateFailed if its gate fails) and its gate."""
    home = tmp_path_factory.mktemp("pipeline-home")
    settings = make_settings(home, home / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as env:
        for name, value in SMALL_WORLD.items():
            env.setenv(name, value)
        env.setenv("INSIGHTS_SERVING_DSN", "none")
        result = backfill(FIRST_DAY, LAST_DAY, settings)
        yield settings, result.gate


def test_clean_backfill_passes_the_gate(backfilled: tuple[Settings, GateResult]) -> None:
    settings, result = backfilled
    assert result.failures == [], result.summary()
    # Every suite ran but the history rule: a backfill may rewrite history, and nothing was published yet.
    assert set(result.rows) == {s.name for s in load_suites(EXPECTATIONS_DIR)} - {
        "checks.active_users_history"
    }
    assert [(s.dataset, s.expectation) for s in result.skipped] == [("checks.active_users_history", None)]
    assert result.rows["checks.dau_consistency"] == (LAST_DAY - FIRST_DAY).days + 1  # a backfill: every day
    assert settings.published_snapshot.is_file()
    assert (settings.reports_dir / "data_docs" / "index.html").is_file()


def test_semantic_layer_mismatch_blocks_publication(
    backfilled: tuple[Settings, GateResult], tmp_path: Path
) -> None:
    settings, _ = backfilled
    # A copy as the candidate; the home (and its dbt manifest, which MetricFlow reads) stays the same.
    # The file keeps its name: the semantic manifest addresses tables through the DuckDB catalog,
    # which is named after the file (warehouse.intermediate.int_active_users_daily).
    candidate = replace(settings, warehouse=tmp_path / settings.warehouse.name)
    shutil.copyfile(settings.warehouse, candidate.warehouse)
    with duckdb.connect(str(candidate.warehouse)) as con:
        # DAU of the last day off by one, still within wau and mau: only the cross-checks can see it.
        con.execute(
            f"update {AUD} set dau = dau - 1, stickiness = (dau - 1.0) / mau where date_day = ?", [LAST_DAY]
        )
    snapshot = sha256(settings.published_snapshot)
    published_dau = published_value(settings, f"select dau from {AUD} where date_day = date '{LAST_DAY}'")

    result = gate_then_publish(
        candidate, config=GateConfig(as_of=LAST_DAY, datasets=("checks.dau_consistency",))
    )

    assert {(f.dataset, f.expectation) for f in result.failures} == {
        ("checks.dau_consistency", "mart_matches_semantic_layer"),
        ("checks.dau_consistency", "mart_matches_active_user_model"),
    }
    detail = next(f.detail for f in result.failures if f.expectation == "mart_matches_semantic_layer")
    assert f"date_day={LAST_DAY}" in detail
    assert sha256(settings.published_snapshot) == snapshot
    assert (
        published_value(settings, f"select dau from {AUD} where date_day = date '{LAST_DAY}'")
        == published_dau
    )
