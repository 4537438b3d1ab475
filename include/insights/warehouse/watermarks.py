"""Per-source watermarks of the raw zone: `raw/<source>/_watermark.json` (docs/contracts.md, raw zone).

The extraction writes the file atomically after the run's partition manifests:
`{"source": "amplitude", "complete_through": "2026-10-31T00:00:00Z" | null, "updated_at": "<iso>"}`.
"Complete through T" means every record the vendor serves with a timestamp before T has been
extracted (its availability delay included). The warehouse derives which reporting days are
complete from it; a source without the file has no complete day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from insights.warehouse.raw_tables import SOURCES, WATERMARK_NAME


class WatermarkError(ValueError):
    """A watermark file is unreadable or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Watermark:
    source: str
    complete_through: datetime | None  # naive UTC; None: nothing is complete yet
    path: Path


def _instant(path: Path, doc: dict[str, Any], name: str) -> datetime | None:
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise WatermarkError(f"{path}: field {name!r}: expected an ISO-8601 instant or null, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise WatermarkError(f"{path}: field {name!r}: {value!r} is not an ISO-8601 instant") from exc
    if moment.tzinfo is None:
        # A zone-less instant would be read in some local time: refuse rather than guess.
        raise WatermarkError(f"{path}: field {name!r}: {value!r} has no UTC offset (write e.g. ...T00:00:00Z)")
    return moment.astimezone(UTC).replace(tzinfo=None)


def read_watermark(path: Path, source: str) -> Watermark:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WatermarkError(f"{path}: unreadable watermark: {exc}") from exc
    if not isinstance(doc, dict):
        raise WatermarkError(f"{path}: expected a JSON object, got {type(doc).__name__}")
    if doc.get("source") != source:
        raise WatermarkError(f"{path}: field 'source': expected {source!r} (its folder), got {doc.get('source')!r}")
    if "complete_through" not in doc:
        raise WatermarkError(f"{path}: field 'complete_through': missing (an instant, or null)")
    return Watermark(source, _instant(path, doc, "complete_through"), path)


def read_watermarks(raw_dir: Path) -> dict[str, Watermark]:
    """The watermark of every source that has a file, by source."""
    found = {}
    for source in SOURCES:
        path = raw_dir / source / WATERMARK_NAME
        if path.is_file():
            found[source] = read_watermark(path, source)
    return found
