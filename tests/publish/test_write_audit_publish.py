"""Write-audit-publish that holds (issue 13, finding 5): publication accepts only the warehouse build
the quality gate passed, and every refusal says why, exits non-zero and changes nothing readers see.

The gate here is the real one (GX, the gate's report, its warehouse lock) with a one-suite folder
(fixtures/gate_suites) that fits the publication tests' warehouse; writers are the pipeline's own
(`load_raw_zone`) or the test world's, which records a new build id like every pipeline writer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest
from psycopg2 import sql

from insights.pipeline import load_raw_zone
from insights.publish import PublishRefused, publish
from insights.quality import GateConfig, GateResult, gate_report_path, read_verdict, run_gate
from insights.warehouse import WarehouseBusyError
from insights.warehouse.build_id import current_build_id, dbt_command_writes
from tests.publish.conftest import Serving, World

SUITES = Path(__file__).parent / "fixtures" / "gate_suites"
INSIGHTS = str(Path(sys.executable).with_name("insights"))


def gate(world: World) -> GateResult:
    return run_gate(world.settings, config=GateConfig(as_of=date(2026, 9, 1), semantic_layer=False,
                                                       expectations_dir=SUITES, data_docs=False))


def build_id(world: World) -> str | None:
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        return current_build_id(con)


def snapshot_builds(world: World, schema: str = "analytics") -> set[tuple[int, str | None, str | None]]:
    with duckdb.connect(str(world.settings.published_snapshot), read_only=True) as con:
        return set(con.execute(f"select version, build_id, gate_run_id from {schema}._publication").fetchall())


def corrupt(world: World) -> None:
    """A bad value the gate's suite catches (dau < 0), written as a pipeline writer would."""
    world.write(2)
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute("update marts.metrics_a set dau = -1 where date_day = date '2026-08-05'")


