"""The raw zone on object storage: a local S3 endpoint (moto in server mode) on a free port.

Landing publishes a partition write-then-manifest; DuckDB reads it back through fsspec; a partition
whose manifest is not (yet) there is invisible; a manifest that does not describe its files fails.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from moto.server import ThreadedMotoServer

from insights.extraction.landing import LandingStats, RawZone, RecordFileWriter
from insights.raw_zone import MANIFEST_NAME, RawZoneError, RawZoneStore
from insights.settings import load_settings

pytestmark = pytest.mark.s3

BUCKET = "insights-raw"
PARTITION = "amplitude/events/dt=2026-08-03"
INTERVAL = (datetime(2026, 8, 3, tzinfo=UTC), datetime(2026, 8, 4, tzinfo=UTC))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def store(endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> RawZoneStore:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    url = f"s3://{BUCKET}/{request.node.name}"
    monkeypatch.setenv("INSIGHTS_RAW_ZONE_URL", url)
    monkeypatch.setenv("INSIGHTS_S3_ENDPOINT_URL", endpoint)
    zone = load_settings().raw_zone_store()  # the run's settings carry the URL and the endpoint
    assert zone is not None and zone.url == url
    if not zone.fs.exists(BUCKET):
        zone.fs.mkdir(BUCKET)
    return zone


def land(root: Path, records_by_file: dict[str, list[dict]], remote: RawZoneStore | None) -> Path:
    """Land one partition with the real landing writer (which publishes it to ``remote`` when given)."""
    zone = RawZone(root, remote)
    partition = zone.path(*PARTITION.split("/"))
    zone.open_partition(partition)
    stats = LandingStats()
    landed = []
    for name, records in records_by_file.items():
        with RecordFileWriter(zone, partition / name, lambda _record: None, stats) as writer:
            for line, record in enumerate(records, 1):
                writer.add_record(record, name, line)
            landed.append(writer.commit())
    zone.write_manifest(partition, source="amplitude", stream="events", interval=INTERVAL, files=landed)
    return partition


def records(n: int, start: int = 0) -> list[dict]:
    return [{"event_id": i, "at": (INTERVAL[0] + timedelta(minutes=i)).isoformat()} for i in range(start, start + n)]


def test_landing_round_trips_through_s3(store: RawZoneStore, tmp_path: Path) -> None:
    landed = {"part-0000.jsonl.gz": records(3), "part-0001.jsonl.gz": records(2, start=3)}
    land(tmp_path / "raw", landed, store)
    assert list(store.complete_partitions()) == [PARTITION]
    files = store.manifested_files(PARTITION)
    assert [f.name for f in files] == sorted(landed)
    assert all(f.url.startswith(f"s3://{BUCKET}/") for f in files)
    with duckdb.connect() as con:
        read = sorted(json.loads(line)["event_id"] for line in store.read_records(con, PARTITION))
    assert read == list(range(5))


def test_partial_write_without_manifest_is_invisible(store: RawZoneStore, tmp_path: Path) -> None:
    # A writer that died after uploading a data file but before the manifest.
    store.fs.pipe_file(store.path(f"{PARTITION}/part-0000.jsonl.gz"), gzip.compress(b'{"event_id": 1}\n'))
    assert list(store.complete_partitions()) == []
    with duckdb.connect() as con:
        assert store.read_records(con, PARTITION) == []


def test_reopening_a_partition_hides_it_until_republished(store: RawZoneStore, tmp_path: Path) -> None:
    partition = land(tmp_path / "raw", {"part-0000.jsonl.gz": records(3), "part-0001.jsonl.gz": records(1, 3)}, store)
    RawZone(tmp_path / "raw", store).open_partition(partition)  # a re-run of the interval starts
    assert list(store.complete_partitions()) == []
    # The re-run lands one file only: the stale second file is removed, the new manifest comes last.
    (partition / "part-0001.jsonl.gz").unlink()
    land(tmp_path / "raw", {"part-0000.jsonl.gz": records(4, start=10)}, store)
    assert [f.name for f in store.manifested_files(PARTITION)] == ["part-0000.jsonl.gz"]
    assert not store.fs.exists(store.path(f"{PARTITION}/part-0001.jsonl.gz"))
    with duckdb.connect() as con:
        assert sorted(json.loads(x)["event_id"] for x in store.read_records(con, PARTITION)) == [10, 11, 12, 13]


def test_failed_publish_leaves_the_partition_incomplete(store: RawZoneStore, tmp_path: Path) -> None:
    partition = land(tmp_path / "raw", {"part-0000.jsonl.gz": records(2)}, store)
    manifest = json.loads((partition / MANIFEST_NAME).read_text())
    manifest["files"].append({"name": "part-0001.jsonl.gz", "rows": 1, "sha256": "0" * 64, "bytes": 10})
    (partition / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(FileNotFoundError):  # the second file was never written locally
        store.publish_partition(partition, PARTITION)
    assert list(store.complete_partitions()) == []


def test_a_manifest_that_does_not_describe_its_files_fails(store: RawZoneStore, tmp_path: Path) -> None:
    land(tmp_path / "raw", {"part-0000.jsonl.gz": records(2)}, store)
    path = store.path(f"{PARTITION}/part-0000.jsonl.gz")
    store.fs.pipe_file(path, store.fs.cat_file(path) + b"\0")  # changed behind the manifest's back
    with pytest.raises(RawZoneError, match="bytes, the manifest lists"):
        store.manifested_files(PARTITION)
    store.fs.rm_file(path)
    with pytest.raises(RawZoneError, match="listed by the manifest but missing"):
        store.manifested_files(PARTITION)


def test_local_folder_url_works_alike(tmp_path: Path) -> None:
    local = RawZoneStore(str(tmp_path / "published"))
    source = tmp_path / "raw"
    partition = land(source, {"part-0000.jsonl.gz": records(2)}, None)
    local.publish_partition(partition, PARTITION)
    with duckdb.connect() as con:
        assert len(local.read_records(con, PARTITION)) == 2


def test_another_machine_pulls_what_was_published(store: RawZoneStore, tmp_path: Path) -> None:
    """Extraction on one Celery worker, the warehouse load on another: the load's pull brings the
    complete partitions and the watermark, and the warehouse's own manifest reader accepts them."""
    from insights.extraction.state import publish_watermark
    from insights.warehouse.manifests import complete_partitions
    from insights.warehouse.raw_tables import STREAMS

    extractor, builder = tmp_path / "extractor" / "raw", tmp_path / "builder" / "raw"
    land(extractor, {"part-0000.jsonl.gz": records(3)}, store)
    publish_watermark(extractor, "amplitude", INTERVAL[1], store)
    store.fs.pipe_file(store.path("amplitude/events/dt=2026-08-04/part-0000.jsonl.gz"), b"partial")  # no manifest

    assert store.pull(builder) == [PARTITION]
    events = next(s for s in STREAMS if (s.source, s.stream) == ("amplitude", "events"))
    [partition] = complete_partitions(builder, events)
    assert partition.rel_dir == PARTITION and sum(f.rows for f in partition.files) == 3
    assert (builder / PARTITION / "part-0000.jsonl.gz").read_bytes() == (
        extractor / PARTITION / "part-0000.jsonl.gz"
    ).read_bytes()
    assert (builder / "amplitude" / "_watermark.json").read_bytes() == (
        extractor / "amplitude" / "_watermark.json"
    ).read_bytes()
    assert not (builder / "amplitude/events/dt=2026-08-04").exists()  # the unmanifested write stays remote
    assert store.pull(builder) == []  # up to date: nothing downloaded again

    # A re-run on the extractor replaces the partition; the next pull replaces the builder's copy.
    (extractor / PARTITION / "part-0000.jsonl.gz").unlink()
    land(extractor, {"part-0001.jsonl.gz": records(2, start=20)}, store)
    assert store.pull(builder) == [PARTITION]
    assert sorted(p.name for p in (builder / PARTITION).iterdir()) == ["_manifest.json", "part-0001.jsonl.gz"]


def test_a_pulled_file_that_differs_from_its_manifest_leaves_the_partition_incomplete(
    store: RawZoneStore, tmp_path: Path
) -> None:
    land(tmp_path / "extractor", {"part-0000.jsonl.gz": records(3)}, store)
    path = store.path(f"{PARTITION}/part-0000.jsonl.gz")
    data = store.fs.cat_file(path)
    store.fs.pipe_file(path, data[:-1] + bytes([data[-1] ^ 1]))  # same size, other bytes
    builder = tmp_path / "builder"
    with pytest.raises(RawZoneError, match="sha256 differs"):
        store.pull(builder)
    assert not (builder / PARTITION / MANIFEST_NAME).exists()
    assert not (builder / PARTITION / "part-0000.jsonl.gz").exists()
