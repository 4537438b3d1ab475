"""The REST API of a BI tool (Superset, Metabase) over one requests session, which keeps the login's
cookies and headers for the calls after it."""

from __future__ import annotations

from typing import Any

import requests


class JsonApi:
    """`call` answers the decoded JSON body (None when empty) or raises `error` on an HTTP error status."""

    error: type[Exception] = RuntimeError
    timeout: float = 60.0  # seconds per request

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        if timeout is not None:
            self.timeout = timeout

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise self.error(f"{method} {path}: HTTP {response.status_code}: {response.text[:800]}")
        return response.json() if response.content else None
