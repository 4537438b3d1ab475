"""The DuckDB snapshot: governed schemas only, faithful types, old-driver storage, atomic swaps,
readable while a build writes the warehouse. These tests need no Postgres (INSIGHTS_SERVING_DSN=none)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from insights.publish import PublishError, publish
from insights.serving.postgres import CopyTextSource
from tests.publish.conftest import SECRET_EMAIL, World, relation_rows

GOVERNED = {"marts", "audit"}


def relations(path: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        views = con.execute("select schema_name, view_name from duckdb_views() where not internal").fetchall()
    return set(tables) | set(views)


def text_values(path: Path) -> list[str]:
    """Every non-empty text value of every table and view in the file."""
    return [v for _, _, rows in relation_rows(path) for row in rows for v in row if isinstance(v, str) and v]


def snapshot_version(path: Path, schema: str = "analytics") -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select max(version) from {schema}._publication").fetchone()[0]


def test_snapshot_holds_the_governed_tables_and_never_raw_or_staging(world: World) -> None:
    world.write(1)
    result = publish(world.settings, require_gate=False)

    assert result.postgres is None and result.version == 1
    assert set(result.tables) == {"marts.metrics_a", "marts.metrics_b", "audit.findings_c"}
    assert result.rows == world.expected_rows(1)
    found = relations(result.snapshot)
    assert {s for s, _ in found} == {"marts", "audit", "analytics"}
    served = {t for s, t in found if s == "analytics"}
    assert served == {"metrics_a", "metrics_b", "findings_c", "_publication"}
    # The e-mail scan can find the address: it does in the warehouse (positive control) ...
    assert SECRET_EMAIL in text_values(world.warehouse)
    # ... and finds it nowhere in the published file.
    assert not [v for v in text_values(result.snapshot) if "@" in v]


def test_snapshot_rows_and_types_match_the_warehouse(world: World) -> None:
    world.write(2)
    world.add_table(
        "marts.metrics_types",
        """select
             date '2026-10-31' as d, timestamp '2026-10-31 23:59:59.123456' as ts,
             timestamptz '2026-10-31 22:00:00+00' as tstz, 0.1::double + 0.2::double as dbl,
             true as flag, 7::integer as i, 9007199254740993::bigint as big, 1.50::decimal(10, 2) as dec,
             E'tab\\there\\nnew line \\\\ back' as txt, '' as empty, null::varchar as missing"""
    )
    result = publish(world.settings, require_gate=False)
    with duckdb.connect(str(result.snapshot), read_only=True) as snap:
        types = snap.execute("select column_name, data_type from duckdb_columns() "
                             "where schema_name = 'marts' and table_name = 'metrics_types'").fetchall()
        row = snap.execute("select * exclude (tstz), tstz::varchar from analytics.metrics_types").fetchone()
        assert snap.execute("select count(*) from analytics.metrics_a").fetchone()[0] == 32
    assert dict(types) == {
        "d": "DATE", "ts": "TIMESTAMP", "tstz": "TIMESTAMP WITH TIME ZONE", "dbl": "DOUBLE",
        "flag": "BOOLEAN", "i": "INTEGER", "big": "BIGINT", "dec": "DECIMAL(10,2)", "txt": "VARCHAR",
        "empty": "VARCHAR", "missing": "VARCHAR",
    }
    assert row[:10] == (
        date(2026, 10, 31), datetime(2026, 10, 31, 23, 59, 59, 123456), 0.30000000000000004, True, 7,
        9007199254740993, Decimal("1.50"), "tab\there\nnew line \\ back", "", None,
    )
    assert row[10].startswith("2026-10-31 22:00:00")


def test_snapshot_is_written_in_a_storage_version_older_drivers_read(world: World) -> None:
    world.write(1)
    result = publish(world.settings, require_gate=False)

    def storage(path: Path) -> tuple[str, int]:
        with duckdb.connect(str(path), read_only=True) as con:
            tags = con.execute("select tags from duckdb_databases() where not internal").fetchone()[0]
        header = path.read_bytes()[:20]
        assert header[8:12] == b"DUCK"
        return tags["storage_version"], int.from_bytes(header[12:20], "little")

    snapshot_tag, snapshot_header = storage(result.snapshot)
    warehouse_tag, warehouse_header = storage(world.warehouse)
    assert snapshot_tag == "v1.4.0+"
    # The check tells versions apart: the warehouse, written with DuckDB 2.0's default, is newer.
    assert warehouse_tag != snapshot_tag and warehouse_header > snapshot_header


def test_republishing_is_idempotent_and_leaves_no_temporary_files(world: World) -> None:
    world.write(3)
    first = publish(world.settings, require_gate=False)
    with duckdb.connect(str(first.snapshot), read_only=True) as con:
        before = con.execute("select * from analytics.metrics_b order by segment").fetchall()
    second = publish(world.settings, require_gate=False)
    with duckdb.connect(str(second.snapshot), read_only=True) as con:
        after = con.execute("select * from analytics.metrics_b order by segment").fetchall()
        publications = con.execute("select distinct version from analytics._publication").fetchall()

    assert (first.version, second.version) == (1, 2)
    assert publications == [(2,)]
    assert after == before and len(after) == 17
    assert second.rows == first.rows == world.expected_rows(3)
    assert relations(first.snapshot) == relations(second.snapshot)
    assert sorted(p.name for p in first.snapshot.parent.iterdir()) == [".publish.lock", "insights.duckdb"]


def test_a_failed_publication_leaves_the_previous_snapshot(world: World) -> None:
    world.write(1)
    publish(world.settings, require_gate=False)
    before = world.settings.published_snapshot.read_bytes()
    world.write(2)
    world.add_table("marts.metrics_bad", "select [1, 2] as a_list")

    with pytest.raises(PublishError, match=r"marts\.metrics_bad\.a_list: type INTEGER\[\]"):
        publish(world.settings, require_gate=False)

    assert world.settings.published_snapshot.read_bytes() == before
    assert snapshot_version(world.settings.published_snapshot) == 1
    assert sorted(p.name for p in world.settings.published_snapshot.parent.iterdir()) == [
        ".publish.lock", "insights.duckdb"]


def test_a_reader_keeps_a_consistent_view_across_swaps(world: World) -> None:
    """Readers opening the snapshot in a loop while it is republished: every open is one whole publication."""
    world.write(1)
    publish(world.settings, require_gate=False)
    seen: list[tuple[int, int, int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_loop() -> None:
        while not stop.is_set():
            try:
                with duckdb.connect(str(world.settings.published_snapshot), read_only=True) as con:
                    seen.append(con.execute(
                        "select (select max(version) from analytics._publication), "
                        "(select count(*) from analytics.metrics_a), "
                        "(select min(generation) from marts.metrics_a), "
                        "(select max(generation) from audit.findings_c)"
                    ).fetchone())
            except Exception as exc:  # any error a reader would see counts as a failure
                errors.append(exc)

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for generation in range(2, 7):
            world.write(generation)
            publish(world.settings, require_gate=False)
    finally:
        stop.set()
        reader.join()
    assert not errors
    # version n publishes generation n, whose metrics_a has 30 + n rows.
    assert all(rows == 30 + version and gen_a == gen_c == version for version, rows, gen_a, gen_c in seen)
    assert len({s[0] for s in seen}) >= 2, "the reader never saw a swap: the test proves nothing"


def test_an_old_reader_keeps_its_file_after_a_swap(world: World, tmp_path: Path) -> None:
    """A reader in another process with the old snapshot open keeps reading it; new opens see the new one."""
    world.write(1)
    publish(world.settings, require_gate=False)
    script = tmp_path / "hold.py"
    script.write_text(textwrap.dedent("""
        import sys, time, duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        query = "select max(version), (select count(*) from analytics.metrics_a) from analytics._publication"
        print(con.execute(query).fetchone(), flush=True)
        sys.stdin.readline()
        print(con.execute(query).fetchone(), flush=True)
    """))
    holder = subprocess.Popen([sys.executable, str(script), str(world.settings.published_snapshot)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "(1, 31)"
        world.write(2)
        assert publish(world.settings, require_gate=False).version == 2
        assert snapshot_version(world.settings.published_snapshot) == 2
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "(1, 31)"
    finally:
        holder.kill()
        holder.wait()


WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists marts.build_progress (n integer)")
print("writing", flush=True)
for n in range(10_000):
    con.execute("insert into marts.build_progress values (?)", [n])
    time.sleep(0.01)
"""


