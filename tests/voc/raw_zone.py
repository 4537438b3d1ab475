"""The voice-of-customer tests' hand-written raw zone, landed from the data files in fixtures/raw/.

fixtures/raw/ mirrors a raw zone (docs/contracts.md's layout) with plain `.jsonl` files; fixtures/
zone.json gives the sources' watermarks (naive UTC), the partitions left without a manifest (an
incomplete extraction: their records must never count) and the routing keywords appended to the
demo's product_area_keywords.csv. Files are gzipped as the landing writer writes them and manifests
come from the landing writer's own `RawZone.write_manifest`, so the zone stays in the format the
loader reads. What each record exercises is described in fixtures/README.md; the marts the dbt
build must produce from it are in fixtures/expect/.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from insights.extraction.landing import RawZone, utc_iso, write_json_atomic
from insights.settings import PACKAGE_CONFIG_DIR

FIXTURES = Path(__file__).parent / "fixtures"
RAW = FIXTURES / "raw"
ZONE: dict[str, Any] = json.loads((FIXTURES / "zone.json").read_text())
WATERMARKS = {source: datetime.fromisoformat(value) for source, value in ZONE["watermarks"].items()}


def write_workspace_config(folder: Path) -> Path:
    """The demo config with zone.json's extra keywords appended to product_area_keywords.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("tracking_plan.yml", "settings.yml", "product_areas.csv"):
        shutil.copy(PACKAGE_CONFIG_DIR / name, folder / name)
    with (PACKAGE_CONFIG_DIR / "product_area_keywords.csv").open(newline="", encoding="utf-8") as handle:
        rows = [(row["area"], row["keyword"]) for row in csv.DictReader(handle)]
    with (folder / "product_area_keywords.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area", "keyword"])
        writer.writerows(rows + [tuple(pair) for pair in ZONE["extra_keywords"]])
    return folder


def _interval(partition: Path) -> tuple[datetime, datetime]:
    """The day interval of a partition, from its `dt=` folder."""
    start = datetime.combine(date.fromisoformat(partition.name.removeprefix("dt=")), time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def write_raw_zone(raw_dir: Path) -> Path:
    """Land the whole fixture under raw_dir (the `raw/` folder of an INSIGHTS_HOME)."""
    zone = RawZone(raw_dir)
    for source, complete_through in WATERMARKS.items():
        write_json_atomic(
            raw_dir / source / "_watermark.json",
            {"source": source, "complete_through": utc_iso(complete_through.replace(tzinfo=UTC)), "updated_at": None},
        )
    partitions = sorted({path.parent.relative_to(RAW) for path in RAW.rglob("*.jsonl")})
    for relative in partitions:
        target = raw_dir / relative
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted((RAW / relative).glob("*.jsonl")):
            (target / f"{path.name}.gz").write_bytes(gzip.compress(path.read_bytes(), mtime=0))
        if str(relative) not in ZONE["without_manifest"]:
            source, stream = relative.parts[:2]
            zone.write_manifest(target, source=source, stream=stream, interval=_interval(target))
    return raw_dir
