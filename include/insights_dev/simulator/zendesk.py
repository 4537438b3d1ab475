"""Zendesk incremental ticket export, cursor flavour (`GET /api/v2/incremental/tickets/cursor.json`).

Visible at `now`: per ticket id, the latest version with `updated_at <= now`; a deleted ticket is
scrubbed once deleted for longer than `Limits.zendesk_scrub_deleted_after`. Tickets stream in
`(generated_timestamp, id)` order and the cursor is that position, so resuming after the clock
advanced re-emits tickets updated since, with their new state.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from insights_dev.simulator.limits import Limits, RateLimiter
from insights_dev.simulator.protocol import Handler, SimRequest, SimResponse, json_response
from insights_dev.simulator.world import field_seconds

if TYPE_CHECKING:
    from insights_dev.simulator.world import World

CREDENTIALS = {"email": "sim@example.com", "api_token": "sim-token"}
EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"


class TicketRecordError(ValueError):
    """A ticket version the simulator cannot serve (names the record and field)."""


@dataclass(frozen=True)
class Position:
    """Stream position: the next tickets are those with (generated_timestamp, id) > (ts, ticket_id)."""

    ts: int
    ticket_id: int
    per_page: int
    metric_sets: bool

    def encode(self) -> str:
        # Same shape as Zendesk's opaque cursors (base64 of "<ts>.0||<id>|..."), URL-safe.
        raw = f"{self.ts}.0||{self.ticket_id}|{self.per_page}|{int(self.metric_sets)}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            ts_text, _, rest = raw.partition("||")
            ticket_id, per_page, metric_sets = rest.split("|")
            return cls(int(float(ts_text)), int(ticket_id), int(per_page), metric_sets == "1")
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise ValueError(f"invalid cursor {cursor!r}") from exc


def _error(status: int, error: str, description: str, headers: list | None = None) -> SimResponse:
    return json_response(status, {"error": error, "description": description}, headers)


class TicketStore:
    def __init__(self, versions: list[dict]) -> None:
        by_id: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for index, version in enumerate(versions):
            ticket_id = version.get("id")
            if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
                raise TicketRecordError(f"ticket version #{index}: field 'id' must be an integer, got {ticket_id!r}")
            name = f"ticket version #{index} (id {ticket_id})"
            updated = field_seconds(version, "updated_at", TicketRecordError, name)
            by_id[ticket_id].append((updated, index))
        self._versions = versions
        # Per id, versions in time order; equal updated_at: the later record wins (replay files order).
        self._history = {tid: sorted(vs) for tid, vs in by_id.items()}
        self._cache: tuple[int, list[tuple[int, int]], list[dict]] | None = None
        self._lock = threading.Lock()

    def visible(self, now_epoch: int, scrub_after_seconds: float) -> tuple[list[tuple[int, int]], list[dict]]:
        """Sorted stream keys (generated_timestamp, id) and the matching ticket versions at `now`."""
        with self._lock:
            if self._cache and self._cache[0] == now_epoch:
                return self._cache[1], self._cache[2]
        rows = []
        for ticket_id, history in self._history.items():
            at = bisect.bisect_right(history, (now_epoch, float("inf"))) - 1
            if at < 0:
                continue
            updated, index = history[at]
            version = self._versions[index]
            if version.get("status") == "deleted" and updated < now_epoch - scrub_after_seconds:
                continue
            rows.append(((int(updated), ticket_id), version))
        rows.sort(key=lambda row: row[0])
        keys, tickets = [r[0] for r in rows], [r[1] for r in rows]
        with self._lock:
            self._cache = (now_epoch, keys, tickets)
        return keys, tickets


class ZendeskApi:
    def __init__(self, ticket_versions: list[dict], limits: Limits) -> None:
        self.limits = limits
        self.store = TicketStore(ticket_versions)
        self.rate = RateLimiter(limits.zendesk_requests_per_minute, 60.0)

    def _authenticated(self, request: SimRequest) -> bool:
        if request.bearer_token() == CREDENTIALS["api_token"]:
            return True
        return request.basic_auth() == (f"{CREDENTIALS['email']}/token", CREDENTIALS["api_token"])

    def handle(self, request: SimRequest, now: datetime) -> SimResponse:
        if request.method != "GET" or request.path != EXPORT_PATH:
            return _error(404, "InvalidEndpoint", "Not found")
        if not self._authenticated(request):
            return json_response(401, {"error": "Couldn't authenticate you"})
        wait = self.rate.acquire()
        if wait is not None:
            return _error(
                429,
                "APIRateLimitExceeded",
                "Number of allowed incremental export API requests per minute exceeded",
                [("Retry-After", str(wait))],
            )
        try:
            position = self._position(request, now)
        except TooRecent as exc:
            return _error(422, "InvalidValue", str(exc))
        except ValueError as exc:
            return _error(400, "InvalidValue", str(exc))
        return self._page(request, position, now)

    def _position(self, request: SimRequest, now: datetime) -> Position:
        per_page_text, include = request.param("per_page"), request.param("include")
        cursor = request.param("cursor")
        if cursor:
            position = Position.decode(cursor)
        else:
            start_text = request.param("start_time")
            if start_text is None:
                raise ValueError("start_time or cursor is required")
            try:
                start_time = int(start_text)
            except ValueError:
                raise ValueError(f"start_time must be a unix timestamp in seconds, got {start_text!r}") from None
            if start_time > now.timestamp() - self.limits.zendesk_too_recent.total_seconds():
                raise TooRecent("Too recent start_time. Use a start_time older than one minute")
            position = Position(start_time, -1, self.limits.zendesk_max_per_page, False)
        per_page, metric_sets = position.per_page, position.metric_sets
        if per_page_text is not None:
            if not per_page_text.isdigit() or int(per_page_text) < 1:
                raise ValueError(f"per_page must be a positive integer, got {per_page_text!r}")
            per_page = min(int(per_page_text), self.limits.zendesk_max_per_page)
        if include is not None:
            metric_sets = "metric_sets" in [part.strip() for part in include.split(",")]
        return Position(position.ts, position.ticket_id, per_page, metric_sets)

    def _page(self, request: SimRequest, position: Position, now: datetime) -> SimResponse:
        keys, tickets = self.store.visible(
            int(now.timestamp()), self.limits.zendesk_scrub_deleted_after.total_seconds()
        )
        start = bisect.bisect_right(keys, (position.ts, position.ticket_id))
        end = min(start + position.per_page, len(keys))
        page = [
            self._render(ticket, keys[i][0], position.metric_sets)
            for i, ticket in enumerate(tickets[start:end], start=start)
        ]
        after = (
            Position(keys[end - 1][0], keys[end - 1][1], position.per_page, position.metric_sets)
            if end > start
            else position
        )
        url = f"http://{request.host}/zendesk{EXPORT_PATH}?"
        return json_response(
            200,
            {
                "tickets": page,
                "after_url": url + urlencode({"cursor": after.encode()}),
                "after_cursor": after.encode(),
                "before_url": url + urlencode({"cursor": position.encode()}),
                "before_cursor": position.encode(),
                "end_of_stream": end >= len(keys),
            },
        )

    @staticmethod
    def _render(version: dict, generated_timestamp: int, metric_sets: bool) -> dict:
        ticket = {key: value for key, value in version.items() if key != "metric_set"}
        ticket["generated_timestamp"] = generated_timestamp
        if metric_sets:
            ticket["metric_set"] = version.get("metric_set")
        return ticket


class TooRecent(ValueError):
    """start_time within the last minute (Zendesk answers 422)."""


def serve(world: World, limits: Limits, **options: Any) -> Handler:
    """The handler the simulator serves at /zendesk (insights_dev.simulator.server builds one per source)."""
    return ZendeskApi(world.ticket_versions, limits).handle