@pytest.fixture
def build_writing(world: World, tmp_path: Path):
    """Another process holding the warehouse open for writing, as `dbt build` does."""
    world.write(1)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(world.warehouse)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    yield writer
    writer.kill()
    writer.wait()


def test_snapshot_opens_read_only_while_a_build_writes_the_warehouse(world: World, tmp_path: Path) -> None:
    world.write(1)
    publish(world.settings, require_gate=False)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(world.warehouse)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        # The lock is real: the warehouse itself cannot be opened, even read-only ...
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(world.warehouse), read_only=True)
        # ... while the snapshot opens and answers.
        with duckdb.connect(str(world.settings.published_snapshot), read_only=True) as con:
            assert con.execute("select count(*) from analytics.metrics_a").fetchone()[0] == 31
        assert writer.poll() is None, "the writer stopped: the test no longer overlaps a build"
    finally:
        writer.kill()
        writer.wait()


def test_publication_refuses_clearly_while_a_build_writes(world: World, build_writing: object) -> None:
    with pytest.raises(PublishError, match="a build is probably writing it"):
        publish(world.settings, require_gate=False)
    assert not world.settings.published_snapshot.exists()


def test_nothing_to_publish_is_an_error(world: World) -> None:
    world.govern()  # the manifest declares the usual governed models, none of them is built
    with duckdb.connect(str(world.warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.events as select 1 as id")
    with pytest.raises(PublishError, match=r"none of the 3 governed model\(s\) \(access: public\) is in the warehouse"):
        publish(world.settings, require_gate=False)


def test_a_mart_and_an_audit_table_may_not_share_a_name(world: World) -> None:
    world.write(1)
    world.add_table("audit.metrics_a", "select 1 as id")
    with pytest.raises(PublishError, match=r"audit\.metrics_a and marts\.metrics_a share a name"):
        publish(world.settings, require_gate=False)


def test_one_publication_at_a_time(world: World) -> None:
    import fcntl

    world.write(1)
    lock = world.settings.published_snapshot.parent / ".publish.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(PublishError, match="another publication is running"):
            publish(world.settings, require_gate=False)
    finally:
        os.close(fd)
    assert publish(world.settings, require_gate=False).version == 1


def test_copy_text_escapes_what_postgres_would_misread() -> None:
    class Rows:
        def __init__(self, rows: list[tuple]) -> None:
            self.rows = rows

        def fetchmany(self, n: int) -> list[tuple]:
            batch, self.rows = self.rows[:n], self.rows[n:]
            return batch

    source = CopyTextSource(Rows([("a\tb", None), ("back\\slash", "line\nbreak\r"), ("", "x")]), batch_rows=2)
    text = "".join(iter(lambda: source.read(5), ""))
    assert text == "a\\tb\t\\N\nback\\\\slash\tline\\nbreak\\r\n\tx\n"


def test_published_at_is_recorded_in_utc(world: World) -> None:
    world.write(1)
    before = datetime.now(UTC)
    result = publish(world.settings, require_gate=False)
    with duckdb.connect(str(result.snapshot), read_only=True) as con:
        stored = con.execute("select epoch(min(published_at)), epoch(max(published_at)) "
                             "from analytics._publication").fetchone()
    assert stored[0] == stored[1] == pytest.approx(result.published_at.timestamp(), abs=1e-3)
    assert before <= result.published_at <= datetime.now(UTC)
    assert time.time() - stored[0] < 60
