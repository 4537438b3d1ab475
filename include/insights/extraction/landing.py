"""The raw-zone writer: atomic gzip JSON-lines files, per-partition manifests, quarantine.

Layout and semantics: docs/contracts.md ("Raw zone"). Every file is written to a temp file in
its own directory, fsynced and renamed over the target (``os.replace``), so a reader or a crash
never sees half a file. The gzip header carries no name or mtime, so the same records give the
same bytes (and sha256) on every run. A partition's ``_manifest.json`` is written last; a
partition without one is incomplete and is ignored by the warehouse loader.

Malformed input (bad JSON, truncated archive entries, records missing a required key or with a
wrong-typed one) is set aside in ``raw/_quarantine/`` with the reason, and the rest still lands.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from insights.env_vars import env_float
from insights.raw_zone import RawZoneStore

MANIFEST_NAME = "_manifest.json"
QUARANTINE_DIR = "_quarantine"
DEFAULT_MAX_QUARANTINE_SHARE = 0.01
MAX_EXAMPLES = 5
_TEMP_MARK = ".tmp-"
# Landing is CPU-bound on gzip: level 1 compresses about 3x faster than 6 for ~20% larger files
# (measured on export lines, BENCHMARKS.md); every reader (DuckDB, gzip) reads both alike.
LANDING_COMPRESSLEVEL = 1
# Good lines are handed to gzip in batches: one compress call per line costs more than the compression.
_WRITE_BATCH_BYTES = 1 << 20


class QuarantineThresholdError(RuntimeError):
    """More than the allowed share of the input was malformed."""


# Errors of our own storage (disk full, quota, read-only file system, file too large): the input is
# fine, so they must never be taken for a damaged download or a bad record.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def is_storage_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS


# --------------------------------------------------------------------------------------------
# atomic files


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A temp file next to ``path``: ``commit`` fsyncs and renames it over ``path``, ``discard`` drops it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}{_TEMP_MARK}", dir=path.parent)
        self.tmp = Path(tmp_name)
        self.handle: IO[bytes] = os.fdopen(fd, "wb")

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        self.tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` atomically: readers see the old file or the complete new one, never a part."""
    target = AtomicFile(path)
    try:
        yield target.handle
        target.commit()
    except BaseException:
        target.discard()
        raise


def write_json_atomic(path: Path, payload: Any) -> None:
    data = (json.dumps(payload, indent=2, sort_keys=False) + "\n").encode("utf-8")
    with atomic_output(path) as handle:
        handle.write(data)


def remove_file(path: Path) -> bool:
    """Remove a file durably; True if it existed."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    _fsync_dir(path.parent)
    return True


def remove_stale_temp_files(directory: Path) -> int:
    """Temp files left by a killed writer (never visible under a real name, but they take space)."""
    if not directory.is_dir():
        return 0
    stale = [p for p in directory.iterdir() if p.is_file() and p.name.startswith(".") and _TEMP_MARK in p.name]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


class HashingWriter:
    """File-like sink that hashes and counts the (compressed) bytes on their way to disk."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        self._target.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._target.flush()


@dataclass(frozen=True)
class LandedFile:
    name: str  # file name inside its partition directory
    rows: int
    sha256: str
    bytes: int

    def as_manifest_entry(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "sha256": self.sha256, "bytes": self.bytes}


def describe_file(path: Path) -> LandedFile:
    """Row count, sha256 and size of an existing gzip JSON-lines file (for manifests)."""
    rows, last = 0, b"\n"
    with gzip.open(path, "rb") as handle:
        # Count newlines by chunk (iterating lines is ~5x slower); a last line without one counts too.
        while chunk := handle.read(1 << 20):
            rows += chunk.count(b"\n")
            last = chunk[-1:]
    rows += last != b"\n"
    return LandedFile(path.name, rows, file_sha256(path), path.stat().st_size)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def describe_known(path: Path, known: LandedFile | None) -> LandedFile:
    """Like ``describe_file``, but a file whose size and sha256 match what was recorded for it keeps
    the recorded row count: counting rows means decompressing the whole file, hashing does not."""
    if known is not None and known.name == path.name and known.bytes == path.stat().st_size:
        sha = file_sha256(path)
        if sha == known.sha256:
            return known
    return describe_file(path)


# --------------------------------------------------------------------------------------------
# quarantine


