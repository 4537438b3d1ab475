"""Provision Superset's dashboards from the definitions: log in as admin, import the bundle (which
overwrites what an earlier import created), and list the dashboards' addresses.

The reader role's connection comes from the publication settings (docs/serving.md):
INSIGHTS_SERVING_DSN (host, port, database), INSIGHTS_SERVING_SCHEMA, INSIGHTS_PM_READER_ROLE and
INSIGHTS_PM_READER_PASSWORD. Datasets are bound as that role, so a dashboard only reads what a PM may.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg2.extensions import make_dsn

from insights.bi.definitions import Dashboard, load_dashboards
from insights.bi.json_api import JsonApi
from insights.bi.serving_schema import ServingSchema
from insights.bi.superset_bundle import DATABASE_FILE, BundleRenderer, Connection, bundle_zip
from insights.serving.config import ServingConfig
from insights.settings import DEFAULT_SERVING_DSN

_log = logging.getLogger("insights.bi")


class ProvisionError(RuntimeError):
    """Superset refused a provisioning step; the message names the endpoint and Superset's answer."""


@dataclass(frozen=True)
class ReaderAccess:
    """The serving schema as the reader role sees it."""

    admin_dsn: str  # the publisher's DSN: only host, port and database are taken from it
    schema: str
    role: str
    password: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReaderAccess:
        dsn = env.get("INSIGHTS_SERVING_DSN") or DEFAULT_SERVING_DSN
        if dsn.strip().lower() == "none":
            raise ProvisionError("INSIGHTS_SERVING_DSN=none: there is no Postgres serving schema for the BI tool")
        config = ServingConfig.from_env(env)
        return cls(dsn, config.schema, config.reader_role, config.reader_password)

    @property
    def dsn(self) -> str:
        extra = {"password": self.password} if self.password else {}
        return make_dsn(self.admin_dsn, user=self.role, **extra)

    def connection(self) -> Connection:
        return Connection.from_dsn(self.admin_dsn, self.role, self.schema, has_password=bool(self.password))

    def serving(self) -> ServingSchema:
        return ServingSchema(self.dsn, self.schema)


class Superset(JsonApi):
    error = ProvisionError
    timeout = 60.0

    def log_in(self, username: str, password: str) -> None:
        answer = self.call("POST", "/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db", "refresh": False})
        self.http.headers["Authorization"] = f"Bearer {answer['access_token']}"
        # Writes need the CSRF token of this session (its cookie is kept by the requests session).
        token = self.call("GET", "/api/v1/security/csrf_token/")["result"]
        self.http.headers.update({"X-CSRFToken": token, "Referer": self.base_url})

    def import_bundle(self, bundle: bytes, passwords: dict[str, str]) -> None:
        self.call("POST", "/api/v1/assets/import/",
                  files={"bundle": ("insights_bi.zip", bundle, "application/zip")},
                  data={"passwords": json.dumps(passwords), "overwrite": "true"})

    def dashboards(self) -> list[dict[str, Any]]:
        query = "(columns:!(id,dashboard_title,slug,url),page_size:100)"
        return self.call("GET", f"/api/v1/dashboard/?q={query}")["result"]


def render_bundle(access: ReaderAccess, dashboards: list[Dashboard]) -> dict[str, str]:
    return BundleRenderer(access.connection()).files(dashboards, access.serving())


def provision(base_url: str, admin_password: str, env: Mapping[str, str], definitions: Path | None = None,
              bundle_copy: Path | None = None) -> list[dict[str, Any]]:
    """Import every dashboard definition into the Superset at `base_url`; returns its dashboards."""
    access = ReaderAccess.from_env(env)
    dashboards = load_dashboards(definitions)
    files = render_bundle(access, dashboards)
    bundle = bundle_zip(files)
    if bundle_copy is not None:  # kept for inspection (`superset import-dashboards -p` takes it too)
        bundle_copy.parent.mkdir(parents=True, exist_ok=True)
        bundle_copy.write_bytes(bundle)
    superset = Superset(base_url)
    superset.log_in("admin", admin_password)
    superset.import_bundle(bundle, {DATABASE_FILE: access.password} if access.password else {})
    listed = superset.dashboards()
    wanted = {d.slug for d in dashboards}
    missing = wanted - {d.get("slug") for d in listed}
    if missing:
        raise ProvisionError(f"Superset lists no dashboard {', '.join(sorted(missing))} after the import")
    _log.info("Superset: provisioned %d dashboards (%d charts) from %s", len(dashboards),
              sum(len(d.charts) for d in dashboards), dashboards[0].path.parent)
    return [d for d in listed if d.get("slug") in wanted]
