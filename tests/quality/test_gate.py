"""The gate's decisions beyond single expectations: lookback and backfill rules, the semantic layer,
missing inputs, the failure message, the report, Data Docs with history, and write-audit-publish."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from insights.quality import DATASET_QUERY, GateFailed, data_docs_dir, gate_report_path, load_suites, run_gate
from insights.quality.datasets import load_frame, open_candidate
from insights.quality.docs_index import CACHE_FILE
from insights.quality.gx_runner import _RUNNERS
from insights.quality.suites import suite_dirs
from insights.settings import EXPECTATIONS_DIR, Settings
from tests.quality.conftest import (
    Candidate,
    config_for,
    gate_then_publish,
    install_manifest,
    make_settings,
    published_value,
    sha256,
)
from tests.quality.corruptions import AMP, AUD, STG_AMP, SUP_D, UNR, day, patch, update
from tests.quality.world import DAYS, LOOKBACK_DAYS, QUARANTINED_PARTITION, REFERENCE_DAY, execute

HISTORY = "checks.active_users_history"
CONSISTENCY = "checks.dau_consistency"


def _value(path: Path, sql: str) -> object:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(sql).fetchone()
    return row[0] if row else None


# ---- the lookback window: which published days must not move on a nightly run


@pytest.mark.parametrize(
    ("offset", "must_hold"),
    [
        # The nightly build recomputes days > last day - lookback (dbt macro recompute_day_filter):
        # with the last day D and lookback 3 that is D-2..D; D-3 and older are final.
        (LOOKBACK_DAYS, True),
        (LOOKBACK_DAYS - 1, False),
        (0, False),
    ],
)
def test_history_rule_covers_exactly_the_days_outside_the_lookback(
    candidate: Candidate, offset: int, must_hold: bool
) -> None:
    candidate.corrupt([update(AUD, "dau = dau + 1", f"date_day = {day(offset)}")])
    result = run_gate(candidate.settings, config=config_for(HISTORY))
    assert result.failed(HISTORY) == (["dau_unchanged"] if must_hold else [])


def test_history_rule_names_the_changed_day(candidate: Candidate) -> None:
    candidate.corrupt([update(AUD, "mau = mau + 2", f"date_day = {day(10)}")])
    result = run_gate(candidate.settings, config=config_for(HISTORY))
    (failure,) = result.failures
    assert failure.expectation == "mau_unchanged"
    assert f"date_day={REFERENCE_DAY - timedelta(days=10)}" in failure.detail


def test_explicit_backfill_may_rewrite_history(candidate: Candidate) -> None:
    candidate.corrupt([update(AUD, "dau = dau + 1", f"date_day = {day(10)}")])
    result = run_gate(candidate.settings, backfill=True, config=config_for(HISTORY))
    assert result.passed
    assert [(s.dataset, s.expectation) for s in result.skipped] == [(HISTORY, None)]
    assert "nightly run" in result.skipped[0].reason


@pytest.mark.parametrize("published_complete", [False, True])
def test_history_rule_protects_only_days_published_complete(
    tmp_path: Path, clean_warehouse: Path, project_manifest: Path, published_complete: bool
) -> None:
    """A stuck source left D-10 onwards incomplete when they were published, with DAU one lower;
    the candidate has them complete and right. Changing them is expected (metrics.md 1.6); had
    they been published complete, it would be history rewritten."""
    settings = make_settings(tmp_path / "home", tmp_path / "candidate.duckdb")
    shutil.copyfile(clean_warehouse, settings.warehouse)
    install_manifest(settings, project_manifest)
    flags = "" if published_complete else ", is_complete = false"
    execute(settings.warehouse, [f"update {AUD} set dau = dau - 1{flags} where date_day >= {day(10)}"])
    # the earlier publication: a gate of the history rule alone (skipped: nothing published yet) passed it
    assert gate_then_publish(settings, config=config_for(HISTORY)).passed
    shutil.copyfile(clean_warehouse, settings.warehouse)

    result = run_gate(settings, config=config_for(HISTORY))
    # compared: the days older than the lookback window that were published complete
    assert result.rows[HISTORY] == (DAYS - LOOKBACK_DAYS if published_complete else DAYS - 11)
    assert result.failed(HISTORY) == (["dau_unchanged"] if published_complete else [])


def test_history_rule_waits_for_a_first_publication(tmp_path: Path, clean_warehouse: Path) -> None:
    settings = make_settings(tmp_path / "home", tmp_path / "candidate.duckdb")
    shutil.copyfile(clean_warehouse, settings.warehouse)
    result = run_gate(settings, config=config_for(HISTORY))
    assert result.passed
    assert [(s.dataset, s.reason) for s in result.skipped] == [
        (HISTORY, "skipped: needs a published snapshot (none yet)")
    ]


# ---- DAU recomputed from the single active-user model: on the days the build recomputed


def _drop_one_active_user(offset: int) -> list[str]:
    return [
        f"delete from intermediate.int_active_users_daily where date_day = {day(offset)} and user_id = "
        "(select min(active.user_id) from intermediate.int_active_users_daily as active "
        f"where active.date_day = {day(offset)})"
    ]


@pytest.mark.parametrize(
    ("backfill", "backfill_range", "fails"),
    [
        (False, None, False),  # nightly: day D-10 was not recomputed, a drift there is expected
        (True, None, True),  # a backfill without bounds recomputed every day
        (True, (10, 8), True),  # bounds around the day
        (True, (5, 4), False),  # bounds elsewhere: only those days and the lookback window are compared
    ],
)
def test_model_consistency_covers_the_recomputed_days(
    candidate: Candidate, backfill: bool, backfill_range: tuple[int, int] | None, fails: bool
) -> None:
    candidate.corrupt(_drop_one_active_user(10))
    bounds = None if backfill_range is None else tuple(REFERENCE_DAY - timedelta(days=n) for n in backfill_range)
    result = run_gate(candidate.settings, backfill=backfill, config=config_for(CONSISTENCY, backfill_range=bounds))
    assert result.failed(CONSISTENCY) == (["mart_matches_active_user_model"] if fails else [])


def test_semantic_layer_failure_is_a_named_failure(candidate: Candidate) -> None:
    """Without a dbt build there is no semantic manifest: the cross-check fails, it is not skipped."""
    result = run_gate(candidate.settings, config=config_for(CONSISTENCY, semantic_layer=True))
    assert [(f.dataset, f.expectation) for f in result.failures] == [(CONSISTENCY, "mart_matches_semantic_layer")]
    assert "semantic layer query failed" in result.failures[0].detail
    assert "semantic_manifest.json" in result.failures[0].detail


# ---- event-grain datasets: checked in SQL, one row per partition, failures still name the records

AGGREGATED = (AMP, STG_AMP)


def _frames(settings: Settings, backfill: bool = False) -> dict[str, object]:
    params = {
        "reference_day": REFERENCE_DAY,
        "lookback_days": LOOKBACK_DAYS,
        "recheck_start": REFERENCE_DAY - timedelta(days=100) if backfill else None,
        "recheck_end": REFERENCE_DAY if backfill else None,
        "is_backfill": backfill,
    }
    con = open_candidate(settings.warehouse, None)
    try:
        return {s.name: load_frame(con, s, params) for s in load_suites(suite_dirs(), AGGREGATED)}
    finally:
        con.close()


def test_event_datasets_are_one_row_per_recomputed_partition(candidate: Candidate) -> None:
    """Memory does not grow with events per day: the gate reads per-partition counts, not the events."""
    frames = _frames(candidate.settings)
    events = _value(candidate.path, f"select count(*) from {AMP} where dt > {day(LOOKBACK_DAYS)}")
    for name, frame in frames.items():
        assert len(frame) == LOOKBACK_DAYS, name  # the nightly lookback window only
        count_column = "record_count" if name == AMP else "event_count"
        assert frame[count_column].sum() == events, name
        for spec in next(s for s in load_suites(suite_dirs(), (name,))).expectations:
            if spec.examples:  # every row-level rule counts its violations and lists examples
                assert {spec.kwargs["column"], spec.examples} <= set(frame.columns), (name, spec.name)
                assert (frame[spec.kwargs["column"]] == 0).all(), (name, spec.name)
    # A backfill recomputed older days: they are checked too, still one row per day.
    assert len(_frames(candidate.settings, backfill=True)[AMP]) > LOOKBACK_DAYS


def test_gate_connection_has_a_bounded_memory_limit(candidate: Candidate) -> None:
    """DuckDB would otherwise cache every scanned block up to 80% of RAM: RSS would grow with the data."""
    con = open_candidate(candidate.path, None)
    try:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    assert limit.endswith("MiB") and float(limit.split()[0]) <= 1024


def test_event_rule_failure_names_partition_count_and_records(candidate: Candidate) -> None:
    candidate.corrupt([f"update {STG_AMP} set event_type = null where upload_dt = {day(1)}"])
    where = f"from {STG_AMP} where upload_dt = {day(1)}"
    broken = _value(candidate.path, f"select count(*) {where}")
    first = _value(
        candidate.path,
        f"select arg_min(source_file || ':' || source_line, struct_pack(f := source_file, l := source_line)) {where}",
    )
    assert broken > 5
    result = run_gate(candidate.settings, config=config_for(STG_AMP))
    (failure,) = result.failures
    assert failure.expectation == "event_type_present"
    assert f"1 of {LOOKBACK_DAYS} row(s) unexpected" in failure.detail
    assert f"upload_dt={REFERENCE_DAY - timedelta(days=1)} (value {broken})" in failure.detail
    records = failure.detail.split("records ", 1)[1].split("; ")
    assert len(records) == 5  # the first five, by file and line
    assert records[0] == first


def test_raw_record_failure_names_file_line_and_value(candidate: Candidate) -> None:
    candidate.corrupt([patch(AMP, '{"event_time": "2026-10-31T10:00:00Z"}')])
    file, line, dt = _value(
        candidate.path,
        f"select [_file, cast(_line as varchar), cast(dt as varchar)] from {AMP} "
        "where json_extract_string(payload, '$.event_time') like '%T%'",
    )
    result = run_gate(candidate.settings, config=config_for(AMP))
    (failure,) = result.failures
    assert failure.expectation == "event_time_format"
    assert f"dt={dt} (value 1)" in failure.detail
    assert f"records {file}:{line} event_time=2026-10-31T10:00:00Z" in failure.detail


def test_backfill_checks_the_raw_partitions_it_recomputed(candidate: Candidate) -> None:
    """Nightly runs check the lookback window (older partitions were checked by their own night);
    a backfill recomputes older days, so their partitions are checked again."""
    candidate.corrupt(
        [
            patch(AMP, '{"device_id": null}', f"dt = {day(10)}"),
            update(STG_AMP, "device_id = null", f"upload_dt = {day(10)}"),
        ]
    )
    nightly = run_gate(candidate.settings, config=config_for(AMP, STG_AMP))
    assert nightly.passed, nightly.summary()
    bounds = (REFERENCE_DAY - timedelta(days=12), REFERENCE_DAY - timedelta(days=8))
    backfill = run_gate(candidate.settings, backfill=True, config=config_for(AMP, STG_AMP, backfill_range=bounds))
    assert {(f.dataset, f.expectation) for f in backfill.failures} == {
        (AMP, "device_id_present"),
        (STG_AMP, "device_id_present"),
    }
    elsewhere = (REFERENCE_DAY - timedelta(days=6), REFERENCE_DAY - timedelta(days=5))
    assert run_gate(candidate.settings, backfill=True, config=config_for(AMP, backfill_range=elsewhere)).passed


# ---- missing inputs


def test_missing_mart_is_a_failure(candidate: Candidate) -> None:
    candidate.corrupt(["drop table marts.metrics_support_weekly", "drop table audit.metric_findings"])
    result = run_gate(
        candidate.settings,
        config=config_for("marts.metrics_support_weekly", "audit.metric_findings", "marts.metrics_support_daily"),
    )
    assert [(f.dataset, f.expectation) for f in result.failures] == [
        ("marts.metrics_support_weekly", DATASET_QUERY),
        ("audit.metric_findings", DATASET_QUERY),
    ]
    assert "metrics_support_weekly" in result.failures[0].detail
    assert "metric_findings" in result.failures[1].detail
    assert set(result.rows) == {"marts.metrics_support_daily"}


def test_missing_candidate_fails_the_gate(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home", tmp_path / "no-such-warehouse.duckdb")
    result = run_gate(settings, config=config_for())
    assert not result.passed
    assert [(f.dataset, f.expectation) for f in result.failures] == [("candidate", DATASET_QUERY)]
    assert "candidate warehouse not found" in result.failures[0].detail


# ---- the failure message, the report, Data Docs


def test_gate_failed_names_dataset_expectation_and_row(candidate: Candidate) -> None:
    candidate.corrupt([update(UNR, "unrouted_share = unrouted_share / 2 + 0.01", "items > 0")])
    corrupted_week = _value(
        candidate.path, f"select week_start from {UNR} where abs(unrouted_share - unrouted_items / items) > 0.001"
    )
    weeks = _value(candidate.path, f"select count(*) from {UNR}")
    result = run_gate(candidate.settings, config=config_for(UNR))
    with pytest.raises(GateFailed) as error:
        result.raise_for_failures()
    message = str(error.value)
    assert message.startswith(
        "quality gate failed: 1 expectation(s) in 1 dataset(s) (marts.metrics_feedback_unrouted_weekly)"
    )
    assert "marts.metrics_feedback_unrouted_weekly: share_is_unrouted_over_items: unrouted_share = " in message
    assert f"1 of {weeks} row(s) unexpected" in message
    assert f"week_start={corrupted_week}" in message
    assert error.value.failures == result.failures


def test_report_records_the_decision(candidate: Candidate) -> None:
    # A cross-column rule the gate owns (dau <= wau <= mau is a dbt test of the mart's YAML).
    candidate.corrupt([update(UNR, "unrouted_share = unrouted_share / 2 + 0.01", "items > 0")])
    result = run_gate(candidate.settings, config=config_for(UNR))
    report = json.loads(gate_report_path(candidate.settings).read_text())
    assert report["passed"] is False
    assert report["run_id"] == result.run_id
    assert [(f["dataset"], f["expectation"]) for f in report["failures"]] == [(UNR, "share_is_unrouted_over_items")]
    assert report["params"]["reference_day"] == REFERENCE_DAY.isoformat()
    assert report["params"]["lookback_days"] == LOOKBACK_DAYS


def test_data_docs_keep_the_history_outside_the_repo(tmp_path: Path, clean_warehouse: Path) -> None:
    settings = make_settings(tmp_path / "home", tmp_path / "candidate.duckdb")
    shutil.copyfile(clean_warehouse, settings.warehouse)
    repo_files = sorted(p.name for p in EXPECTATIONS_DIR.iterdir())
    first = run_gate(settings, config=config_for(UNR, data_docs=True))
    shutil.copyfile(clean_warehouse, settings.warehouse)
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(update(UNR, "unrouted_share = unrouted_share / 2 + 0.01", "items > 0"))
    second = run_gate(settings, config=config_for(UNR, data_docs=True))
    assert first.passed and not second.passed
    index = data_docs_dir(settings) / "index.html"
    assert first.data_docs == second.data_docs == index
    html = index.read_text()
    assert first.run_id in html and second.run_id in html  # both runs are listed: the history
    results = list((settings.home / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(results) == 2
    assert sorted(p.name for p in EXPECTATIONS_DIR.iterdir()) == repo_files


def test_data_docs_index_lists_stored_results_from_its_cache(tmp_path: Path, clean_warehouse: Path) -> None:
    """The index entry of a stored result is read once, then served from the cache on later builds."""
    settings = make_settings(tmp_path / "home", tmp_path / "candidate.duckdb")
    shutil.copyfile(clean_warehouse, settings.warehouse)
    first = run_gate(settings, config=config_for(AUD, data_docs=True))
    cache = settings.home / "gx" / "uncommitted" / CACHE_FILE
    (entry,) = json.loads(cache.read_text())["entries"].values()
    assert entry["success"] is True
    # Mark the cached entry: the next index shows the cached value, so it did not re-read the result.
    doc = json.loads(cache.read_text())
    next(iter(doc["entries"].values()))["asset_name"] = "served-from-the-cache"
    cache.write_text(json.dumps(doc))
    second = run_gate(settings, config=config_for(AUD, data_docs=True))
    html = (data_docs_dir(settings) / "index.html").read_text()
    assert first.run_id in html and second.run_id in html
    assert "served-from-the-cache" in html
    assert len(json.loads(cache.read_text())["entries"]) == 2


def test_unchanged_suites_are_not_registered_again(tmp_path: Path, clean_warehouse: Path) -> None:
    """A new process (each Airflow task) reuses the suites GX stored; a changed suite file is re-registered."""
    settings = make_settings(tmp_path / "home", tmp_path / "candidate.duckdb")
    shutil.copyfile(clean_warehouse, settings.warehouse)
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    stored = settings.home / "gx" / "expectations" / "marts" / "metrics_support_daily.json"

    def gate_in_a_new_process() -> None:
        _RUNNERS.clear()  # what a new process starts with
        result = run_gate(settings, config=config_for(SUP_D, expectations_dir=suites, data_docs=True))
        assert result.passed, result.summary()

    gate_in_a_new_process()
    written = stored.stat().st_mtime_ns
    gate_in_a_new_process()
    assert stored.stat().st_mtime_ns == written
    path = suites / f"{SUP_D}.json"
    doc = json.loads(path.read_text())
    doc["expectations"][0]["description"] = "Reviewed again"
    path.write_text(json.dumps(doc))
    gate_in_a_new_process()
    assert "Reviewed again" in stored.read_text()


# ---- write-audit-publish


@pytest.mark.slow
def test_failed_gate_keeps_readers_on_the_last_good_version(candidate: Candidate) -> None:
    settings: Settings = candidate.settings
    before = sha256(settings.published_snapshot)
    published_dau = published_value(settings, f"select dau from {AUD} where date_day = {day(1)}")
    candidate.corrupt(
        [update(AUD, "dau = dau + 5, wau = wau + 5, mau = mau + 5, stickiness = null", f"date_day = {day(1)}")]
    )

    failed = gate_then_publish(settings, config=config_for())
    assert not failed.passed
    assert sha256(settings.published_snapshot) == before
    assert published_value(settings, f"select dau from {AUD} where date_day = {day(1)}") == published_dau
    assert _value(candidate.path, f"select dau from {AUD} where date_day = {day(1)}") == published_dau + 5

    # The fixed build passes and replaces what readers see.
    version = published_value(settings, "select max(version) from analytics._publication")
    candidate.corrupt(
        [
            update(
                AUD,
                "dau = dau - 5, wau = wau - 5, mau = mau - 5, stickiness = (dau - 5.0) / (mau - 5)",
                f"date_day = {day(1)}",
            )
        ]
    )
    fixed = gate_then_publish(settings, config=config_for())
    assert fixed.passed, fixed.summary()
    assert published_value(settings, "select max(version) from analytics._publication") == version + 1


# ---- GX's logging noise (STACK.md gotcha 9)

_IMPORT_WITH_INFO_LOGGING = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(name)s|%(message)s")
if sys.argv[1] == "gate":
    from insights.quality.gx_runner import GxRunner
    from pathlib import Path
    GxRunner(Path(sys.argv[2]), Path(sys.argv[2]) / "docs")
else:
    import great_expectations
"""