@dataclass(frozen=True)
class QuarantinedRecord:
    reason: str
    source_file: str
    line: int | None
    field: str | None
    payload: str

    def as_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "source_file": self.source_file,
            "line": self.line,
            "field": self.field,
            "payload": self.payload,
        }

    def describe(self) -> str:
        where = f"{self.source_file}, line {self.line}" if self.line is not None else self.source_file
        field_part = f", field {self.field!r}" if self.field else ""
        return f"{where}{field_part}: {self.reason}"


Validator = Callable[[Any], "tuple[str, str] | None"]  # record -> (reason, field) or None if fine


def check_required(record: Any, required: Mapping[str, tuple[type, ...]]) -> tuple[str, str] | None:
    """First problem among the required keys: missing, or of a type not in the allowed tuple.

    Only the required keys are looked at: new fields (schema drift) pass through untouched.
    ``bool`` never counts as ``int`` (JSON true is not an id).
    """
    if not isinstance(record, dict):
        return (f"record is a JSON {type(record).__name__}, not an object", "")
    for key, allowed in required.items():
        if key not in record:
            return (f"missing required key {key!r}", key)
        value = record[key]
        bool_as_int = isinstance(value, bool) and bool not in allowed
        if bool_as_int or not isinstance(value, allowed):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in allowed)
            return (f"required key {key!r} is {_json_type(value)}, expected {names}", key)
    return None


