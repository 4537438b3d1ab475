"""Wire a Metabase instance to the Postgres serving schema as the read-only reader role.

docker-compose's one-shot `metabase-init` service runs `python -m insights.serving.metabase`
once Metabase is healthy. It is idempotent: the first run creates the admin account and
the data source; later runs log in and update the data source (e.g. a changed password).

Environment:
    METABASE_URL                         e.g. http://metabase:3000
    METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD
    INSIGHTS_SERVING_DSN                 host, port and database Metabase connects to
    INSIGHTS_PM_READER_ROLE, INSIGHTS_PM_READER_PASSWORD, INSIGHTS_SERVING_SCHEMA
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

import requests
from psycopg2.extensions import parse_dsn

from insights.serving.config import ServingConfig
from insights.serving.errors import PublishError
from insights.settings import DEFAULT_SERVING_DSN

DATA_SOURCE_NAME = "Product insights (governed marts)"
SITE_NAME = "Product insights"
_log = logging.getLogger("insights.serving.metabase")


class MetabaseError(RuntimeError):
    """Metabase refused a step; the message names the endpoint and Metabase's answer."""


def data_source(env: Mapping[str, str]) -> dict[str, Any]:
    """The Postgres data source as Metabase's POST /api/database expects it, read from `env`."""
    config = ServingConfig.from_env(env)  # validates schema and role names the same way publication does
    dsn = parse_dsn(env.get("INSIGHTS_SERVING_DSN") or DEFAULT_SERVING_DSN)
    password = env.get("INSIGHTS_PM_READER_PASSWORD")
    if not password:
        raise MetabaseError("INSIGHTS_PM_READER_PASSWORD is unset; Metabase logs in as the reader with it")
    return {
        "name": DATA_SOURCE_NAME,
        "engine": "postgres",
        "details": {
            "host": dsn.get("host", "localhost"),
            "port": int(dsn.get("port", 5432)),
            "dbname": dsn.get("dbname", "postgres"),
            "user": config.reader_role,
            "password": password,
            "ssl": False,
            "tunnel-enabled": False,
            "advanced-options": False,
            # Only the serving schema is synced: it is all the reader role may read anyway.
            "schema-filters-type": "inclusion",
            "schema-filters-patterns": config.schema,
        },
        "is_full_sync": True,
    }


class Metabase:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise MetabaseError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def wait_until_healthy(self, deadline_seconds: float) -> None:
        deadline = time.monotonic() + deadline_seconds
        while True:
            try:
                if (self.call("GET", "/api/health") or {}).get("status") == "ok":
                    return
            except (requests.RequestException, MetabaseError, ValueError) as exc:
                _log.info("waiting for Metabase at %s (%s)", self.base_url, exc)
            if time.monotonic() >= deadline:
                raise MetabaseError(f"{self.base_url}/api/health: not healthy after {deadline_seconds:g} s")
            time.sleep(2)

    def log_in(self, email: str, password: str) -> None:
        """Create the first admin on a fresh instance, or log in as that admin on a set-up one."""
        properties = self.call("GET", "/api/session/properties") or {}
        if not properties.get("has-user-setup"):
            token = properties.get("setup-token") or properties.get("setup_token")
            answer = self.call("POST", "/api/setup", json={
                "token": token,
                "user": {"email": email, "password": password, "first_name": "Insights", "last_name": "Admin",
                         "site_name": SITE_NAME},
                "prefs": {"site_name": SITE_NAME, "site_locale": "en", "allow_tracking": False},
            })
        else:
            answer = self.call("POST", "/api/session", json={"username": email, "password": password})
        session = (answer or {}).get("id")
        if not session:
            raise MetabaseError("Metabase returned no session id after setup/login")
        self.http.headers["X-Metabase-Session"] = str(session)

    def upsert_data_source(self, source: dict[str, Any]) -> int:
        listed = self.call("GET", "/api/database")
        databases = listed.get("data", []) if isinstance(listed, dict) else listed or []
        existing = next((d for d in databases if d.get("name") == source["name"]), None)
        if existing is None:
            created = self.call("POST", "/api/database", json=source)
            _log.info("Metabase: added data source %r (id %s)", source["name"], created.get("id"))
            return int(created["id"])
        self.call("PUT", f"/api/database/{existing['id']}", json=source)
        _log.info("Metabase: updated data source %r (id %s)", source["name"], existing["id"])
        return int(existing["id"])


def wire(env: Mapping[str, str], wait_seconds: float = 600.0) -> int:
    """Set up Metabase from `env` and return the id of its serving data source."""
    for name in ("METABASE_URL", "METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD"):
        if not env.get(name):
            raise MetabaseError(f"{name} is unset")
    source = data_source(env)
    metabase = Metabase(env["METABASE_URL"])
    metabase.wait_until_healthy(wait_seconds)
    metabase.log_in(env["METABASE_ADMIN_EMAIL"], env["METABASE_ADMIN_PASSWORD"])
    return metabase.upsert_data_source(source)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        database_id = wire(os.environ)
    except (MetabaseError, PublishError, requests.RequestException) as exc:
        _log.error("Metabase wiring failed: %s", exc)
        return 1
    _log.info("Metabase is wired to the serving schema (data source id %d)", database_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
