"""Complete raw-zone partitions, found through their `_manifest.json` (docs/contracts.md, raw zone).

The landing writer writes a partition's manifest last and atomically, so a partition folder
without one is incomplete (being written, or interrupted): the loader ignores it until the next
run of that interval completes it. The manifest's sha256 and row count of each file are what the
loader trusts: a changed sha means the file was replaced (a re-fetched hour).
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
    rel_dir: str
    manifest: Path
    files: tuple[RawFile, ...]


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
    return Partition(partition_dir.relative_to(raw_dir).as_posix(), manifest, tuple(files))


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
