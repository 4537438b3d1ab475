"""The benchmark's simulator process: the real HTTP simulator serving a scale night from files.

Amplitude: the upload hours of the measured night (and the 2-hour lookback before it) are
served from the scale world's hour files, pre-serialised (one gzip part per hour, its lines
put in upload order), so millions of events are served without one dict per event.
Zendesk and Typeform: a small generated world over the same days (their volumes do not grow
with product traffic). Vendor rate limits are lifted: the benchmark measures our code, not
Retry-After waits. Run as its own process so its memory and CPU are not charged to a stage.

    python -m insights_dev.bench.serve CACHE_DIR FIRST_DAY NIGHT PORT_FILE
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import signal
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from insights_dev.simulator import Limits, SimulatorServer, World, WorldConfig, generate_world
from insights_dev.simulator.amplitude import AmplitudeStore

GENEROUS_LIMITS = dataclasses.replace(
    Limits(),
    zendesk_requests_per_minute=100_000,
    typeform_requests_per_second=100_000,
    amplitude_max_events_per_export=100_000_000,
)
VOC_USERS = 300
PROJECT_ID = 187520


def night_hours(night: date) -> list[datetime]:
    """Upload hours the extraction of [night, night + 1 day) asks: 2 hours of lookback, then the day."""
    start = datetime(night.year, night.month, night.day, tzinfo=UTC) - timedelta(hours=2)
    return [start + timedelta(hours=n) for n in range(26)]


def hour_file(events_dir: Path, hour: datetime) -> Path:
    return events_dir / f"dt={hour.date().isoformat()}" / f"hour={hour:%H}.jsonl.gz"


def amplitude_store(events_dir: Path, night: date) -> AmplitudeStore:
    """The served upload hours, each one gzip part with its lines in upload order (then uuid), as
    the simulator serves them. DuckDB's partitioned writer does not keep row order, so each hour is
    put in order here: DuckDB sorts the line numbers (columnar), Python only moves the bytes."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    hours = {}
    for hour in night_hours(night):
        path = hour_file(events_dir, hour)
        if not path.is_file():
            continue
        order = con.execute(
            "select o.ordinality, epoch_us(cast(o.server_upload_time as timestamp)) / 1e6 from read_json(?, "
            "format = 'newline_delimited', columns = {'server_upload_time': 'varchar', 'uuid': 'varchar'}) "
            "with ordinality as o order by o.server_upload_time, o.uuid",
            [str(path)],
        ).fetchall()
        with gzip.open(path, "rb") as handle:
            lines = handle.read().splitlines()
        if len(lines) != len(order):
            raise RuntimeError(f"{path}: DuckDB read {len(order)} records from {len(lines)} lines")
        body = b"\n".join(lines[n - 1] for n, _ in order) + b"\n"
        del lines
        part = gzip.compress(body, compresslevel=1, mtime=0)
        hours[int(hour.timestamp() // 3600)] = ([e for _, e in order], [part], [len(order)])
    con.close()
    return AmplitudeStore.from_serialised(hours, PROJECT_ID)


def voc_world(first_day: date, night: date) -> World:
    world = generate_world(WorldConfig(users=VOC_USERS, days=(night - first_day).days + 1, start=first_day))
    return dataclasses.replace(world, events=[])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights_dev.bench.serve")
    parser.add_argument("events_dir", type=Path, help="the scale world's amplitude/events folder (dt=*/hour=*)")
    parser.add_argument("first_day", type=date.fromisoformat)
    parser.add_argument("night", type=date.fromisoformat)
    parser.add_argument("port_file", type=Path)
    args = parser.parse_args(argv)
    store = amplitude_store(args.events_dir, args.night)
    # The clock: 2 hours after the night ends, when a real nightly run starts (the whole day is exportable).
    now = datetime(args.night.year, args.night.month, args.night.day, tzinfo=UTC) + timedelta(days=1, hours=2)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with SimulatorServer(voc_world(args.first_day, args.night), now=now, limits=GENEROUS_LIMITS,
                         amplitude_store=store) as server:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(server.port))
        tmp.replace(args.port_file)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
