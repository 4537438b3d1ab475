"""Fault modes for the simulator, switchable per test, built on the `Faults` hook.

    plan = FaultPlan(ServerErrorBursts("zendesk"), MalformedLines(every=7))
    with SimulatorServer(world, now=..., faults=plan) as sim: ...
    plan.injected()  # {"5xx bursts": 4, "malformed JSON lines": 12}

Every mode counts what it injected, so a suite can report "faults injected" and prove the fault
really fired (a fault that never triggers would make a reliability test pass for nothing).
Which records a corrupting mode hits is decided by a hash of the record (not by request order),
so re-fetches of the same data (Amplitude's lookback, retries) corrupt the same records again.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from insights.sources import source_names
from insights_dev.simulator.credentials import simulated_credentials
from insights_dev.simulator.protocol import Faults, SimRequest, SimResponse, json_response
from insights_dev.simulator.world import World

AMPLITUDE_EXPORT = "/api/2/export"


def _stable_pick(key: str, every: int) -> bool:
    """Deterministic 1-in-``every`` choice of a record (same record, same answer, on every fetch)."""
    return every > 0 and zlib.crc32(key.encode("utf-8")) % every == 0


def _body(response: SimResponse) -> bytes:
    return b"".join(response.iter_chunks()) if response.stream is not None else response.body


def _json_payload(response: SimResponse) -> Any | None:
    if response.status != 200 or not response.body:
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _rewrite_json(response: SimResponse, payload: Any) -> SimResponse:
    extra = [(k, v) for k, v in response.headers if k.lower() != "content-type"]
    return json_response(response.status, payload, extra)


class FaultMode:
    """One fault; ``sources`` limits it to some APIs (empty: all)."""

    name = "fault"

    def __init__(self, *sources: str) -> None:
        self.sources = frozenset(sources)
        self.count = 0
        self._lock = threading.Lock()

    def applies(self, source: str) -> bool:
        return not self.sources or source in self.sources

    def hit(self, n: int = 1) -> None:
        with self._lock:
            self.count += n

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        return None

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        return response


class FaultPlan(Faults):
    """Several fault modes at once, applied in order; ``injected()`` reports what each one did."""

    def __init__(self, *modes: FaultMode) -> None:
        self.modes = list(modes)

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        for mode in self.modes:
            if mode.applies(source):
                answer = mode.before(source, request)
                if answer is not None:
                    return answer
        return None

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        for mode in self.modes:
            if mode.applies(source):
                response = mode.after(source, request, response)
        return response

    def injected(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for mode in self.modes:
            totals[mode.name] = totals.get(mode.name, 0) + mode.count
        return totals


# --------------------------------------------------------------------------------------------
# transport faults: the data is intact, only its delivery fails (the pipeline must lose nothing)


class _Periodic(FaultMode):
    """Fires on the first ``burst`` of every ``period`` requests per source (retries count too)."""

    def __init__(self, *sources: str, burst: int = 2, period: int = 5) -> None:
        super().__init__(*sources)
        if not 0 < burst < period:
            raise ValueError(f"burst must be in 1..period-1 so a request eventually passes, got {burst}/{period}")
        self.burst, self.period = burst, period
        self._seen: dict[str, int] = {}

    def fires(self, source: str) -> bool:
        with self._lock:
            n = self._seen.get(source, 0)
            self._seen[source] = n + 1
        return n % self.period < self.burst


class ServerErrorBursts(_Periodic):
    name = "5xx bursts"

    def __init__(self, *sources: str, status: int = 503, burst: int = 2, period: int = 5) -> None:
        super().__init__(*sources, burst=burst, period=period)
        self.status = status

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if not self.fires(source):
            return None
        self.hit()
        return json_response(self.status, {"error": "injected server error"})


class RateLimitStorm(_Periodic):
    name = "429 storms"

    def __init__(self, *sources: str, burst: int = 3, period: int = 4, retry_after: str = "0") -> None:
        super().__init__(*sources, burst=burst, period=period)
        self.retry_after = retry_after

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if not self.fires(source):
            return None
        self.hit()
        return json_response(429, {"error": "injected rate limit"}, [("Retry-After", self.retry_after)])


class SlowResponses(_Periodic):
    """Delays some answers by ``delay`` seconds; above the client's read timeout this is a timeout."""

    name = "slow responses"

    def __init__(self, *sources: str, delay: float = 0.3, burst: int = 1, period: int = 3) -> None:
        super().__init__(*sources, burst=burst, period=period)
        self.delay = delay

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if self.fires(source):
            self.hit()
            time.sleep(self.delay)
        return None


