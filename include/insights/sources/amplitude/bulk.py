"""Fast landing of an Amplitude upload hour: copy the export's gzip members, validate columnar.

The export entries are already gzip JSON lines. Instead of parsing and re-compressing every line
in Python (json.loads + key checks + gzip per line), an hour whose entries are all clean lands by
copying each entry's deflate stream unchanged behind a canonical gzip header (no name, mtime 0, so
the same served bytes always give the same file and sha256; DuckDB refuses some header flags),
while one streaming pass per entry does what the line path would have found out:

- integrity: the whole deflate stream is decompressed, its CRC-32 and length checked (zlib releases
  the GIL); a damaged entry is reported to the caller, which downloads the export again or, on the
  last download, lands the hour through the line path (good lines land, the rest is quarantined);
- line shape: every entry ends with a newline, no carriage return (the line path strips it), valid
  UTF-8; newlines are counted;
- records: DuckDB reads the written temp file once and checks, per line, that it is a JSON object
  whose fields pass the stream's schema (the same rules as the line path: JSON types, timestamp
  formats, accepted values), and that it read exactly one record per line
  (a blank or whitespace-only line, which the line path drops, makes the counts differ).

Anything unusual (any failing record, a DuckDB error, a construct DuckDB's parser accepts but
Python's json does not: trailing commas, nan/inf literals) makes the caller land the hour through
the exact line path instead, so quarantine records keep naming the file, line and field. The
check errs on the side of the line path: a false alarm only costs speed. One known divergence: a
record repeating a required key whose first occurrence is valid and last is not lands here (DuckDB
reads the first occurrence, Python's json keeps the last).
"""

from __future__ import annotations

import codecs
import gzip
import os
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from insights.extraction.landing import (
    AtomicFile,
    HashingWriter,
    LandedFile,
    LandingStats,
    RawZone,
    is_storage_error,
    remove_file,
)
from insights.extraction.schema import StreamSchema, duckdb_json_path

CHUNK = 1 << 20
OUTPUT_CHUNK = 8 << 20  # decompressed bytes per step
CHECK_THREADS = 1
SCRATCH_PREFIX = "lines-"  # decompressed lines of the hour being checked (in the run's tmp dir)
# 1f 8b, deflate, no flags, mtime 0, no extra flags, OS unknown: the bytes depend on the data only.
CANONICAL_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FTEXT, _FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 1, 2, 4, 8, 16
# Constructs DuckDB's JSON reader (yyjson, lenient flags) accepts and Python's json.loads refuses:
# trailing commas and nan/inf literals in any case. A match inside a string is a harmless false alarm.
_LENIENT_JSON = r",[ \t]*[\]}]|[:,\[][ \t]*-?(?i:nan|inf|infinity)[ \t]*[,\]}]"


class UnreadableEntry(Exception):
    """An archive entry's gzip stream is damaged (truncated, bad CRC, corrupt deflate data)."""

    def __init__(self, entry: str, problem: str) -> None:
        super().__init__(f"entry {entry} is unreadable: {problem}")
        self.entry = entry
        self.problem = problem


@dataclass
class _Shape:
    """What the line path would need to know about one hour's decompressed lines."""

    lines: int = 0
    clean: bool = True  # False: some line needs the line path (\r, invalid UTF-8, no final newline)


