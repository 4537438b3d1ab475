"""Run extractions against a simulator with faults, and read back what landed, for reconciliation.

Counting rules (what "nothing lost, nothing double counted" means here):
- a record is identified by its source key (``KEYS``): Amplitude ``uuid``, a Zendesk ticket
  version ``(id, updated_at)``, a Typeform ``response_id``;
- the raw zone may hold a key twice (Typeform's 30-minute lookback, duplicates a source sent at
  page boundaries): the warehouse deduplicates, so the marts are where double counting shows;
- records the source holds = distinct keys landed + records quarantined (each quarantine line
  carries the reason, the file, the line and the field).
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from insights.extraction.landing import QUARANTINE_DIR
from insights.settings import PACKAGE_CONFIG_DIR, SOURCES, Settings, SourceEndpoint
from insights_dev.simulator import Faults, Limits, SimulatorServer, World

# Small Zendesk pages and ZIP parts, so page boundaries and multi-entry archives exist in a tiny world
# (the Typeform extractor asks page_size=1000, which the simulator must allow);
# no vendor rate limit, so the suite spends its time on the injected faults only.
SUITE_LIMITS = Limits(
    zendesk_requests_per_minute=100_000,
    typeform_requests_per_second=100_000,
    zendesk_max_per_page=10,
    amplitude_events_per_part=40,
)

KEYS: dict[str, tuple[str, tuple[str, ...]]] = {  # source -> (stream folder, key fields)
    "amplitude": ("events", ("uuid",)),
    "zendesk": ("tickets", ("id", "updated_at")),
    "typeform": ("responses", ("response_id",)),
}


def settings_for(home: Path, sim: SimulatorServer | None = None,
                 credentials: Mapping[str, dict[str, str]] | None = None) -> Settings:
    """Settings with data under ``home`` and the three sources pointed at ``sim``."""
    endpoints = {
        source: SourceEndpoint(
            source,
            sim.base_url(source) if sim is not None else "http://127.0.0.1:9/unused",
            dict((credentials or {}).get(source) or (sim.credentials(source) if sim is not None else {})),
        )
        for source in SOURCES
    }
    return Settings(home=home, warehouse=home / "warehouse.duckdb", config_dir=PACKAGE_CONFIG_DIR,
                    replay_dir=None, serving_dsn=None, endpoints=endpoints)


@dataclass
class ExtractionRun:
    home: Path
    settings: Settings
    landed: dict[str, int] = field(default_factory=dict)  # as the extractor reported them
    quarantined: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # source -> the error that stopped it
    injected: dict[str, int] = field(default_factory=dict)


def run_extraction(world: World, home: Path, first: date, last: date, *, now: datetime,
                   faults: Faults | None = None, credentials: Mapping[str, dict[str, str]] | None = None,
                   sources: tuple[str, ...] = SOURCES, limits: Limits = SUITE_LIMITS) -> ExtractionRun:
    """Extract every source day by day (as the nightly DAGs do) from a simulator with ``faults``.

    An extraction error is recorded, not raised: a fault the pipeline must refuse is an outcome too.
    """
    from insights.pipeline import extract_days

    with SimulatorServer(world, now=now, limits=limits, faults=faults) as sim:
        settings = settings_for(home, sim, credentials)
        run = ExtractionRun(home, settings)
        for source in sources:
            try:
                results = extract_days(source, first, last, settings)
            except Exception as exc:
                run.errors[source] = f"{type(exc).__name__}: {exc}"
                continue
            run.landed[source] = sum(r.records_landed for r in results)
            run.quarantined[source] = sum(r.records_quarantined for r in results)
    injected = getattr(faults, "injected", None)
    run.injected = injected() if callable(injected) else {}
    return run


def _jsonl(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield line.rstrip(b"\n")


def landed_keys(raw_dir: Path, source: str) -> Counter[tuple[Any, ...]]:
    """Multiset of the record keys in the source's landed data files (complete partitions only)."""
    stream, fields = KEYS[source]
    keys: Counter[tuple[Any, ...]] = Counter()
    root = raw_dir / source / stream
    for path in sorted(root.rglob("*.jsonl.gz")):
        if not any((parent / "_manifest.json").is_file() for parent in path.parents if root in parent.parents):
            continue  # an incomplete partition is not landed (the loader ignores it)
        for line in _jsonl(path):
            record = json.loads(line)
            keys[tuple(record.get(f) for f in fields)] += 1
    return keys


def quarantine_entries(raw_dir: Path, source: str) -> list[dict[str, Any]]:
    root = raw_dir / QUARANTINE_DIR / source
    return [json.loads(line) for path in sorted(root.rglob("*.jsonl*")) for line in _jsonl(path)]


def mart_rows(warehouse: Path, schema: str = "marts") -> dict[str, list[tuple[Any, ...]]]:
    """Every table of ``schema`` as sorted rows (an order-free, comparable picture of the marts)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name",
            [schema]).fetchall()]
        return {name: sorted(con.execute(f'select * from "{schema}"."{name}"').fetchall(), key=repr)
                for name in tables}


def files_containing(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """Every file under ``root`` (gzip files decompressed) that contains one of ``needles``."""
    hits: dict[str, list[str]] = {}
    encoded = [n.encode("utf-8") for n in needles]
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            with contextlib.suppress(OSError, EOFError):
                data += gzip.decompress(data)
        found = [n.decode() for n in encoded if n in data]
        if found:
            hits[str(path.relative_to(root))] = found
    return hits
