"""Complete raw-zone partitions, found through their `_manifest.json` (docs/contracts.md, raw zone).

The landing writer writes a partition's manifest last and atomically, so a partition folder
without one is incomplete (being written, or interrupted): the loader ignores it until the next
run of that interval completes it. The manifest's sha256 and row count of each file are what the
loader trusts: a changed sha means the file was replaced (a re-fetched hour).

A manifest also counts the partition's records (`rows`, the sum over its files), the records the run
that wrote it set aside (`quarantined`) and that whole run's quarantined share
(`run_quarantined_share`, what INSIGHTS_MAX_QUARANTINE_SHARE is checked against). Manifests written
before those two fields existed read as 0 quarantined, share 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insights.warehouse.raw_tables import RawStream

MANIFEST_NAME = "_manifest.json"


class ManifestError(ValueError):
    """A manifest is unreadable or does not describe its files; the message names file and field."""


@dataclass(frozen=True)
class RawFile:
    rel_path: str  # relative to the raw zone, posix separators
    abs_path: Path
    sha256: str
    rows: int


@dataclass(frozen=True)
class Partition:
    rel_dir: str  # relative to the raw zone: <source>/<stream>/<partition>
    manifest: Path
    files: tuple[RawFile, ...]
    rows: int = 0
    quarantined: int = 0
    run_quarantined_share: float = 0.0

    def check_rows(self) -> None:
        """The partition's `rows` is the sum over its files (checked once the files are checked)."""
        listed = sum(f.rows for f in self.files)
        if self.rows != listed:
            raise ManifestError(f"{self.manifest}: field 'rows': {self.rows} but its files list {listed} record(s)")

    @property
    def partition(self) -> str:
        """The partition's folder below its stream, e.g. `dt=2026-01-05` or `form_id=f1/dt=2026-01-05`."""
        return self.rel_dir.split("/", 2)[2]


def _first_key(entry: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((entry[k] for k in keys if k in entry), None)


def _file_entries(manifest: Path, doc: Any) -> list[dict[str, Any]]:
    """The manifest's file list; accepts a list of objects or an object keyed by file name."""
    if not isinstance(doc, dict) or "files" not in doc:
        raise ManifestError(f"{manifest}: field 'files': missing (expected the partition's file list)")
    files = doc["files"]
    if isinstance(files, dict):
        return [{"name": name, **(meta if isinstance(meta, dict) else {})} for name, meta in files.items()]
    if isinstance(files, list) and all(isinstance(f, dict) for f in files):
        return files
    raise ManifestError(f"{manifest}: field 'files': expected a list of objects, got {type(files).__name__}")


def _count(manifest: Path, doc: dict[str, Any], name: str, default: int | None) -> int:
    value = doc.get(name, default)
    if value is None or not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ManifestError(f"{manifest}: field {name!r}: expected a count, got {doc.get(name)!r}")
    return value


def _share(manifest: Path, doc: dict[str, Any]) -> float:
    value = doc.get("run_quarantined_share", 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ManifestError(
            f"{manifest}: field 'run_quarantined_share': expected a share between 0 and 1, got {value!r}"
        )
    return float(value)


def read_manifest(manifest: Path, raw_dir: Path) -> Partition:
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{manifest}: unreadable manifest: {exc}") from exc
    partition_dir = manifest.parent
    files = []
    for index, entry in enumerate(_file_entries(manifest, doc)):
        where = f"{manifest}: files[{index}]"
        name = _first_key(entry, ("name", "file", "path", "filename"))
        sha = _first_key(entry, ("sha256", "sha"))
        rows = _first_key(entry, ("rows", "row_count", "records"))
        if not isinstance(name, str) or not name:
            raise ManifestError(f"{where}: field 'name': missing")
        if not isinstance(sha, str) or not sha:
            raise ManifestError(f"{where} ({name}): field 'sha256': missing")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise ManifestError(f"{where} ({name}): field 'rows': expected a count, got {rows!r}")
        # Files live in the manifest's folder; tolerate names given with a leading path.
        abs_path = partition_dir / Path(name).name
        if not abs_path.is_file():
            raise ManifestError(f"{where}: field 'name': listed file {abs_path} does not exist")
        files.append(RawFile(abs_path.relative_to(raw_dir).as_posix(), abs_path, sha, rows))
    return Partition(
        rel_dir=partition_dir.relative_to(raw_dir).as_posix(),
        manifest=manifest,
        files=tuple(files),
        rows=_count(manifest, doc, "rows", sum(f.rows for f in files)),
        quarantined=_count(manifest, doc, "quarantined", 0),
        run_quarantined_share=_share(manifest, doc),
    )


def complete_partitions(raw_dir: Path, stream: RawStream) -> Iterator[Partition]:
    """Partitions of one stream that carry a manifest, in path order."""
    root = raw_dir / stream.source / stream.stream
    if not root.is_dir():
        return
    for manifest in sorted(root.rglob(MANIFEST_NAME)):
        yield read_manifest(manifest, raw_dir)


def incomplete_partitions(raw_dir: Path, stream: RawStream) -> list[str]:
    """Leaf folders holding data files but no manifest (reported, never loaded)."""
    root = raw_dir / stream.source / stream.stream
    if not root.is_dir():
        return []
    folders = {p.parent for p in root.rglob("*.gz")}
    return sorted(f.relative_to(raw_dir).as_posix() for f in folders if not (f / MANIFEST_NAME).is_file())