class Timeouts(SlowResponses):
    """Like SlowResponses, with a delay the caller sets above the client's read timeout."""

    name = "timeouts"


class _FirstExportDownload(FaultMode):
    """Damages the first download of each Amplitude export (each distinct request): a transient fault the
    retry must cure. Subclasses say how in ``damage``."""

    def __init__(self) -> None:
        super().__init__("amplitude")
        self._damaged: set[str] = set()

    def first_time(self, request: SimRequest) -> bool:
        with self._lock:
            if request.raw_target in self._damaged:
                return False
            self._damaged.add(request.raw_target)
            return True

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if response.status != 200 or not self.first_time(request):
            return response
        return self.damage(response)

    def damage(self, response: SimResponse) -> SimResponse:
        raise NotImplementedError


class TruncatedZip(_FirstExportDownload):
    """The first download of each Amplitude export is cut in half (its ZIP central directory lost)."""

    name = "truncated ZIP"

    def damage(self, response: SimResponse) -> SimResponse:
        body = _body(response)
        self.hit()
        return SimResponse(200, list(response.headers), body[: len(body) // 2])


def _rewrite_zip(response: SimResponse, entry: Callable[[str, bytes], bytes]) -> SimResponse:
    """Rebuild an Amplitude export ZIP with each entry's gzip bytes passed through ``entry``."""
    source = zipfile.ZipFile(io.BytesIO(_body(response)))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info, entry(info.filename, source.read(info)), compress_type=zipfile.ZIP_STORED)
    return SimResponse(200, list(response.headers), out.getvalue())


class TruncatedGzip(_FirstExportDownload):
    """The first download of each export has its first gzip entry cut short inside a valid ZIP."""

    name = "truncated gzip"

    def damage(self, response: SimResponse) -> SimResponse:
        cut: list[str] = []

        def truncate(name: str, blob: bytes) -> bytes:
            if cut:
                return blob
            cut.append(name)
            return blob[: max(20, len(blob) * 2 // 3)]

        rewritten = _rewrite_zip(response, truncate)
        self.hit(len(cut))
        return rewritten


class DuplicatesAtPageBoundaries(FaultMode):
    """Each Zendesk/Typeform page starts again with the previous page's last record."""

    name = "duplicates at page boundaries"

    def __init__(self, *sources: str) -> None:
        super().__init__(*(sources or ("zendesk", "typeform")))
        self._last_by_cursor: dict[str, dict] = {}  # zendesk: after_cursor -> last ticket of that page
        self._by_token: dict[str, dict] = {}  # typeform: response token -> item

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        payload = _json_payload(response)
        if source == "zendesk" and isinstance(payload, dict) and isinstance(payload.get("tickets"), list):
            return self._zendesk(request, response, payload)
        if source == "typeform" and isinstance(payload, dict) and isinstance(payload.get("items"), list):
            return self._typeform(request, response, payload)
        return response

    def _zendesk(self, request: SimRequest, response: SimResponse, payload: dict) -> SimResponse:
        tickets = payload["tickets"]
        with self._lock:
            if tickets:
                self._last_by_cursor[payload["after_cursor"]] = tickets[-1]
            previous = self._last_by_cursor.get(request.param("cursor") or "")
        if previous is None:
            return response
        self.hit()
        payload["tickets"] = [previous, *tickets]
        return _rewrite_json(response, payload)

    def _typeform(self, request: SimRequest, response: SimResponse, payload: dict) -> SimResponse:
        items = payload["items"]
        with self._lock:
            for item in items:
                self._by_token[item.get("token") or item.get("response_id")] = item
            anchor = request.param("before") or request.param("after")
            previous = self._by_token.get(anchor or "")
        if previous is None:
            return response
        self.hit()
        payload["items"] = [previous, *items]
        return _rewrite_json(response, payload)


# --------------------------------------------------------------------------------------------
# data faults: the records themselves are bad (they must be quarantined, named, and counted)


def _map_amplitude_lines(response: SimResponse, line: Callable[[bytes], bytes | None], mode: FaultMode) -> SimResponse:
    """Rewrite the JSON lines of every gzip entry of an export (``line`` returns None: unchanged)."""

    def entry(name: str, blob: bytes) -> bytes:
        lines = gzip.decompress(blob).split(b"\n")
        changed = 0
        for n, raw in enumerate(lines):
            if raw.strip():
                new = line(raw)
                if new is not None:
                    lines[n], changed = new, changed + 1
        mode.hit(changed)
        return gzip.compress(b"\n".join(lines), mtime=0) if changed else blob

    return _rewrite_zip(response, entry)


def _map_json_records(response: SimResponse, key: str, change: Callable[[dict], int], mode: FaultMode) -> SimResponse:
    """Apply ``change`` in place to each record of a JSON page's ``key`` list; it returns how many changes it
    made (a bool counts as 0 or 1). The page is rewritten, and the changes counted, only if there were any."""
    payload = _json_payload(response)
    records = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(records, list):
        return response
    changed = sum(change(record) for record in records if isinstance(record, dict))
    if not changed:
        return response
    mode.hit(changed)
    return _rewrite_json(response, payload)


class MalformedLines(FaultMode):
    """About one Amplitude line in ``every`` is cut in half: not valid JSON any more."""

    name = "malformed JSON lines"

    def __init__(self, every: int = 10) -> None:
        super().__init__("amplitude")
        self.every = every

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if response.status != 200 or request.path.rstrip("/") != AMPLITUDE_EXPORT:
            return response

        def break_line(raw: bytes) -> bytes | None:
            return raw[: len(raw) // 2] if _stable_pick(raw.decode("utf-8"), self.every) else None

        return _map_amplitude_lines(response, break_line, self)


class SchemaDrift(FaultMode):
    """Records change shape: ``kind`` is "new field", "renamed field" or "type change".

    - new field: every record gains ``field`` (a nested object): it must pass through untouched;
    - renamed field: ``field`` becomes ``renamed_to`` in one record in ``every``;
    - type change: ``field`` becomes a list in one record in ``every`` (no validator accepts it);
    - bad value: ``field`` becomes ``value`` in one record in ``every`` (e.g. a session_id "abc", an
      event_time in compact ISO form): the JSON is fine, the warehouse could not cast it.
    """

    KINDS = ("new field", "renamed field", "type change", "bad value")

    def __init__(
        self, source: str, kind: str, field: str, *, renamed_to: str = "", every: int = 1, value: Any = None
    ) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"kind must be one of {self.KINDS}, got {kind!r}")
        if kind == "renamed field" and not renamed_to:
            raise ValueError("a renamed field needs renamed_to")
        super().__init__(source)
        self.name = f"schema drift: {kind}"
        self.kind, self.field, self.renamed_to, self.every, self.value = kind, field, renamed_to, every, value

    def change(self, record: dict) -> bool:
        """Apply the drift to one record in place; True if it changed."""
        if self.kind == "new field":
            record[self.field] = {"added_by": "schema drift", "version": 2}
            return True
        if self.field not in record or not _stable_pick(json.dumps(record, sort_keys=True), self.every):
            return False
        if self.kind == "renamed field":
            record[self.renamed_to] = record.pop(self.field)
        elif self.kind == "bad value":
            record[self.field] = self.value
        else:
            record[self.field] = [record[self.field]]
        return True

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if response.status != 200:
            return response
        if source == "amplitude":
            if request.path.rstrip("/") != AMPLITUDE_EXPORT:
                return response

            def drift(raw: bytes) -> bytes | None:
                record = json.loads(raw)
                return json.dumps(record, separators=(",", ":")).encode("utf-8") if self.change(record) else None

            return _map_amplitude_lines(response, drift, self)
        return _map_json_records(response, {"zendesk": "tickets", "typeform": "items"}[source], self.change, self)


class NpsOutOfRange(FaultMode):
    """One Typeform response in ``every`` answers its NPS question with 14 (the scale is 0..10)."""

    name = "NPS answer out of range"

    def __init__(self, every: int = 3) -> None:
        super().__init__("typeform")
        self.every = every

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if not request.path.endswith("/responses"):
            return response

        def answer_14(item: dict) -> int:
            if not _stable_pick(str(item.get("token")), self.every):
                return 0
            nps = [a for a in item.get("answers") or [] if (a.get("field") or {}).get("type") == "nps"]
            for answer in nps:
                answer["number"] = 14
            return len(nps)

        return _map_json_records(response, "items", answer_14, self)


class NotUtf8(FaultMode):
    """One Zendesk ticket in ``every`` has a subject in Latin-1 bytes (0xe9), not UTF-8: the page is
    not valid UTF-8 any more, the other tickets of it are fine."""

    name = "bytes that are not UTF-8"
    MARK = "\u0000latin1\u0000"

    def __init__(self, every: int = 5) -> None:
        super().__init__("zendesk")
        self.every = every

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        def mark(ticket: dict) -> bool:
            picked = _stable_pick(f"utf8-{ticket.get('id')}", self.every)
            if picked:
                ticket["subject"] = self.MARK
            return picked

        body = _map_json_records(response, "tickets", mark, self)
        if body is response:
            return response
        raw = body.body.replace(json.dumps(self.MARK).encode()[1:-1], "caf\u00e9".encode("latin-1"))
        return SimResponse(body.status, body.headers, raw)


# --------------------------------------------------------------------------------------------
# credentials: accept distinctive test secrets instead of the simulator's built-in ones


SIM_CREDENTIALS = {source: simulated_credentials(source) for source in source_names()}


def _auth_header(source: str, creds: dict[str, str]) -> str:
    import base64

    if source == "amplitude":
        pair = f"{creds['api_key']}:{creds['secret_key']}"
    elif source == "zendesk":
        pair = f"{creds['email']}/token:{creds['api_token']}"
    else:
        return f"Bearer {creds['token']}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


class AcceptCredentials(FaultMode):
    """The simulator accepts ``credentials[source]`` (and only those) in place of its own.

    The vendor handlers check their built-in credentials; this swaps a matching Authorization
    header for the built-in one before they run (the header dict is the request's own), and
    refuses anything else with 401, so a test proves the test secrets were really sent.
    """

    name = "test credentials"

    def __init__(self, credentials: dict[str, dict[str, str]]) -> None:
        super().__init__(*credentials)
        self.expected = {s: _auth_header(s, c) for s, c in credentials.items()}

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        if request.headers.get("authorization") != self.expected[source]:
            return json_response(401, {"error": "not the test credentials"})
        self.hit()
        request.headers["authorization"] = _auth_header(source, SIM_CREDENTIALS[source])
        return None


# --------------------------------------------------------------------------------------------
# world transforms: faults in what the source holds rather than in how it answers


def empty_day(world: World, day: date) -> World:
    """The same world with nothing on ``day``: no event uploaded, ticket updated or response submitted."""

    def on_day(text: str | None) -> bool:
        if not text:
            return False
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T")).date() == day

    return replace(
        world,
        events=[e for e in world.events if not on_day(e.get("server_upload_time"))],
        ticket_versions=[t for t in world.ticket_versions if not on_day(t.get("updated_at"))],
        responses={
            form: [r for r in items if not on_day(r.get("submitted_at") or r.get("landed_at"))]
            for form, items in world.responses.items()
        },
    )
