"""The raw loader on both targets: layout -> raw tables, incremental by manifest, clear errors."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from insights.extraction.landing import RawZone, describe_file
from insights.settings import Settings
from insights.warehouse import (
    ManifestError,
    RawLoadError,
    WarehouseBusyError,
    WatermarkError,
    load_raw,
    warehouse_lock,
)
from insights.workspace import WorkspaceConfigError

from .conftest import query
from .raw_world import write_partition, write_watermark

DAY = date(2026, 1, 5)


def _events(hour: int, count: int, tag: str = "v1") -> list[dict]:
    # "n" is the 1-based position in the file: the loader's _line must equal it.
    return [
        {"event_type": "page_viewed", "n": n, "hour": hour, "tag": tag, "s": "tab\t back\\slash"}
        for n in range(1, count + 1)
    ]


def _write_amplitude(settings: Settings, day: date = DAY, hours: dict[int, int] | None = None, tag: str = "v1"):
    hours = hours or {9: 3, 13: 250}
    files = {f"hour={h:02d}.jsonl.gz": _events(h, n, tag) for h, n in hours.items()}
    return write_partition(settings.raw_dir, "amplitude", "events", f"dt={day}", files, day)


def _write_other_streams(settings: Settings) -> None:
    write_partition(
        settings.raw_dir,
        "zendesk",
        "tickets",
        f"dt={DAY}",
        {
            "part-00001.jsonl.gz": [{"id": 1, "status": "open"}, {"id": 2, "status": "new"}],
            "part-00002.jsonl.gz": [{"id": 1, "status": "solved"}],
        },
        DAY,
    )
    write_partition(
        settings.raw_dir,
        "typeform",
        "forms",
        f"dt={DAY}",
        {"form_id=nps01.jsonl.gz": [{"id": "nps01", "fields": []}]},
        DAY,
    )
    write_partition(
        settings.raw_dir,
        "typeform",
        "responses",
        f"form_id=nps01/dt={DAY}",
        {"part-00001.jsonl.gz": [{"response_id": "r1"}, {"response_id": "r2"}]},
        DAY,
    )


def _count(settings: Settings, target: str, table: str, where: str = "true") -> int:
    return query(settings, target, f"select count(*) from {{raw}}.{table} where {where}")[0][0]


def test_loads_every_stream_with_partition_columns_and_lineage(wh_settings: Settings, target: str) -> None:
    _write_amplitude(wh_settings)
    _write_other_streams(wh_settings)
    result = load_raw(wh_settings, target)

    assert result.stream("amplitude_events").rows_inserted == 253
    assert result.stream("zendesk_tickets").rows_inserted == 3
    assert result.stream("typeform_forms").rows_inserted == 1
    assert result.stream("typeform_responses").rows_inserted == 2
    rows = query(
        wh_settings,
        target,
        "select dt, hour, _file, _line, payload->>'n', payload->>'hour', payload->>'s' "
        "from {raw}.amplitude_events order by _file, _line",
    )
    assert {(r[0], r[1]) for r in rows} == {(DAY, 9), (DAY, 13)}
    for _dt, hour, file_, line, n, payload_hour, text in rows:
        assert file_ == f"amplitude/events/dt={DAY}/hour={hour:02d}.jsonl.gz"
        assert int(payload_hour) == hour
        assert line == int(n), f"{file_}: _line {line} is not the record's position {n}"
        assert text == "tab\t back\\slash"  # escapes survive COPY and read_json_objects alike
    forms = query(wh_settings, target, "select dt, form_id, _file from {raw}.typeform_forms")
    assert forms == [(DAY, "nps01", f"typeform/forms/dt={DAY}/form_id=nps01.jsonl.gz")]
    responses = query(wh_settings, target, "select distinct dt, form_id from {raw}.typeform_responses")
    assert responses == [(DAY, "nps01")]
    tickets = query(
        wh_settings, target, "select _file, _line, payload->>'status' from {raw}.zendesk_tickets order by _file, _line"
    )
    assert [t[2] for t in tickets] == ["open", "new", "solved"]
    loaded = query(wh_settings, target, "select path, rows from {raw}._loaded_files order by path")
    assert len(loaded) == 6 and sum(r[1] for r in loaded) == 259


def test_second_load_changes_nothing(wh_settings: Settings, target: str) -> None:
    _write_amplitude(wh_settings)
    first = load_raw(wh_settings, target)
    second = load_raw(wh_settings, target)
    assert second.rows_inserted == 0 and second.files_loaded == 0
    assert _count(wh_settings, target, "amplitude_events") == 253
    assert second.loaded_at > first.loaded_at


def test_a_replaced_file_has_its_rows_replaced(wh_settings: Settings, target: str) -> None:
    _write_amplitude(wh_settings, hours={9: 3, 13: 5})
    first = load_raw(wh_settings, target)
    # The lookback re-fetch of hour 13 brings more events: a new sha for the same file name.
    _write_amplitude(wh_settings, hours={9: 3, 13: 8}, tag="v2")
    second = load_raw(wh_settings, target)

    amplitude = second.stream("amplitude_events")
    # hour 9 changed too (tag v2 in its records): both files replaced, none appended twice
    assert (amplitude.files_new, amplitude.files_replaced, amplitude.rows_deleted) == (0, 2, 8)
    rows = query(
        wh_settings,
        target,
        "select payload->>'tag', _loaded_at, count(*) from {raw}.amplitude_events group by payload->>'tag', _loaded_at",
    )
    assert rows == [("v2", second.loaded_at, 11)]
    assert first.loaded_at < second.loaded_at


def test_a_file_dropped_from_its_manifest_is_unloaded(wh_settings: Settings, target: str) -> None:
    _write_amplitude(wh_settings, hours={9: 3, 13: 5})
    load_raw(wh_settings, target)
    partition = wh_settings.raw_dir / "amplitude" / "events" / f"dt={DAY}"
    (partition / "hour=13.jsonl.gz").unlink()
    RawZone(wh_settings.raw_dir).write_manifest(
        partition,
        source="amplitude",
        stream="events",
        interval=(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)),
    )
    result = load_raw(wh_settings, target)
    assert result.stream("amplitude_events").files_removed == 1
    assert query(wh_settings, target, "select distinct hour from {raw}.amplitude_events") == [(9,)]
    assert query(wh_settings, target, "select count(*) from {raw}._loaded_files") == [(1,)]


def test_partitions_without_manifest_are_left_alone(wh_settings: Settings, target: str) -> None:
    _write_amplitude(wh_settings, hours={9: 3})
    load_raw(wh_settings, target)
    zone = RawZone(wh_settings.raw_dir)
    loaded_partition = zone.path("amplitude", "events", f"dt={DAY}")
    zone.open_partition(loaded_partition)  # a re-extraction has started: manifest gone, files changing
    other = date(2026, 1, 6)
    _write_amplitude(wh_settings, day=other, hours={1: 4})
    zone.open_partition(zone.path("amplitude", "events", f"dt={other}"))  # never completed

    result = load_raw(wh_settings, target)
    assert result.stream("amplitude_events").incomplete_partitions == 2
    assert result.rows_inserted == 0
    # the earlier rows of the partition being rewritten stay until it is complete again
    assert _count(wh_settings, target, "amplitude_events") == 3


def test_a_manifest_that_disagrees_with_its_file_fails_and_changes_nothing(wh_settings: Settings, target: str) -> None:
    _write_amplitude(wh_settings, hours={9: 3})
    load_raw(wh_settings, target)
    partition = wh_settings.raw_dir / "amplitude" / "events" / f"dt={date(2026, 1, 6)}"
    _write_amplitude(wh_settings, day=date(2026, 1, 6), hours={2: 4})
    manifest = json.loads((partition / "_manifest.json").read_text())
    manifest["files"][0]["rows"] = 5
    (partition / "_manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(RawLoadError) as error:
        load_raw(wh_settings, target)
    message = str(error.value)
    assert "amplitude/events/dt=2026-01-06/hour=02.jsonl.gz" in message
    assert "'rows'" in message and "5" in message and "4" in message
    assert _count(wh_settings, target, "amplitude_events") == 3  # rolled back


def test_an_invalid_json_line_is_reported_with_file_and_line(wh_settings: Settings, target: str) -> None:
    partition = wh_settings.raw_dir / "zendesk" / "tickets" / f"dt={DAY}"
    partition.mkdir(parents=True)
    bad = partition / "part-00001.jsonl.gz"
    with gzip.open(bad, "wb") as handle:
        handle.write(b'{"id": 1}\n{"id": 2}\n{"id": 3,,}\n{"id": 4}\n')
    RawZone(wh_settings.raw_dir).write_manifest(
        partition,
        source="zendesk",
        stream="tickets",
        interval=(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)),
        files=[describe_file(bad)],
    )
    with pytest.raises(
        RawLoadError, match=r"zendesk/tickets/dt=2026-01-05/part-00001\.jsonl\.gz: line 3: field 'payload'"
    ):
        load_raw(wh_settings, target)


def test_a_manifest_listing_a_missing_file_is_an_error(wh_settings: Settings) -> None:
    _write_amplitude(wh_settings, hours={9: 3})
    (wh_settings.raw_dir / "amplitude" / "events" / f"dt={DAY}" / "hour=09.jsonl.gz").unlink()
    with pytest.raises(ManifestError, match=r"_manifest\.json: files\[0\]: field 'name': listed file .*hour=09"):
        load_raw(wh_settings, "duckdb")


def test_empty_raw_zone_creates_every_table_and_loads_the_workspace(wh_settings: Settings, target: str) -> None:
    result = load_raw(wh_settings, target)
    assert result.rows_inserted == 0
    for table in ("amplitude_events", "zendesk_tickets", "typeform_forms", "typeform_responses"):
        assert _count(wh_settings, target, table) == 0
    events = dict(query(wh_settings, target, "select event_type, counts_as_active from {raw}.ws_tracking_plan_events"))
    # from include/config/tracking_plan.yml: a counting event, a non-counting one, a deprecated counting one
    assert events["project_created"] is True
    assert events["page_viewed"] is False
    assert events["legacy_export_clicked"] is True
    props = query(
        wh_settings,
        target,
        "select property_type, is_required, allowed_values from {raw}.ws_tracking_plan_properties "
        "where event_type = 'report_exported' and property_name = 'format'",
    )
    assert props == [("string", True, '["csv", "pdf", "xlsx"]')]
    assert query(wh_settings, target, "select naming_rule from {raw}.ws_tracking_plan_meta") == [
        ("^[a-z][a-z0-9]*(_[a-z0-9]+)*$",)
    ]
    assert ("tasks", "collab", "tom.becker@acme-insights.com") in query(
        wh_settings, target, "select area, team, pm from {raw}.ws_product_areas"
    )
    assert ("tasks", "due date") in query(
        wh_settings, target, "select area, keyword from {raw}.ws_product_area_keywords"
    )


def test_workspace_tables_follow_the_config_on_every_run(wh_settings: Settings, target: str) -> None:
    load_raw(wh_settings, target)
    plan = wh_settings.config_dir / "tracking_plan.yml"
    plan.write_text(plan.read_text().replace("    owner: platform\n", "    owner: infra\n"))
    load_raw(wh_settings, target)
    owners = dict(query(wh_settings, target, "select event_type, owner from {raw}.ws_tracking_plan_events"))
    assert owners["file_uploaded"] == "infra"
    assert owners["project_created"] == "collab"
    assert query(wh_settings, target, "select count(*) from {raw}.ws_tracking_plan_meta") == [(1,)]


def test_a_bad_workspace_config_fails_before_touching_the_warehouse(wh_settings: Settings) -> None:
    (wh_settings.config_dir / "settings.yml").write_text("activation_event: ''\n")
    with pytest.raises(WorkspaceConfigError, match="activation_event"):
        load_raw(wh_settings, "duckdb")
    assert not wh_settings.warehouse.exists()


def test_the_warehouse_lock_refuses_a_second_build(wh_settings: Settings, tmp_path: Path) -> None:
    with warehouse_lock(wh_settings) as path:
        # another process tries while we hold it
        script = textwrap.dedent(
            f"""
            import dataclasses, sys
            from pathlib import Path
            from insights.settings import load_settings
            from insights.warehouse import WarehouseBusyError, warehouse_lock
            settings = dataclasses.replace(load_settings(), home=Path({str(wh_settings.home)!r}))
            try:
                with warehouse_lock(settings):
                    sys.exit(0)
            except WarehouseBusyError as exc:
                print(exc)
                sys.exit(3)
            """
        )
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
        assert proc.returncode == 3, proc.stderr
        assert f"pid {os.getpid()}" in proc.stdout and str(path) in proc.stdout
        with pytest.raises(WarehouseBusyError), warehouse_lock(wh_settings):  # flock is per open file
            pass
    with warehouse_lock(wh_settings):  # released: free again
        pass


# ---- raw-zone bookkeeping: partition counts and source watermarks


def _partitions(settings: Settings, target: str) -> list[tuple]:
    return query(
        settings,
        target,
        "select source, stream, partition, rows, quarantined, run_quarantined_share, loaded_at "
        "from {raw}._partitions order by source, stream, partition",
    )


def test_partition_counts_are_loaded_and_old_manifests_read_as_nothing_quarantined(
    wh_settings: Settings, target: str
) -> None:
    files = {"hour=09.jsonl.gz": _events(9, 3), "hour=13.jsonl.gz": _events(13, 4)}
    write_partition(
        wh_settings.raw_dir, "amplitude", "events", f"dt={DAY}", files, DAY, quarantined=2, run_quarantined_share=0.004
    )
    _write_other_streams(wh_settings)  # manifests without the two fields (written before they existed)
    result = load_raw(wh_settings, target)

    rows = [r[:6] for r in _partitions(wh_settings, target)]
    assert rows == [
        ("amplitude", "events", f"dt={DAY}", 7, 2, 0.004),
        ("typeform", "forms", f"dt={DAY}", 1, 0, 0.0),
        ("typeform", "responses", f"form_id=nps01/dt={DAY}", 2, 0, 0.0),
        ("zendesk", "tickets", f"dt={DAY}", 3, 0, 0.0),
    ]
    assert {r[6] for r in _partitions(wh_settings, target)} == {result.loaded_at}
    assert result.stream("amplitude_events").partitions_recorded == 1


def test_partition_rows_change_only_with_their_partition(wh_settings: Settings, target: str) -> None:
    write_partition(
        wh_settings.raw_dir, "amplitude", "events", f"dt={DAY}", {"hour=09.jsonl.gz": _events(9, 3)}, DAY,
        quarantined=0, run_quarantined_share=0.0,
    )  # fmt: skip
    other = date(2026, 1, 6)
    write_partition(
        wh_settings.raw_dir, "amplitude", "events", f"dt={other}", {"hour=01.jsonl.gz": _events(1, 2)}, other,
        quarantined=1, run_quarantined_share=0.2,
    )  # fmt: skip
    first = load_raw(wh_settings, target)
    second = load_raw(wh_settings, target)
    assert second.stream("amplitude_events").partitions_recorded == 0
    assert {r[6] for r in _partitions(wh_settings, target)} == {first.loaded_at}  # idempotent

    # a re-extraction of the first day by a run that quarantined more; the second day starts being rewritten
    write_partition(
        wh_settings.raw_dir, "amplitude", "events", f"dt={DAY}", {"hour=09.jsonl.gz": _events(9, 3)}, DAY,
        quarantined=1, run_quarantined_share=0.25,
    )  # fmt: skip
    zone = RawZone(wh_settings.raw_dir)
    zone.open_partition(zone.path("amplitude", "events", f"dt={other}"))
    third = load_raw(wh_settings, target)
    assert third.stream("amplitude_events").partitions_recorded == 1
    assert _partitions(wh_settings, target) == [
        ("amplitude", "events", f"dt={DAY}", 3, 1, 0.25, third.loaded_at),
        ("amplitude", "events", f"dt={other}", 2, 1, 0.2, first.loaded_at),  # no manifest: the row stays
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quarantined", -1, "field 'quarantined': expected a count"),
        ("quarantined", "3", "field 'quarantined': expected a count"),
        ("run_quarantined_share", 1.5, "field 'run_quarantined_share': expected a share between 0 and 1"),
        ("run_quarantined_share", True, "field 'run_quarantined_share'"),
        ("rows", 99, "field 'rows': 99 but its files list 3 record"),
    ],
)
def test_a_bad_partition_count_names_the_manifest_and_field(
    wh_settings: Settings, field: str, value: object, message: str
) -> None:
    write_partition(wh_settings.raw_dir, "amplitude", "events", f"dt={DAY}", {"hour=09.jsonl.gz": _events(9, 3)}, DAY)
    manifest_path = wh_settings.raw_dir / "amplitude" / "events" / f"dt={DAY}" / "_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest[field] = value
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ManifestError) as error:
        load_raw(wh_settings, "duckdb")
    assert str(manifest_path) in str(error.value) and message in str(error.value)


def _watermarks(settings: Settings, target: str) -> dict[str, tuple]:
    rows = query(settings, target, "select source, complete_through, loaded_at from {raw}._source_watermarks")
    return {source: (through, loaded_at) for source, through, loaded_at in rows}


def test_source_watermarks_are_loaded_as_naive_utc_and_follow_the_files(wh_settings: Settings, target: str) -> None:
    raw = wh_settings.raw_dir
    write_watermark(raw, "amplitude", "2026-01-06T00:00:00Z")
    write_watermark(raw, "typeform", None)  # known source, nothing complete yet
    write_watermark(raw, "zendesk", "2026-01-06T01:30:00+01:00")  # an offset is converted to UTC
    first = load_raw(wh_settings, target)
    assert first.watermarks == {
        "amplitude": datetime(2026, 1, 6),
        "zendesk": datetime(2026, 1, 6, 0, 30),
        "typeform": None,
    }
    assert _watermarks(wh_settings, target) == {
        "amplitude": (datetime(2026, 1, 6), first.loaded_at),
        "typeform": (None, first.loaded_at),
        "zendesk": (datetime(2026, 1, 6, 0, 30), first.loaded_at),
    }

    load_raw(wh_settings, target)  # nothing changed: rows untouched
    assert {s: v[1] for s, v in _watermarks(wh_settings, target).items()} == dict.fromkeys(
        ("amplitude", "typeform", "zendesk"), first.loaded_at
    )

    write_watermark(raw, "amplitude", datetime(2026, 1, 7, 2))  # the next night moved it
    (raw / "typeform" / "_watermark.json").unlink()  # a source without the file has no row
    third = load_raw(wh_settings, target)
    assert _watermarks(wh_settings, target) == {
        "amplitude": (datetime(2026, 1, 7, 2), third.loaded_at),
        "zendesk": (datetime(2026, 1, 6, 0, 30), first.loaded_at),
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"source": "amplitude", "complete_through": "2026-01-06T00:00:00"}', "has no UTC offset"),
        ('{"source": "amplitude", "complete_through": "yesterday"}', "field 'complete_through': 'yesterday'"),
        ('{"source": "amplitude", "complete_through": 1767657600}', "field 'complete_through': expected"),
        ('{"source": "amplitude"}', "field 'complete_through': missing"),
        ('{"source": "zendesk", "complete_through": null}', "field 'source': expected 'amplitude'"),
        ('{"source": "amplitude", "complete_through": ', "unreadable watermark"),
    ],
)
def test_a_bad_watermark_names_its_file_and_field_and_changes_nothing(
    wh_settings: Settings, target: str, content: str, message: str
) -> None:
    _write_amplitude(wh_settings, hours={9: 3})
    write_watermark(wh_settings.raw_dir, "amplitude", "2026-01-05T10:00:00Z")
    load_raw(wh_settings, target)
    _write_amplitude(wh_settings, day=date(2026, 1, 6), hours={2: 4})
    path = wh_settings.raw_dir / "amplitude" / "_watermark.json"
    path.write_text(content)

    with pytest.raises(WatermarkError) as error:
        load_raw(wh_settings, target)
    assert str(path) in str(error.value) and message in str(error.value)
    assert _count(wh_settings, target, "amplitude_events") == 3  # the new partition was not loaded either
    assert [v[0] for v in _watermarks(wh_settings, target).values()] == [datetime(2026, 1, 5, 10)]