class _Source:
    """A read buffer over an archive entry, for parsing gzip headers and trailers across chunks."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.buf = b""
        self.eof = False

    def fill(self, size: int) -> bool:
        while len(self.buf) < size and not self.eof:
            chunk = self.raw.read(CHUNK)
            if chunk:
                self.buf += chunk
            else:
                self.eof = True
        return len(self.buf) >= size

    def find_zero(self, start: int) -> int:
        while (index := self.buf.find(b"\x00", start)) < 0:
            if not self.fill(len(self.buf) + 1):
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        return index


def _skip_header(source: _Source, first: bool) -> bool:
    """Consume one gzip member header (as gzip.GzipFile reads it); False at a clean end of stream."""
    while True:
        if not source.fill(1):
            return False
        if first:
            break
        stripped = source.buf.lstrip(b"\x00")  # zero padding after a member is skipped, as GzipFile does
        if stripped:
            source.buf = stripped
            break
        source.buf = b""
    if not source.fill(10):
        raise gzip.BadGzipFile(f"Not a gzipped file ({source.buf[:2]!r})")
    header = source.buf
    if header[:2] != b"\x1f\x8b":
        raise gzip.BadGzipFile(f"Not a gzipped file ({header[:2]!r})")
    if header[2] != 8:
        raise gzip.BadGzipFile("Unknown compression method")
    flags, pos = header[3], 10
    if flags & _FEXTRA:
        if not source.fill(pos + 2):
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        pos += 2 + int.from_bytes(source.buf[pos : pos + 2], "little")
    for flag in (_FNAME, _FCOMMENT):
        if flags & flag:
            if not source.fill(pos + 1):
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            pos = source.find_zero(pos) + 1
    if flags & _FHCRC:
        pos += 2
    if not source.fill(pos):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")
    source.buf = source.buf[pos:]
    return True


def copy_gzip_entry(raw: IO[bytes], out: Any | None, shape: _Shape, lines: IO[bytes] | None = None) -> None:
    """Stream one gzip entry (one or more members) into ``out`` with canonical headers, checking it
    whole and noting its line shape; the decompressed lines go to ``lines`` when given. Raises
    EOFError / zlib.error / gzip.BadGzipFile on damage. ``out=None``: check only (the hour already
    goes through the line path)."""
    source = _Source(raw)
    decoder = codecs.getincrementaldecoder("utf-8")()
    last = b"\n"
    members = 0
    while _skip_header(source, first=members == 0):
        members += 1
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        crc, size = 0, 0
        data, source.buf = source.buf, b""
        if out is not None:
            out.write(CANONICAL_GZIP_HEADER)
        while True:
            if not data:
                data = source.raw.read(CHUNK)  # at the end: b"", which still flushes pending output
            # Bounded output: a highly compressible entry must not inflate into memory all at once.
            text = inflate.decompress(data, OUTPUT_CHUNK)
            rest = inflate.unused_data if inflate.eof else inflate.unconsumed_tail
            if out is not None:
                out.write(memoryview(data)[: len(data) - len(rest)])
            if text:
                if out is not None and lines is not None:
                    lines.write(text)
                crc = zlib.crc32(text, crc)
                size += len(text)
                shape.lines += text.count(b"\n")
                last = text[-1:]
                if shape.clean:
                    if b"\r" in text:
                        shape.clean = False
                    elif not text.isascii() or decoder.getstate()[0]:
                        try:
                            decoder.decode(text)
                        except UnicodeDecodeError:
                            shape.clean = False
            if inflate.eof:
                source.buf = rest
                break
            if not data and not text:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            data = rest
        if not source.fill(8):
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        trailer, source.buf = source.buf[:8], source.buf[8:]
        if int.from_bytes(trailer[:4], "little") != crc:
            raise gzip.BadGzipFile("CRC check failed")
        if int.from_bytes(trailer[4:], "little") != size & 0xFFFFFFFF:
            raise gzip.BadGzipFile("Incorrect length of data produced")
        if out is not None:
            out.write(trailer)
    if last != b"\n":  # the line path ends an unterminated last line itself
        shape.clean = False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        shape.clean = False


class RecordCheck:
    """DuckDB check of a (plain) JSON-lines file: one JSON object per line, every field of the stream's
    schema (insights.extraction.schema) valid: the line path's validation, expressed in SQL.

    It reads the decompressed lines, not the gzip file: DuckDB inflates a gzip file on one thread,
    which cost as much as the check itself. Safe to call from several threads (one connection each).
    """

    def __init__(self, schema: StreamSchema) -> None:
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        type_paths, text_paths, valid = schema.duckdb_conditions("r.types", "r.texts")
        types = ", ".join(f"'{duckdb_json_path(p)}'" for p in type_paths)
        texts = ", ".join(f"'{duckdb_json_path(p)}'" for p in text_paths) or "'$'"
        self.usable = True
        self.sql = (
            "select count(*) as records, count(*) filter (where not coalesce("
            f"r.is_object and {valid}, false) or regexp_matches(r.line, '{_LENIENT_JSON}')) as failing "
            f"from (select json_type(o.json) = 'OBJECT' as is_object, json_type(o.json, [{types}]) as types, "
            f"json_extract_string(o.json, [{texts}]) as texts, o.json::varchar as line "
            "from read_json_objects(?, format = 'newline_delimited', compression = 'none') as o) as r"
        )

    def _connection(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None:
            import duckdb  # only the Amplitude extraction needs it; keep it out of other imports

            con = duckdb.connect()
            con.execute("set enable_progress_bar = false")
            # Hours are checked side by side, one query per hour: one thread per query is enough.
            con.execute(f"set threads = {CHECK_THREADS}")
            self._local.con = con
            with self._lock:
                self._connections.append(con)
        return con

    def all_valid(self, path: Path, lines: int) -> bool:
        """True when the file holds exactly ``lines`` records and every one passes."""
        if not self.usable:
            return False
        import duckdb

        try:
            records, failing = self._connection().execute(self.sql, [str(path)]).fetchone()
        except duckdb.Error:
            return False  # malformed JSON somewhere: the line path names it
        return records == lines and failing == 0

    def close(self) -> None:
        with self._lock:
            for con in self._connections:
                con.close()
            self._connections.clear()
        self._local = threading.local()


@dataclass
class PreparedHour:
    """An hour file written and checked in full, waiting under its temp name to be committed in order."""

    path: Path
    target: AtomicFile
    landed: LandedFile

    def commit(self, zone: RawZone, stats: LandingStats) -> LandedFile:
        self.target.commit()
        remove_file(zone.quarantine_path(self.path))  # nothing set aside for this hour any more
        stats.records_landed += self.landed.rows
        stats.files_written += 1
        return self.landed

    def discard(self) -> None:
        self.target.discard()


def prepare_hour(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    path: Path,
    check: RecordCheck,
    scratch_dir: Path,
    *,
    final: bool,
) -> PreparedHour | None:
    """Write one upload hour from its entries (in part order) without touching single lines, under a
    temp name next to ``path``; thread-safe (no shared state is changed until ``commit``).

    Returns None when the hour must go through the line path (nothing is left behind). Raises
    ``UnreadableEntry`` for a damaged entry unless this is the ``final`` download, in which case the
    line path lands the good lines and quarantines the damage, as it always did. The decompressed
    lines are spooled to a scratch file in ``scratch_dir`` for the DuckDB check.
    """
    if not infos or not all(info.filename.endswith(".gz") for info in infos) or not check.usable:
        return None
    scratch_dir.mkdir(parents=True, exist_ok=True)
    target = AtomicFile(path)
    try:
        with tempfile.NamedTemporaryFile(prefix=SCRATCH_PREFIX, suffix=".jsonl", dir=scratch_dir) as lines:
            hashing = HashingWriter(target.handle)
            shape = _Shape()
            for info in infos:
                try:
                    with archive.open(info) as raw:
                        copy_gzip_entry(raw, hashing if shape.clean else None, shape, lines)
                except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
                    if is_storage_error(exc):
                        raise  # writing failed (disk full), the entry is fine: no re-download
                    if final:
                        target.discard()
                        return None
                    raise UnreadableEntry(info.filename, f"{type(exc).__name__}: {exc}") from exc
                if not shape.clean and final:
                    break  # the line path reads every entry again anyway
            if not shape.clean or shape.lines == 0:
                target.discard()
                return None
            lines.flush()
            if not check.all_valid(Path(lines.name), shape.lines):
                target.discard()
                return None
        target.handle.flush()
        os.fsync(target.handle.fileno())  # here, on the worker thread: the in-order commit stays quick
    except BaseException:
        target.discard()
        raise
    return PreparedHour(path, target, LandedFile(path.name, shape.lines, hashing.sha256.hexdigest(), hashing.size))
