"""Transport-neutral request/response objects shared by the API handlers and the HTTP server.

Handlers are plain functions of (SimRequest, now) -> SimResponse, so fault injection can sit
between them and the socket (`Faults`) without touching vendor semantics.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any


@dataclass(frozen=True)
class SimRequest:
    method: str
    path: str  # path inside the vendor prefix, e.g. "/api/2/export"
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    raw_target: str  # path?query as received, for the request log and fault rules
    host: str  # Host header, to build absolute next-page URLs

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return (user, password) if sep else None

    def bearer_token(self) -> str | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass
class SimResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: IO[bytes] | None = None  # large bodies (Amplitude ZIP): sent in chunks, then closed
    stream_length: int = 0

    @property
    def content_length(self) -> int:
        return self.stream_length if self.stream is not None else len(self.body)

    def iter_chunks(self, chunk_size: int = 1 << 20) -> Iterable[bytes]:
        if self.stream is None:
            yield self.body
            return
        try:
            self.stream.seek(0)
            while chunk := self.stream.read(chunk_size):
                yield chunk
        finally:
            self.stream.close()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return SimResponse(status, [("Content-Type", "application/json; charset=utf-8"), *(headers or [])], body)


def text_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> SimResponse:
    return SimResponse(status, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])], text.encode())


# What a simulated API is: a function of (request, the vendor's now) -> response.
Handler = Callable[[SimRequest, datetime], SimResponse]


class Faults:
    """Fault-injection hook. The default injects nothing.

    Subclass and pass to SimulatorServer(faults=...) to add 5xx bursts, slow responses,
    truncated archives, malformed lines or schema drift: `before` can answer instead of the
    vendor handler, `after` can rewrite (or replace) the handler's response.
    """

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        return None

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        return response