def invalid_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """(reason, field) for the first string holding bytes that were not UTF-8 (decoded with
    ``surrogateescape``) or a lone surrogate: text the warehouse cannot store."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            char = ord(value[exc.start])
            what = f"byte 0x{char - 0xDC00:02x}" if 0xDC80 <= char <= 0xDCFF else f"lone surrogate U+{char:04X}"
            return (f"not valid UTF-8: {what} at character {exc.start + 1} of key {path or '(value)'!r}", path)
        return None
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for child_path, child in items:
        problem = invalid_text(child, child_path)
        if problem is not None:
            return problem
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}.get(
        type(value), "an object"
    )


def summary_key(field_name: str | None) -> str:
    """How the run summary groups quarantined records: by field, list positions folded
    (``answers[3].number`` -> ``answers[].number``); records that are not JSON under ``(record)``."""
    return re.sub(r"\[\d+\]", "[]", field_name) if field_name else "(record)"


@dataclass
class LandingStats:
    """What one extraction landed and set aside, across all its files (and its killed attempts:
    ``as_json`` / ``from_json`` carry the counts in the resume point)."""

    records_landed: int = 0
    records_quarantined: int = 0
    files_written: int = 0
    examples: list[QuarantinedRecord] = field(default_factory=list)
    by_field: Counter[str] = field(default_factory=Counter)

    def add_quarantined(self, records: list[QuarantinedRecord]) -> None:
        self.records_quarantined += len(records)
        self.by_field.update(summary_key(r.field) for r in records)
        room = MAX_EXAMPLES - len(self.examples)
        if room > 0:
            self.examples.extend(records[:room])

    def retract_quarantined(self, records: list[QuarantinedRecord]) -> None:
        """Forget records counted by ``add_quarantined`` (their input is about to be read again)."""
        self.records_quarantined -= len(records)
        self.by_field.subtract(summary_key(r.field) for r in records)
        self.by_field = +self.by_field
        self.examples = [e for e in self.examples if not any(e is r for r in records)]

    def as_json(self) -> dict[str, Any]:
        return {
            "landed": self.records_landed,
            "quarantined": self.records_quarantined,
            "files": self.files_written,
            "by_field": dict(self.by_field),
            "examples": [e.as_json() for e in self.examples],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> LandingStats:
        if not data:
            return cls()
        return cls(
            records_landed=int(data.get("landed", 0)),
            records_quarantined=int(data.get("quarantined", 0)),
            files_written=int(data.get("files", 0)),
            examples=[QuarantinedRecord(**e) for e in data.get("examples", [])][:MAX_EXAMPLES],
            by_field=Counter(data.get("by_field") or {}),
        )

    @property
    def quarantined_share(self) -> float:
        total = self.records_landed + self.records_quarantined
        return self.records_quarantined / total if total else 0.0


def max_quarantine_share(environ: Mapping[str, str] | None = None) -> float:
    return env_float("INSIGHTS_MAX_QUARANTINE_SHARE", DEFAULT_MAX_QUARANTINE_SHARE, environ, maximum=1.0)


def check_quarantine_share(source: str, stats: LandingStats, threshold: float) -> None:
    """Raise when the quarantined share of the input is over ``threshold``, naming the first examples."""
    if stats.records_quarantined == 0 or stats.quarantined_share <= threshold:
        return
    examples = "; ".join(r.describe() for r in stats.examples)
    raise QuarantineThresholdError(
        f"{source}: {stats.records_quarantined} of {stats.records_landed + stats.records_quarantined} "
        f"records quarantined ({stats.quarantined_share:.2%} > allowed {threshold:.2%}, "
        f"INSIGHTS_MAX_QUARANTINE_SHARE). First examples: {examples}"
    )


# --------------------------------------------------------------------------------------------
# the raw zone


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dt_dir(day: date) -> str:
    return f"dt={day.isoformat()}"


class RawZone:
    """``$INSIGHTS_HOME/raw``: partition directories, their manifests and the quarantine mirror."""

    def __init__(self, root: Path, remote: RawZoneStore | None = None) -> None:
        self.root = Path(root)
        self.remote = remote  # the raw zone on object storage (Settings.raw_zone_url), None: local only

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def quarantine_path(self, data_path: Path) -> Path:
        """Mirror of a data file's path under ``raw/_quarantine``, ``.jsonl.gz`` -> ``.jsonl``."""
        rel = self.relative(data_path)
        if rel.endswith(".jsonl.gz"):
            rel = rel[: -len(".gz")]
        return self.root / QUARANTINE_DIR / rel

    def manifest_path(self, partition: Path) -> Path:
        return partition / MANIFEST_NAME

    def open_partition(self, partition: Path) -> None:
        """Mark a partition incomplete before changing any of its files: drop its manifest first
        (here and, with a remote raw zone, at its URL: insights.raw_zone)."""
        remove_file(self.manifest_path(partition))
        if self.remote is not None:
            self.remote.unpublish(self.relative(partition))
        remove_stale_temp_files(partition)

    def clear_partition(self, partition: Path) -> None:
        """Start a partition over (a re-run of its interval replaces it, never appends)."""
        self.open_partition(partition)
        if partition.is_dir():
            for entry in partition.iterdir():
                if entry.is_file():
                    entry.unlink()
        quarantine = self.root / QUARANTINE_DIR / self.relative(partition)
        if quarantine.is_dir():
            shutil.rmtree(quarantine)

    def quarantined_count(self, partition: Path) -> int:
        """Records set aside from this partition's files: the lines of its quarantine mirror."""
        mirror = self.root / QUARANTINE_DIR / self.relative(partition)
        if not mirror.is_dir():
            return 0
        count = 0
        for path in sorted(mirror.glob("*.jsonl")):
            with path.open("rb") as handle:
                count += sum(1 for line in handle if line.strip())
        return count

    def read_manifest_files(self, partition: Path) -> dict[str, LandedFile]:
        """The files a partition's manifest lists, by name (empty when there is no readable manifest)."""
        try:
            manifest = json.loads(self.manifest_path(partition).read_text())
            return {e["name"]: LandedFile(e["name"], e["rows"], e["sha256"], e["bytes"]) for e in manifest["files"]}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def data_files(self, partition: Path) -> list[Path]:
        if not partition.is_dir():
            return []
        return sorted(p for p in partition.glob("*.jsonl.gz") if not p.name.startswith("."))

    def write_manifest(
        self,
        partition: Path,
        *,
        source: str,
        stream: str,
        interval: tuple[datetime, datetime],
        files: list[LandedFile] | None = None,
        cursor: Any = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write the partition's manifest (last, atomically). ``files=None``: describe what is on disk."""
        partition.mkdir(parents=True, exist_ok=True)
        if files is None:
            files = [describe_file(p) for p in self.data_files(partition)]
        entries = sorted((f.as_manifest_entry() for f in files), key=lambda e: e["name"])
        manifest = {
            "source": source,
            "stream": stream,
            "partition": self.relative(partition),
            "interval": {"start": utc_iso(interval[0]), "end": utc_iso(interval[1])},
            "files": entries,
            "rows": sum(e["rows"] for e in entries),
            "cursor": cursor,
            "extracted_at": utc_iso(datetime.now(UTC)),
            **(extra or {}),
        }
        write_json_atomic(self.manifest_path(partition), manifest)
        if self.remote is not None:  # object storage: data files first, manifest last
            self.remote.publish_partition(partition, self.relative(partition))
        return manifest


class RecordFileWriter:
    """Builds one landed file: validates each record, writes the good ones, sets the bad ones aside.

    ``add_line`` takes the original bytes of a JSON line (written byte-exact); ``add_record`` takes a
    parsed record (written as ``json.dumps``). ``commit`` renames the file into place, or, when no
    record was good and ``keep_empty`` is off, leaves no file at all (removing a stale one only if
    ``replace_with_empty``). The quarantine file for this data file is rewritten (or removed) too.
    """

    def __init__(
        self,
        zone: RawZone,
        path: Path,
        validate: Validator,
        stats: LandingStats,
        *,
        replace_with_empty: bool = False,
    ) -> None:
        self.zone = zone
        self.path = path
        self.validate = validate
        self.stats = stats
        self.replace_with_empty = replace_with_empty
        self.rows = 0
        self.quarantined: list[QuarantinedRecord] = []
        self._file = AtomicFile(path)
        self._hashing = HashingWriter(self._file.handle)
        self._gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._hashing, mtime=0, compresslevel=LANDING_COMPRESSLEVEL
        )
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._closed = False

    def quarantine(self, reason: str, source_file: str, line: int | None, field: str | None, payload: str) -> None:
        self.quarantined.append(QuarantinedRecord(reason, source_file, line, field, payload))

    def add_line(self, raw: bytes, source_file: str, line: int) -> bool:
        body = raw.rstrip(b"\r\n")
        if not body.strip():
            return False  # blank lines carry no record
        try:
            record = json.loads(body)
        except UnicodeDecodeError as exc:
            bad = body[exc.start : exc.start + 1].hex()
            self.quarantine(
                f"not valid UTF-8: byte 0x{bad} at column {exc.start + 1}",
                source_file,
                line,
                None,
                body.decode("utf-8", errors="replace"),
            )
            return False
        except ValueError as exc:
            self.quarantine(f"invalid JSON: {exc}", source_file, line, None, body.decode("utf-8", errors="replace"))
            return False
        problem = self.validate(record)
        if problem is not None:
            self.quarantine(problem[0], source_file, line, problem[1] or None, body.decode("utf-8", errors="replace"))
            return False
        self._write(body + b"\n")
        self.rows += 1
        return True

    def _write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= _WRITE_BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._gzip.write(b"".join(self._pending))
            self._pending.clear()
            self._pending_bytes = 0

    def add_record(self, record: Any, source_file: str, line: int) -> bool:
        text = json.dumps(record)
        # "\\ud" in the text: a string holds a surrogate, as bytes that were not UTF-8 decode to.
        problem = invalid_text(record) if "\\ud" in text else None
        problem = problem or self.validate(record)
        if problem is not None:
            self.quarantine(problem[0], source_file, line, problem[1] or None, text)
            return False
        self._write(text.encode("utf-8") + b"\n")
        self.rows += 1
        return True

    def commit(self, keep_empty: bool = False) -> LandedFile | None:
        """Finish the file; returns what landed (None when no file was left in place)."""
        self._flush()
        self._gzip.close()
        self._closed = True
        if self.rows == 0 and not keep_empty:
            self._file.discard()
            # When the source now says this slice is empty, an empty file replaces the stale rows
            # (the warehouse replaces a file's rows by the file's new content).
            landed = self._write_empty() if self.replace_with_empty and self.path.exists() else None
        else:
            self._file.commit()
            landed = LandedFile(self.path.name, self.rows, self._hashing.sha256.hexdigest(), self._hashing.size)
        self._write_quarantine()
        self.stats.records_landed += self.rows
        self.stats.add_quarantined(self.quarantined)
        if landed is not None:
            self.stats.files_written += 1
        return landed

    def abort(self) -> None:
        if not self._closed:
            self._gzip.close()
            self._closed = True
        self._file.discard()

    def _write_empty(self) -> LandedFile:
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6):
            pass
        data = buffer.getvalue()
        with atomic_output(self.path) as handle:
            handle.write(data)
        return LandedFile(self.path.name, 0, hashlib.sha256(data).hexdigest(), len(data))

    def _write_quarantine(self) -> None:
        target = self.zone.quarantine_path(self.path)
        if not self.quarantined:
            remove_file(target)
            return
        with atomic_output(target) as handle:
            for record in self.quarantined:
                handle.write(json.dumps(record.as_json()).encode("utf-8") + b"\n")

    def __enter__(self) -> RecordFileWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