@pytest.mark.slow
def test_gate_silences_great_expectations_logging(tmp_path: Path) -> None:
    """Imported as the gate does it, GX logs nothing at INFO; imported plainly, it logs hundreds of lines."""
    runs = {
        mode: subprocess.Popen(
            [sys.executable, "-c", _IMPORT_WITH_INFO_LOGGING, mode, str(tmp_path / mode)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("gate", "plain")
    }
    gx_lines = {}
    for mode, process in runs.items():
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[-2000:]
        gx_lines[mode] = [line for line in stderr.splitlines() if line.startswith("great_expectations")]
    assert len(gx_lines["plain"]) > 100  # the noise is real: the check below can fail
    assert gx_lines["gate"] == []


# ---- the quarantine threshold, seen per loaded partition

PARTITIONS = "raw.partitions"


def test_partition_share_is_checked_against_the_configured_threshold(
    candidate: Candidate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixture's one partition with quarantined records (0.5% of its run) passes the default 1%;
    a lower INSIGHTS_MAX_QUARANTINE_SHARE makes the same candidate fail, naming the partition."""
    assert run_gate(candidate.settings, config=config_for(PARTITIONS)).passed
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.004")
    result = run_gate(candidate.settings, config=config_for(PARTITIONS))
    assert result.failed(PARTITIONS) == ["run_quarantined_share_within_threshold"]
    source, stream, partition = QUARANTINED_PARTITION
    assert f"source='{source}', stream='{stream}', partition='{partition}'" in result.failures[0].detail
    assert "0.004" in result.failures[0].detail and "0.005" in result.failures[0].detail  # threshold and share


def test_a_bad_threshold_setting_fails_the_dataset_naming_the_variable(
    candidate: Candidate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "lots")
    result = run_gate(candidate.settings, config=config_for(PARTITIONS))
    assert [(f.dataset, f.expectation) for f in result.failures] == [(PARTITIONS, DATASET_QUERY)]
    assert "INSIGHTS_MAX_QUARANTINE_SHARE" in result.failures[0].detail