def cli(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INSIGHTS_HOME": str(world.settings.home)}
    return subprocess.run([INSIGHTS, *args], env=env, capture_output=True, text=True, check=False)


def test_publish_without_any_gate_run_is_refused(world: World) -> None:
    world.write(1)
    with pytest.raises(PublishRefused, match=r"no quality gate has run on this home \(.*quality_gate\.json does "
                                             r"not exist\); run `insights gate`"):
        publish(world.settings)
    assert not world.settings.published_snapshot.exists()


def test_the_gate_records_the_build_it_validated_and_publication_records_it_too(world: World) -> None:
    world.write(1)
    result = gate(world)

    assert result.passed and result.build_id == build_id(world) and result.build_id
    report = json.loads(gate_report_path(world.settings).read_text())
    assert (report["status"], report["passed"], report["build_id"], report["warehouse"]) == (
        "passed", True, result.build_id, str(world.warehouse))
    published = publish(world.settings)
    assert (published.build_id, published.gate_run_id) == (result.build_id, result.run_id)
    assert snapshot_builds(world) == {(1, result.build_id, result.run_id)}


def test_a_failed_gate_blocks_publication_the_cli_exits_non_zero_and_readers_keep_theirs(world: World) -> None:
    world.write(1)
    assert gate(world).passed
    publish(world.settings)
    before = world.settings.published_snapshot.read_bytes()
    corrupt(world)
    failed = gate(world)
    assert not failed.passed and [f.expectation for f in failed.failures] == ["dau_not_negative"]

    done = cli(world, "publish")

    assert done.returncode == 1, done.stdout + done.stderr
    assert (f"publish refused: the quality gate failed on build {failed.build_id} with 1 failed expectation(s), "
            f"see {gate_report_path(world.settings)}") in done.stderr
    assert "Nothing was published; readers keep the previous publication" in done.stderr
    assert world.settings.published_snapshot.read_bytes() == before


@pytest.mark.postgres
def test_a_write_after_the_gate_is_refused_naming_both_builds(world: World, serving: Serving) -> None:
    world.write(1)
    passed = gate(world)
    publish(world.settings)
    before = world.settings.published_snapshot.read_bytes()
    load_raw_zone(world.settings)  # another run's load writes the warehouse after the gate
    written = build_id(world)
    assert written != passed.build_id

    with pytest.raises(PublishRefused) as refused:
        publish(world.settings)

    assert (f"the warehouse changed since the quality gate passed: the gate ({passed.run_id}) validated build "
            f"{passed.build_id}, the warehouse now holds build {written} (written by raw load at "
            ) in str(refused.value)
    assert world.settings.published_snapshot.read_bytes() == before
    table = sql.SQL("{}._publication").format(sql.Identifier(serving.schema))
    assert serving.scalar(sql.SQL("select max(version) || ' ' || max(build_id) from {}").format(table)) == (
        f"1 {passed.build_id}")

    # The gate on the new build lets it through, to both targets.
    again = gate(world)
    assert again.build_id == written
    result = publish(world.settings)
    assert result.version == 2 and result.build_id == written
    assert snapshot_builds(world, serving.schema) == {(2, written, again.run_id)}
    reader = serving.reader()
    with reader.cursor() as cur:  # what PMs see states which build it is
        cur.execute(sql.SQL("select distinct version, build_id, gate_run_id from {}").format(table))
        assert cur.fetchall() == [(2, written, again.run_id)]
    reader.close()


def test_a_gate_that_never_finished_passes_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.write(1)
    assert gate(world).passed

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("GX crashed")

    monkeypatch.setattr("insights.quality.gx_runner.runner_for", crash)
    with pytest.raises(RuntimeError, match="GX crashed"):
        gate(world)

    verdict = read_verdict(world.settings)
    assert verdict is not None and verdict.status == "running"
    with pytest.raises(PublishRefused, match=rf"the last quality gate run \({verdict.run_id}\) never finished"):
        publish(world.settings)


def test_a_gate_of_another_warehouse_file_is_not_this_ones(world: World, tmp_path: Path) -> None:
    from dataclasses import replace

    world.write(1)
    elsewhere = replace(world.settings, warehouse=tmp_path / "candidate.duckdb")
    elsewhere.warehouse.write_bytes(world.warehouse.read_bytes())
    assert run_gate(elsewhere, config=GateConfig(as_of=date(2026, 9, 1), semantic_layer=False,
                                                 expectations_dir=SUITES, data_docs=False)).passed
    with pytest.raises(PublishRefused, match=rf"validated {elsewhere.warehouse}, not {world.warehouse}"):
        publish(world.settings)


HOLD_WAREHOUSE = textwrap.dedent(
    """
    import sys, time
    from insights.settings import load_settings
    from insights.warehouse import warehouse_lock
    with warehouse_lock(load_settings()):
        print("holding", flush=True)
        time.sleep(60)
    """
)


def test_gate_and_publish_refuse_while_a_writer_holds_the_warehouse(world: World) -> None:
    world.write(1)
    assert gate(world).passed
    env = {**os.environ, "INSIGHTS_HOME": str(world.settings.home)}
    writer = subprocess.Popen([sys.executable, "-c", HOLD_WAREHOUSE], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        with pytest.raises(PublishRefused, match=rf"pid {writer.pid} holds the warehouse lock"):
            publish(world.settings)
        with pytest.raises(WarehouseBusyError, match=rf"the quality gate cannot start: pid {writer.pid} holds"):
            gate(world)
    finally:
        writer.kill()
        writer.wait()
    assert not world.settings.published_snapshot.exists()
    assert read_verdict(world.settings).passed  # the refused gate left the last verdict as it was
    assert publish(world.settings).version == 1


def test_every_dbt_command_that_can_write_moves_the_build_id() -> None:
    for args in (["build"], ["run", "--select", "x"], ["--warn-error", "build"], ["seed"], ["snapshot"], ["test"],
                 ["run-operation", "m"]):
        assert dbt_command_writes(args), args
    for args in (["parse"], ["ls"], ["compile"], ["docs", "generate"], ["debug"]):
        assert not dbt_command_writes(args), args
