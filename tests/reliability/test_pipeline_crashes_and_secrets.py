"""The whole pipeline under faults, SIGKILLs and test secrets (real dbt, real DuckDB; slow).

One clean reference build is shared by every test of this module (a dbt build costs ~30 s).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from insights.pipeline import build_warehouse, publish_marts, quality_gate
from insights.warehouse import WarehouseBusyError
from insights_dev.reliability import environment, mart_rows, run_extraction
from insights_dev.reliability.harness import files_containing, settings_for
from insights_dev.simulator import World
from insights_dev.simulator.faults import (
    DuplicatesAtPageBoundaries,
    FaultPlan,
    RateLimitStorm,
    SchemaDrift,
    ServerErrorBursts,
    Timeouts,
    TruncatedZip,
)
from tests.reliability.conftest import NOW, SECRET_VALUES, CleanRun
from tests.reliability.record import report

pytestmark = pytest.mark.slow
INSIGHTS = str(Path(sys.executable).with_name("insights"))


@pytest.fixture(scope="module")
def clean_marts(clean: CleanRun, world: World) -> dict[str, list]:
    """Build, gate and publish the clean run once; the marts every other run must reproduce."""
    settings = clean.run.settings
    build_warehouse(settings, start=world.first_day, end=world.last_day)
    quality_gate(settings, backfill_range=(world.first_day, world.last_day))  # publication accepts a passed build only
    publish_marts(settings)
    marts = mart_rows(settings.warehouse)
    assert marts and any(marts.values()), "the clean build has no mart rows: nothing would be compared"
    return marts


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, INSIGHTS_HOME=str(home), INSIGHTS_SERVING_DSN="none")
    for name in ("INSIGHTS_WAREHOUSE", "INSIGHTS_CONFIG_DIR", "INSIGHTS_REPLAY_DIR"):
        env.pop(name, None)
    return env


def _copy_raw(clean: CleanRun, home: Path) -> None:
    shutil.copytree(clean.home / "raw", home / "raw")


def test_transport_faults_together_leave_the_marts_identical(world: World, clean_marts: dict, tmp_path: Path) -> None:
    # Milder bursts than the one-fault tests: together they must stay inside one request's retry
    # budget (8 attempts). The gzip truncation is left out: it cannot damage a ZIP already cut short.
    plan = FaultPlan(ServerErrorBursts(burst=1, period=6), RateLimitStorm(burst=2, period=7),
                     Timeouts(delay=1.0, period=9), TruncatedZip(), DuplicatesAtPageBoundaries("zendesk"),
                     *(SchemaDrift(s, "new field", "x_added_field") for s in ("amplitude", "zendesk", "typeform")))
    with environment({"INSIGHTS_HTTP_READ_TIMEOUT": "0.4"}):
        run = run_extraction(world, tmp_path / "home", world.first_day, world.last_day, now=NOW, faults=plan)
    assert not run.errors
    build_warehouse(run.settings, start=world.first_day, end=world.last_day)
    marts = mart_rows(run.settings.warehouse)
    differing = [name for name in clean_marts if marts.get(name) != clean_marts[name]]
    report("all transport faults + duplicates + new fields, one run", "end to end",
           injected=sum(plan.injected().values()), survived=not differing, records_lost=0 if not differing else -1,
           check="every mart table equal to the clean run's")
    assert all(plan.injected().values()), plan.injected()
    assert set(marts) == set(clean_marts) and not differing, differing


def test_secrets_are_never_written(clean: CleanRun, clean_marts: dict, tmp_path: Path) -> None:
    """Every file the clean run wrote (raw, state, warehouse, dbt target and logs, snapshot, catalog,
    our own DEBUG log) is searched, decompressed, for the test secrets the run really used."""
    assert clean.run.injected.get("test credentials", 0) > 0  # the simulator saw (only) the test secrets
    written = [p for p in clean.home.rglob("*") if p.is_file()]
    assert any("dbt" in p.parts for p in written) and any(p.suffix == ".log" for p in written)
    hits = files_containing(clean.home, SECRET_VALUES)
    # The search itself can fail: a file holding a secret (even gzipped) is found.
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "leak.jsonl.gz").write_bytes(__import__("gzip").compress(SECRET_VALUES[0].encode()))
    assert files_containing(probe, SECRET_VALUES) == {"leak.jsonl.gz": [SECRET_VALUES[0]]}
    report("test secrets in outputs", "secrets", injected=len(SECRET_VALUES), survived=not hits, records_lost=0,
           check=f"{len(written)} files searched, 0 hits expected")
    assert hits == {}


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_sigkill_during_dbt_build_then_rerun(clean: CleanRun, world: World, clean_marts: dict, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _copy_raw(clean, home)
    settings = settings_for(home)
    proc = subprocess.Popen([INSIGHTS, "build", "--start", str(world.first_day), "--end", str(world.last_day)],
                            env=_env(home), start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        def dbt_running() -> bool:
            children = psutil.Process(proc.pid).children(recursive=True)
            return any("dbt" in " ".join(c.cmdline()) for c in children)

        _wait_for(dbt_running, 120, "dbt to start")
        time.sleep(3)  # well inside the build: models are being written
        # A second build of the same home meanwhile is refused with a clear message, not run.
        with pytest.raises(WarehouseBusyError, match="another warehouse build holds the lock"):
            build_warehouse(settings, start=world.first_day, end=world.last_day)
    finally:
        _kill_group(proc)
    assert proc.returncode == -signal.SIGKILL
    build_warehouse(settings, start=world.first_day, end=world.last_day)
    marts = mart_rows(settings.warehouse)
    differing = [name for name in clean_marts if marts.get(name) != clean_marts[name]]
    report("SIGKILL during dbt build, then rerun", "crash", injected=1, survived=not differing,
           records_lost=0 if not differing else -1, check="marts equal an uninterrupted run; 2nd build refused")
    assert not differing, differing


def _published(snapshot: Path) -> dict[str, list]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        return {f"{s}.{t}": sorted(con.execute(f'select * from "{s}"."{t}"').fetchall(), key=repr)
                for s, t in tables if "publication" not in t}


def test_sigkill_during_publish_keeps_the_last_good_publication(clean: CleanRun, clean_marts: dict) -> None:
    settings = clean.run.settings
    snapshot = settings.published_snapshot
    before = _published(snapshot)
    assert before
    proc = subprocess.Popen([INSIGHTS, "publish"], env=_env(clean.home), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: any(p.name.startswith(f".{snapshot.name}.") for p in snapshot.parent.iterdir()),
                  120, "the publication's temp snapshot")
    finally:
        _kill_group(proc)
    assert proc.returncode == -signal.SIGKILL
    assert _published(snapshot) == before  # readers still see the last good publication
    publish_marts(settings)
    after = _published(snapshot)
    leftovers = [p.name for p in snapshot.parent.iterdir() if p.name.startswith(f".{snapshot.name}.")]
    report("SIGKILL during publish, then rerun", "crash", injected=1, survived=after == before and not leftovers,
           records_lost=0, check="readers keep the old snapshot; rerun publishes the same rows")
    assert after == before
    assert not leftovers
