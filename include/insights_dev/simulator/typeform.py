"""Typeform: `GET /forms`, `GET /forms/{id}` and `GET /forms/{id}/responses`.

Responses are ordered on `submitted_at` (`landed_at` for partial/started ones, whose
`submitted_at` is null), ties broken by token. Paging by token: `before` walks from newest to
oldest (the default order), `after` walks from oldest to newest; both are exclusive and cannot be
combined with `sort`. Responses younger than `Limits.typeform_visibility_delay` are not served.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from insights_dev.simulator.limits import Limits, RateLimiter
from insights_dev.simulator.protocol import Handler, SimRequest, SimResponse, json_response
from insights_dev.simulator.world import epoch_seconds, parse_timestamp

if TYPE_CHECKING:
    from insights_dev.simulator.world import World

CREDENTIALS = {"token": "sim-token"}
RESPONSE_TYPES = ("started", "partial", "completed")
_FORM_PATH = re.compile(r"^/forms/([^/]+)(/responses)?/?$")


class ResponseRecordError(ValueError):
    """A response item the simulator cannot serve (names the form, record and field)."""


@dataclass(frozen=True)
class _Indexed:
    key: float  # submitted_at, or landed_at when not submitted
    token: str
    response_type: str
    item: dict


def _error(status: int, code: str, description: str, headers: list | None = None) -> SimResponse:
    return json_response(status, {"code": code, "description": description}, headers)


def response_type_of(item: dict) -> str:
    if item.get("response_type") in RESPONSE_TYPES:
        return item["response_type"]
    if item.get("submitted_at"):
        return "completed"
    return "partial" if item.get("answers") else "started"


def _index(form_id: str, items: list[dict]) -> list[_Indexed]:
    indexed = []
    for line, item in enumerate(items, start=1):
        token = item.get("token") or item.get("response_id")
        stamp = item.get("submitted_at") or item.get("landed_at")
        if not token:
            raise ResponseRecordError(f"form {form_id!r}, response #{line}: field 'response_id' (or 'token') missing")
        try:
            key = epoch_seconds(stamp)
        except (TypeError, ValueError) as exc:
            raise ResponseRecordError(
                f"form {form_id!r}, response {token!r}: fields 'submitted_at'/'landed_at' hold no timestamp ({stamp!r})"
            ) from exc
        indexed.append(_Indexed(key, str(token), response_type_of(item), item))
    indexed.sort(key=lambda r: (r.key, r.token))
    return indexed


def parse_time_param(value: str, name: str) -> float:
    """Unix seconds or ISO 8601 (`2026-01-05T22:00:24Z`, or without zone meaning UTC)."""
    text = value.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return float(text)
    try:
        return parse_timestamp(text).timestamp()
    except ValueError:
        raise ValueError(
            f"parameter {name!r} must be unix seconds or ISO 8601 (2026-01-05T22:00:24Z), got {value!r}"
        ) from None


class TypeformApi:
    def __init__(self, forms: dict[str, dict], responses: dict[str, list[dict]], limits: Limits) -> None:
        self.limits = limits
        self.forms = forms
        self.responses = {form_id: _index(form_id, items) for form_id, items in responses.items()}
        self.rate = RateLimiter.per_second(limits.typeform_requests_per_second)

    def handle(self, request: SimRequest, now: datetime) -> SimResponse:
        token = request.bearer_token()
        if token is None:
            return _error(401, "UNAUTHORIZED", "Authentication credentials not found on the Request Headers")
        if token != CREDENTIALS["token"]:
            return _error(403, "AUTHENTICATION_FAILED", "Authentication failed: invalid token")
        wait = self.rate.acquire()
        if wait is not None:
            return _error(429, "RATE_LIMIT", "Too many requests", [("Retry-After", str(wait))])
        if request.method != "GET":
            return _error(405, "METHOD_NOT_ALLOWED", f"{request.method} is not supported by the simulator")
        try:
            if request.path.rstrip("/") == "/forms":
                return self._list_forms(request)
            match = _FORM_PATH.match(request.path)
            if not match:
                return _error(404, "NOT_FOUND", f"no endpoint {request.path}")
            form_id = match.group(1)
            if form_id not in self.forms:
                return _error(404, "FORM_NOT_FOUND", f"Non existing form with uid {form_id}")
            if match.group(2):
                return self._responses(request, form_id, now)
            return json_response(200, self.forms[form_id])
        except ValueError as exc:
            return _error(400, "VALIDATION_ERROR", str(exc))

    def _page_size(self, request: SimRequest, default: int, maximum: int) -> int:
        text = request.param("page_size")
        if text is None:
            return default
        if not text.isdigit() or not 1 <= int(text) <= maximum:
            raise ValueError(f"page_size must be an integer in 1..{maximum}, got {text!r}")
        return int(text)

    def _list_forms(self, request: SimRequest) -> SimResponse:
        size = self._page_size(
            request, self.limits.typeform_forms_default_page_size, self.limits.typeform_forms_max_page_size
        )
        page_text = request.param("page") or "1"
        if not page_text.isdigit() or int(page_text) < 1:
            raise ValueError(f"page must be a positive integer, got {page_text!r}")
        page = int(page_text)
        # Newest first like Typeform's list, whatever order the forms were loaded in.
        ids = sorted(self.forms, key=lambda f: (str(self.forms[f].get("created_at") or ""), f), reverse=True)
        items = []
        for form_id in ids[(page - 1) * size : page * size]:
            form = self.forms[form_id]
            items.append(
                {
                    "id": form_id,
                    "title": form.get("title", ""),
                    "last_updated_at": form.get("last_updated_at"),
                    "created_at": form.get("created_at"),
                    "self": {"href": f"http://{request.host}/typeform/forms/{form_id}"},
                    "_links": form.get("_links", {}),
                }
            )
        return json_response(200, {"total_items": len(ids), "page_count": math.ceil(len(ids) / size), "items": items})

    def _responses(self, request: SimRequest, form_id: str, now: datetime) -> SimResponse:
        size = self._page_size(request, self.limits.typeform_default_page_size, self.limits.typeform_max_page_size)
        after, before, sort = request.param("after"), request.param("before"), request.param("sort")
        if (after or before) and sort:
            raise ValueError("after/before cannot be combined with sort")
        if after and before:
            raise ValueError("after and before cannot be combined")
        descending = True
        if sort:
            field, _, direction = sort.partition(",")
            if field != "submitted_at" or direction not in ("asc", "desc", ""):
                raise ValueError(f"sort must be submitted_at,asc or submitted_at,desc, got {sort!r}")
            descending = direction != "asc"
        types = RESPONSE_TYPES
        if request.param("response_type"):
            types = tuple(t.strip() for t in request.param("response_type").split(","))
            unknown = [t for t in types if t not in RESPONSE_TYPES]
            if unknown:
                raise ValueError(f"response_type must be among {', '.join(RESPONSE_TYPES)}, got {unknown}")
        since = parse_time_param(request.param("since"), "since") if request.param("since") else None
        until = parse_time_param(request.param("until"), "until") if request.param("until") else None
        visible_until = (now - self.limits.typeform_visibility_delay).timestamp()

        rows = [
            r
            for r in self.responses.get(form_id, [])
            if r.key <= visible_until
            and r.response_type in types
            and (since is None or r.key >= since)
            and (until is None or r.key <= until)
        ]
        token = after or before
        if token:
            anchor = next((r for r in self.responses.get(form_id, []) if r.token == token), None)
            if anchor is None:
                raise ValueError(f"unknown response token {token!r}")
            mark = (anchor.key, anchor.token)
            if after:
                rows = [r for r in rows if (r.key, r.token) > mark]
                descending = False  # walk forward from the token
            else:
                rows = [r for r in rows if (r.key, r.token) < mark]
        if descending:
            rows.reverse()
        return json_response(
            200,
            {
                "total_items": len(rows),
                "page_count": math.ceil(len(rows) / size),
                "items": [r.item for r in rows[:size]],
            },
        )


def serve(world: World, limits: Limits, **options: Any) -> Handler:
    """The handler the simulator serves at /typeform (insights_dev.simulator.server builds one per source)."""
    return TypeformApi(world.forms, world.responses, limits).handle
