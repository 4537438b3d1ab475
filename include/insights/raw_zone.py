"""The raw zone at a URL: a local folder or object storage (``s3://bucket/prefix``), through fsspec.

Landing writes each partition in the local raw zone first (atomic renames, docs/contracts.md); with
``INSIGHTS_RAW_ZONE_URL`` set (``Settings.raw_zone_url``, read once per run), ``publish_partition`` then
copies it to that URL, and the warehouse load
on any machine first pulls the complete partitions it does not have (``pull``), so extraction and
build may run on different Celery workers. Object stores have no
rename, so a partition is published write-then-manifest: its old manifest is removed first (the
partition is incomplete from then on), the data files are uploaded, files the new manifest does not
list are deleted, and the manifest is written last. Readers trust only manifested files: a file
that no manifest lists, or one whose size differs from its manifest entry, is never read.

DuckDB's httpfs extension is downloaded at run time and cannot be installed offline, so DuckDB reads
the files through the same fsspec filesystem (``duckdb.register_filesystem``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import fsspec
from fsspec.implementations.local import LocalFileSystem

MANIFEST_NAME = "_manifest.json"
WATERMARK_NAME = "_watermark.json"  # raw/<source>/_watermark.json (insights.extraction.state)
DATA_SUFFIX = ".jsonl.gz"


class RawZoneError(RuntimeError):
    """A published partition does not match its manifest (the message names partition and file)."""


@dataclass(frozen=True)
class PublishedFile:
    url: str  # full URL, protocol included (what DuckDB reads through the registered filesystem)
    name: str
    rows: int
    size: int


class RawZoneStore:
    """A raw zone rooted at ``url``: ``s3://bucket/prefix`` or a local folder (path or ``file://``)."""

    def __init__(self, url: str, *, endpoint_url: str | None = None, storage_options: Mapping[str, Any] | None = None):
        self.url = url.rstrip("/")
        options = dict(storage_options or {})
        if endpoint_url and self.url.startswith("s3://"):
            options.setdefault("endpoint_url", endpoint_url)
        fs, root = fsspec.core.url_to_fs(self.url, **options)
        self.fs: fsspec.AbstractFileSystem = fs
        self.root: str = root.rstrip("/")
        self.protocol = "file" if isinstance(fs, LocalFileSystem) else _first(fs.protocol)

    # -- paths ------------------------------------------------------------------------------------
    def path(self, rel: str) -> str:
        return f"{self.root}/{rel.strip('/')}" if rel else self.root

    def full_url(self, path: str) -> str:
        return path if self.protocol == "file" else f"{self.protocol}://{path}"

    # -- publishing -------------------------------------------------------------------------------
    def publish_partition(self, local_partition: Path, rel_dir: str) -> dict[str, Any]:
        """Copy a complete local partition (its manifest present) to ``rel_dir``: manifest last."""
        manifest_file = Path(local_partition) / MANIFEST_NAME
        manifest = json.loads(manifest_file.read_text())
        names = [entry["name"] for entry in manifest["files"]]
        target = self.path(rel_dir)
        self.unpublish(rel_dir)  # from here readers see the partition as incomplete
        self.fs.makedirs(target, exist_ok=True)
        for name in names:
            self.fs.put_file(str(Path(local_partition) / name), f"{target}/{name}")
        for stale in set(self._data_files(target)) - set(names):
            self.fs.rm_file(f"{target}/{stale}")
        self.fs.pipe_file(f"{target}/{MANIFEST_NAME}", manifest_file.read_bytes())
        return manifest

    def publish_file(self, local_file: Path, rel_path: str) -> None:
        """A single small file (a source's watermark): one PUT, which S3 makes visible whole."""
        self.fs.makedirs(self.path(rel_path).rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(self.path(rel_path), Path(local_file).read_bytes())

    def pull(self, local_root: Path) -> list[str]:
        """Bring the local raw zone up to the published one: each complete partition whose manifest
        differs from the local one is downloaded (files first, manifest last, the local partition
        marked incomplete meanwhile), then the watermarks. Returns the partitions pulled. The caller
        holds the raw-zone lock (the warehouse load does), so no local writer is in the middle."""
        from insights.extraction.landing import atomic_output, remove_file  # landing imports this module

        pulled = []
        for rel_dir in self.complete_partitions():
            remote = self.fs.cat_file(f"{self.path(rel_dir)}/{MANIFEST_NAME}")
            local = Path(local_root) / rel_dir
            manifest = local / MANIFEST_NAME
            if manifest.is_file() and manifest.read_bytes() == remote:
                continue
            remove_file(manifest)
            files = self.manifested_files(rel_dir)
            expected = {e["name"]: e["sha256"] for e in json.loads(remote)["files"]}
            for published in files:
                with (
                    self.fs.open(self._path_of(published.url), "rb") as source,
                    atomic_output(local / published.name) as target,
                ):
                    digest = hashlib.sha256()
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        target.write(chunk)
                    # Republished by another machine since its manifest was read: the local partition
                    # stays incomplete (no manifest) and the next load pulls it again.
                    if digest.hexdigest() != expected[published.name]:
                        raise RawZoneError(f"{published.url}: sha256 differs from its manifest's")
            listed = {f.name for f in files}
            for stale in local.glob(f"*{DATA_SUFFIX}"):
                if stale.name not in listed:
                    remove_file(stale)
            with atomic_output(manifest) as target:
                target.write(remote)
            pulled.append(rel_dir)
        for watermark in self.fs.glob(f"{self.root}/*/{WATERMARK_NAME}"):
            rel = watermark[len(self.root) + 1 :]
            data = self.fs.cat_file(watermark)
            local = Path(local_root) / rel
            if not local.is_file() or local.read_bytes() != data:
                with atomic_output(local) as target:
                    target.write(data)
        return pulled

    def _path_of(self, url: str) -> str:
        return url if self.protocol == "file" else url.split("://", 1)[1]

    def unpublish(self, rel_dir: str) -> None:
        """Mark a published partition incomplete (its manifest goes first, before any file changes)."""
        manifest = f"{self.path(rel_dir)}/{MANIFEST_NAME}"
        if self.fs.exists(manifest):
            self.fs.rm_file(manifest)

    def _data_files(self, directory: str) -> list[str]:
        if not self.fs.isdir(directory):
            return []
        return [p.rsplit("/", 1)[-1] for p in self.fs.ls(directory, detail=False) if p.endswith(DATA_SUFFIX)]

    # -- reading ----------------------------------------------------------------------------------
    def complete_partitions(self, prefix: str = "") -> Iterator[str]:
        """Relative folders under ``prefix`` that hold a manifest, sorted."""
        base = self.path(prefix)
        if not self.fs.exists(base):
            return
        found = self.fs.glob(f"{base}/**/{MANIFEST_NAME}")
        for manifest in sorted(found):
            yield manifest[len(self.root) + 1 : -len(MANIFEST_NAME) - 1]

    def manifested_files(self, rel_dir: str) -> list[PublishedFile]:
        """The files a partition's manifest lists, each checked to be there at its listed size."""
        directory = self.path(rel_dir)
        try:
            manifest = json.loads(self.fs.cat_file(f"{directory}/{MANIFEST_NAME}"))
        except FileNotFoundError:
            return []  # no manifest: the partition is incomplete and nothing of it is read
        except ValueError as exc:
            raise RawZoneError(f"{self.full_url(directory)}/{MANIFEST_NAME}: not JSON ({exc})") from exc
        files = []
        for entry in manifest.get("files", []):
            path = f"{directory}/{entry['name']}"
            try:
                size = self.fs.size(path)
            except FileNotFoundError as exc:
                raise RawZoneError(f"{self.full_url(path)}: listed by the manifest but missing") from exc
            if size != entry["bytes"]:
                raise RawZoneError(f"{self.full_url(path)}: {size} bytes, the manifest lists {entry['bytes']}")
            files.append(PublishedFile(self.full_url(path), entry["name"], int(entry["rows"]), size))
        return files

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let DuckDB read this store's URLs (no httpfs needed)."""
        if self.protocol != "file":
            con.register_filesystem(self.fs)

    def read_records(self, con: duckdb.DuckDBPyConnection, rel_dir: str) -> list[str]:
        """The JSON lines of a partition's manifested files, read by DuckDB (empty when incomplete)."""
        files = self.manifested_files(rel_dir)
        if not files:
            return []
        self.register(con)
        rows = con.execute(
            "select cast(o.json as varchar) from read_json_objects(?, format = 'newline_delimited', "
            "compression = 'gzip') as o",
            [[f.url for f in files]],
        ).fetchall()
        return [row[0] for row in rows]


def _first(protocol: str | tuple[str, ...]) -> str:
    return protocol if isinstance(protocol, str) else protocol[0]
