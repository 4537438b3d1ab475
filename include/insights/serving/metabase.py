"""Wire a Metabase instance to the Postgres serving schema as the read-only reader role, and
provision its dashboards from the same definitions as Superset's (bi/dashboards/*.yml).

docker-compose's one-shot `metabase-init` service runs `python -m insights.serving.metabase`
once Metabase is healthy. It is idempotent: the first run creates the admin account, the data
source, a collection and one native-SQL question per chart, laid out on one dashboard per
definition; later runs log in and update them in place (a changed password, changed definitions).
Each question's SQL is the chart's query (insights.bi.definitions.chart_sql) bound to the serving
schema as the reader role sees it: incomplete periods are marked where the marts carry
`is_complete`. Before the first publication the marts are not there yet: the questions are then
written unmarked, and the next run of metabase-init (after a publication) marks them.

Environment:
    METABASE_URL                         e.g. http://metabase:3000
    METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD
    INSIGHTS_SERVING_DSN                 host, port and database Metabase connects to
    INSIGHTS_PM_READER_ROLE, INSIGHTS_PM_READER_PASSWORD, INSIGHTS_SERVING_SCHEMA
    INSIGHTS_BI_DIR                      folder holding dashboards/*.yml (default: the repository's bi/)
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psycopg2
import requests
from psycopg2.extensions import parse_dsn

from insights.bi.definitions import (
    Chart,
    Dashboard,
    DefinitionError,
    ResolvedDataset,
    chart_metrics,
    chart_sql,
    load_dashboards,
    render_dataset_sql,
    x_label,
)
from insights.bi.json_api import JsonApi
from insights.serving.config import ServingConfig
from insights.serving.errors import PublishError
from insights.settings import DEFAULT_SERVING_DSN

DATA_SOURCE_NAME = "Product insights (governed marts)"
SITE_NAME = "Product insights"
COLLECTION_NAME = "Product insights dashboards (defined in the repository)"
GRID_COLUMNS = 24  # Metabase's dashboard grid; the definitions use 12 columns
_DISPLAY = {"line": "line", "bar": "bar", "big_number": "scalar", "table": "table"}
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


class Metabase(JsonApi):
    error = MetabaseError
    timeout = 30.0

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


    def _listed(self, path: str) -> list[dict[str, Any]]:
        listed = self.call("GET", path)
        return listed.get("data", []) if isinstance(listed, dict) else listed or []

    def upsert_collection(self, name: str) -> int:
        existing = next((c for c in self._listed("/api/collection") if c.get("name") == name), None)
        if existing is not None:
            return int(existing["id"])
        return int(self.call("POST", "/api/collection", json={"name": name, "color": "#509EE3"})["id"])

    def upsert(self, kind: str, body: dict[str, Any]) -> int:
        """Create or update (by name, within our collection) a card or a dashboard; returns its id."""
        existing = next((item for item in self._listed(f"/api/{kind}")
                         if item.get("name") == body["name"] and item.get("collection_id") == body["collection_id"]
                         and not item.get("archived")), None)
        if existing is None:
            return int(self.call("POST", f"/api/{kind}", json=body)["id"])
        self.call("PUT", f"/api/{kind}/{existing['id']}", json=body)
        return int(existing["id"])


def card_body(chart: Chart, dataset: ResolvedDataset, database_id: int, collection_id: int) -> dict[str, Any]:
    """A native-SQL question showing `chart` as Metabase draws it."""
    metrics = [m.label for m in chart_metrics(chart, dataset)]
    dimensions = [d for d in (x_label(chart), *chart.group_by) if d]
    settings: dict[str, Any] = {"graph.dimensions": dimensions, "graph.metrics": metrics}
    if chart.stack:
        settings["stackable.stack_type"] = "stacked"
    if chart.kind == "big_number":
        # A scalar shows the first row: the query is ordered by day, so ask for the last one.
        query = chart_sql(chart, dataset).replace("order by 1", "order by 1 desc") + "\nlimit 1"
        settings = {"scalar.field": metrics[0]}
    else:
        query = chart_sql(chart, dataset)
    return {
        "name": chart.title,
        "description": chart.description,
        "display": _DISPLAY[chart.kind],
        "collection_id": collection_id,
        "dataset_query": {"type": "native", "native": {"query": query, "template-tags": {}},
                          "database": database_id},
        "visualization_settings": settings,
    }


def dashboard_cards(dashboard: Dashboard, card_ids: dict[str, int]) -> list[dict[str, Any]]:
    """The definition's layout (rows of 12 columns) on Metabase's 24-column grid."""
    cards, row, col, row_height = [], 0, 0, 0
    for index, chart in enumerate(dashboard.charts):
        width, height = chart.width * GRID_COLUMNS // 12, max(4, round(chart.height / 9))
        if col + width > GRID_COLUMNS:
            row, col, row_height = row + row_height, 0, 0
        cards.append({"id": -(index + 1), "card_id": card_ids[chart.name], "row": row, "col": col,
                      "size_x": width, "size_y": height, "parameter_mappings": [], "visualization_settings": {}})
        col, row_height = col + width, max(row_height, height)
    return cards


def provision_dashboards(metabase: Metabase, database_id: int, dashboards: list[Dashboard],
                         resolve: Callable[[Dashboard], dict[str, ResolvedDataset]]) -> dict[str, int]:
    """One collection, one question per chart, one dashboard per definition; returns slug -> id."""
    collection_id = metabase.upsert_collection(COLLECTION_NAME)
    ids = {}
    for dashboard in dashboards:
        datasets = resolve(dashboard)
        card_ids = {chart.name: metabase.upsert("card", card_body(chart, datasets[chart.dataset], database_id,
                                                                  collection_id))
                    for chart in dashboard.charts}
        body = {"name": dashboard.title, "collection_id": collection_id,
                "description": f"{dashboard.description}\n\nDefined in the repository: "
                               f"bi/dashboards/{dashboard.path.name}."}
        ids[dashboard.slug] = metabase.upsert("dashboard", body)
        metabase.call("PUT", f"/api/dashboard/{ids[dashboard.slug]}",
                      json={**body, "dashcards": dashboard_cards(dashboard, card_ids)})
        _log.info("Metabase: dashboard %r (%d questions)", dashboard.title, len(card_ids))
    return ids


def reader_resolver(env: Mapping[str, str]) -> Callable[[Dashboard], dict[str, ResolvedDataset]]:
    """Datasets bound to the serving schema as the reader role; unmarked while a mart is unpublished."""
    from insights.bi.provision import ReaderAccess

    serving = ReaderAccess.from_env(env).serving()

    def resolve(dashboard: Dashboard) -> dict[str, ResolvedDataset]:
        try:
            return {name: dataset for name, (dataset, _) in serving.resolve(dashboard).items()}
        except (DefinitionError, psycopg2.Error) as exc:
            _log.warning("Metabase: %s; questions of %r are written without completeness marks until "
                         "metabase-init runs again after a publication", exc, dashboard.title)
            return {d.name: ResolvedDataset(d.name, render_dataset_sql(d, serving.schema, lambda _: ()), d.table, ())
                    for d in dashboard.datasets.values()}

    return resolve


def wire(env: Mapping[str, str], wait_seconds: float = 600.0,
         resolve: Callable[[Dashboard], dict[str, ResolvedDataset]] | None = None) -> int:
    """Set up Metabase from `env` (data source and dashboards); returns the id of its data source."""
    for name in ("METABASE_URL", "METABASE_ADMIN_EMAIL", "METABASE_ADMIN_PASSWORD"):
        if not env.get(name):
            raise MetabaseError(f"{name} is unset")
    source = data_source(env)
    dashboards = load_dashboards(Path(env["INSIGHTS_BI_DIR"]) / "dashboards" if env.get("INSIGHTS_BI_DIR") else None)
    metabase = Metabase(env["METABASE_URL"])
    metabase.wait_until_healthy(wait_seconds)
    metabase.log_in(env["METABASE_ADMIN_EMAIL"], env["METABASE_ADMIN_PASSWORD"])
    database_id = metabase.upsert_data_source(source)
    provision_dashboards(metabase, database_id, dashboards, resolve or reader_resolver(env))
    return database_id


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        database_id = wire(os.environ)
    except (MetabaseError, PublishError, DefinitionError, requests.RequestException) as exc:
        _log.error("Metabase wiring failed: %s", exc)
        return 1
    _log.info("Metabase is wired to the serving schema (data source id %d)", database_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
