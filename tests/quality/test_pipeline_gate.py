"""The gate on a real build: a small simulated world backfilled by the pipeline as `insights backfill`
runs it (simulator, extraction, dbt build, hygiene audit, the gate with every suite and the
semantic-layer cross-check, publication); a tampered candidate is then blocked while readers keep
that publication. `insights gate` and `insights publish` exit non-zero on a bad build, and a build
killed in the middle of dbt can never be published (write-audit-publish, issue 13 finding 5)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest

from insights.pipeline import backfill
from insights.quality import GateConfig, GateResult, load_suites, read_verdict, run_gate
from insights.quality.suites import suite_dirs
from insights.settings import Settings
from insights.warehouse.build_id import current_build_id
from tests.quality.conftest import gate_then_publish, make_settings, published_value, sha256

pytestmark = pytest.mark.slow

FIRST_DAY, LAST_DAY = date(2026, 8, 3), date(2026, 8, 10)
SMALL_WORLD = {
    "INSIGHTS_SIM_USERS": "80",
    "INSIGHTS_SIM_DAYS": "8",
    "INSIGHTS_SIM_START": FIRST_DAY.isoformat(),
}
AUD = "marts.metrics_active_users_daily"
INSIGHTS = str(Path(sys.executable).with_name("insights"))


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
    assert set(result.rows) == {s.name for s in load_suites(suite_dirs())} - {"checks.active_users_history"}
    assert [(s.dataset, s.expectation) for s in result.skipped] == [("checks.active_users_history", None)]
    assert result.rows["checks.dau_consistency"] == (LAST_DAY - FIRST_DAY).days + 1  # a backfill: every day
    assert settings.published_snapshot.is_file()
    assert (settings.reports_dir / "data_docs" / "index.html").is_file()


def test_semantic_layer_mismatch_blocks_publication(backfilled: tuple[Settings, GateResult], tmp_path: Path) -> None:
    settings, _ = backfilled
    # A copy as the candidate; the home (and its dbt manifest, which MetricFlow reads) stays the same.
    # The file keeps its name: the semantic manifest addresses tables through the DuckDB catalog,
    # which is named after the file (warehouse.intermediate.int_active_users_daily).
    candidate = replace(settings, warehouse=tmp_path / settings.warehouse.name)
    shutil.copyfile(settings.warehouse, candidate.warehouse)
    with duckdb.connect(str(candidate.warehouse)) as con:
        # DAU of the last day off by one, still within wau and mau: only the cross-checks can see it.
        con.execute(f"update {AUD} set dau = dau - 1, stickiness = (dau - 1.0) / mau where date_day = ?", [LAST_DAY])
    snapshot = sha256(settings.published_snapshot)
    published_dau = published_value(settings, f"select dau from {AUD} where date_day = date '{LAST_DAY}'")

    result = gate_then_publish(candidate, config=GateConfig(as_of=LAST_DAY, datasets=("checks.dau_consistency",)))

    assert {(f.dataset, f.expectation) for f in result.failures} == {
        ("checks.dau_consistency", "mart_matches_semantic_layer"),
        ("checks.dau_consistency", "mart_matches_active_user_model"),
    }
    detail = next(f.detail for f in result.failures if f.expectation == "mart_matches_semantic_layer")
    assert f"date_day={LAST_DAY}" in detail
    assert sha256(settings.published_snapshot) == snapshot
    assert published_value(settings, f"select dau from {AUD} where date_day = date '{LAST_DAY}'") == published_dau


def _copy_home(settings: Settings, tmp_path: Path) -> Settings:
    """A private copy of the backfilled home (warehouse, dbt artifacts, gate report, publication)."""
    home = tmp_path / "home"
    shutil.copytree(settings.home, home, symlinks=True)
    return make_settings(home, home / settings.warehouse.name)


def _insights(settings: Settings, *args: str, **popen: Any) -> Any:
    env = {**os.environ, "INSIGHTS_HOME": str(settings.home), "INSIGHTS_SERVING_DSN": "none"}
    for name in ("INSIGHTS_WAREHOUSE", "INSIGHTS_CONFIG_DIR", "INSIGHTS_REPLAY_DIR"):
        env.pop(name, None)
    if popen:
        return subprocess.Popen([INSIGHTS, *args], env=env, **popen)
    return subprocess.run([INSIGHTS, *args], env=env, capture_output=True, text=True, check=False, timeout=900)


def _assert_publish_refused(settings: Settings, snapshot: str, message: str) -> None:
    """`insights publish` exits 1 saying `message`, and the published snapshot keeps its bytes."""
    published = _insights(settings, "publish")
    assert published.returncode == 1, published.stdout + published.stderr
    assert message in published.stderr
    assert sha256(settings.published_snapshot) == snapshot


def test_cli_gate_and_publish_exit_non_zero_on_a_bad_build_and_readers_keep_theirs(
    backfilled: tuple[Settings, GateResult], tmp_path: Path
) -> None:
    settings = _copy_home(backfilled[0], tmp_path)
    snapshot = sha256(settings.published_snapshot)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(f"update {AUD} set dau = dau - 1, stickiness = (dau - 1.0) / mau where date_day = ?", [LAST_DAY])

    gate = _insights(settings, "gate")

    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "quality gate failed" in gate.stderr and "checks.dau_consistency" in gate.stderr
    verdict = read_verdict(settings)
    assert verdict is not None and verdict.status == "failed" and verdict.failures >= 1
    _assert_publish_refused(
        settings,
        snapshot,
        f"publish refused: the quality gate failed on build {verdict.build_id} with {verdict.failures} "
        f"failed expectation(s), see {verdict.report}",
    )


def test_a_build_killed_mid_dbt_is_never_published(backfilled: tuple[Settings, GateResult], tmp_path: Path) -> None:
    """SIGKILL in the middle of `dbt build`: its models are half written, but the build id moved before dbt
    started, so what the gate passed no longer matches and publication refuses, naming both builds."""
    settings = _copy_home(backfilled[0], tmp_path)
    passed = run_gate(settings, backfill=True, config=GateConfig(backfill_range=(FIRST_DAY, LAST_DAY)))
    assert passed.passed, passed.summary()
    snapshot = sha256(settings.published_snapshot)
    build = _insights(settings, "build", start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not any("dbt" in " ".join(c.cmdline()) for c in psutil.Process(build.pid).children(recursive=True)):
            assert time.monotonic() < deadline and build.poll() is None, "dbt never started"
            time.sleep(0.1)
        time.sleep(3)  # inside the build: models are being written
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    assert build.returncode == -signal.SIGKILL

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        now = current_build_id(con)

    assert now != passed.build_id
    _assert_publish_refused(
        settings,
        snapshot,
        f"the warehouse changed since the quality gate passed: the gate ({passed.run_id}) validated build "
        f"{passed.build_id}, the warehouse now holds build {now} (written by dbt build",
    )
