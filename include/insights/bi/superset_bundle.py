"""The dashboard definitions (bi/dashboards/*.yml) rendered into a Superset import bundle: a ZIP of
YAML files (metadata, database, datasets, charts, dashboards) made from the Jinja2 templates in
bi/superset/templates/, as `POST /api/v1/assets/import/` and `superset import-dashboards` take it.

UUIDs are derived from names, so importing the bundle again overwrites the same objects: the
repository stays the source of truth and nothing is clicked together.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import yaml
from psycopg2.extensions import parse_dsn

from insights.bi.definitions import (
    Chart,
    Dashboard,
    ResolvedDataset,
    chart_filters,
    chart_metrics,
    x_expression,
    x_label,
)
from insights.bi.serving_schema import Column, ServingSchema

DATABASE_NAME = "Product insights (governed marts)"
DATABASE_FILE = "databases/product_insights.yaml"
_NAMESPACE = uuid.UUID("5b0c8f0e-7d3a-4c1e-9a57-2f1d3c0b6a11")
_TEMPORAL_TYPES = ("date", "timestamp", "timestamptz")
_VIZ_TYPES = {"line": "echarts_timeseries_line", "bar": "echarts_timeseries_bar", "big_number": "big_number",
              "table": "table"}
_ROOT = ["ROOT_ID", "GRID_ID"]


def templates_dir() -> Path:
    from insights.bi.definitions import default_dir

    return default_dir().parent / "superset" / "templates"


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class Connection:
    """Where Superset reads the serving schema, and as whom (the password travels beside the bundle)."""

    host: str
    port: int
    dbname: str
    user: str
    schema: str
    has_password: bool = True

    @classmethod
    def from_dsn(cls, dsn: str, user: str, schema: str, has_password: bool = True) -> Connection:
        parts = parse_dsn(dsn)
        return cls(parts.get("host") or "127.0.0.1", int(parts.get("port") or 5432),
                   parts.get("dbname") or "postgres", user, schema, has_password)

    @property
    def sqlalchemy_uri(self) -> str:
        # Superset masks a stored password as XXXXXXXXXX; the import takes the real one from `passwords`.
        login = f"{self.user}:XXXXXXXXXX" if self.has_password else self.user
        return f"postgresql+psycopg2://{login}@{self.host}:{self.port}/{self.dbname}"


def _metric(sql: str, label: str) -> dict[str, Any]:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label, "hasCustomLabel": True,
            "optionName": "metric_" + stable_uuid("metric", label, sql).replace("-", "")[:16]}


def _layout(dashboard: Dashboard, chart_uuids: dict[str, str]) -> dict[str, Any]:
    """Superset's position JSON: a markdown header row, then the charts in rows of 12 columns."""
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard.title}},
    }
    rows: list[list[tuple[str, dict[str, Any]]]] = []
    intro = dashboard.description + (
        "\n\nDefined in the repository (`bi/dashboards/" + dashboard.path.name + "`); "
        "read from the governed marts as the reader role.")
    rows.append([("MARKDOWN-intro", {"type": "MARKDOWN", "meta": {"width": 12, "height": 16, "code": intro}})])
    used = 12
    for number, chart in enumerate(dashboard.charts, start=1):
        component = {"type": "CHART", "meta": {"width": chart.width, "height": chart.height,
                                               "chartId": number, "uuid": chart_uuids[chart.name],
                                               "sliceName": chart.title}}
        if used + chart.width > 12:
            rows.append([])
            used = 0
        rows[-1].append((f"CHART-{chart.name}", component))
        used += chart.width
    for index, row in enumerate(rows, start=1):
        row_id = f"ROW-{index}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"type": "ROW", "id": row_id, "children": [cid for cid, _ in row],
                            "parents": _ROOT, "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for component_id, component in row:
            position[component_id] = {**component, "id": component_id, "children": [],
                                      "parents": [*_ROOT, row_id]}
    return position


class BundleRenderer:
    def __init__(self, connection: Connection, templates: Path | None = None) -> None:
        self.connection = connection
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates or templates_dir())),
                                      undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.database_uuid = stable_uuid("database", DATABASE_NAME)

    def _render(self, template: str, **context: Any) -> str:
        text = self.env.get_template(template).render(**context)
        yaml.safe_load(text)  # a template that renders invalid YAML fails here, naming nothing else
        return text

    def _dataset(self, dashboard: Dashboard, dataset: ResolvedDataset, columns: list[Column]) -> tuple[str, str, str]:
        if dataset.table:
            key, table_name, query = f"table/{dataset.table}", dataset.table, None
        else:
            key, table_name, query = f"sql/{dashboard.slug}/{dataset.name}", f"{dashboard.slug}__{dataset.name}", \
                dataset.sql
        dataset_uuid = stable_uuid("dataset", key)
        temporal = [c.name for c in columns if c.type in _TEMPORAL_TYPES]
        text = self._render(
            "dataset.yaml.j2", table_name=table_name, schema=self.connection.schema, sql=query,
            description=f"{dashboard.title}: {dataset.name}", main_dttm_col=temporal[0] if temporal else None,
            columns=[{"name": c.name, "type": c.type, "is_dttm": c.type in _TEMPORAL_TYPES} for c in columns],
            uuid=dataset_uuid, database_uuid=self.database_uuid)
        return f"datasets/{table_name}.yaml", dataset_uuid, text

    def _chart(self, dashboard: Dashboard, chart: Chart, dataset: ResolvedDataset, columns: list[Column],
               dataset_uuid: str) -> tuple[str, str, str]:
        chart_uuid = stable_uuid("chart", dashboard.slug, chart.name)
        types = {c.name: c.type for c in columns}
        x = x_expression(chart, dataset)
        temporal_x = x == chart.x and types.get(chart.x or "") in _TEMPORAL_TYPES
        x_axis: Any = x if x == chart.x else {"expressionType": "SQL", "sqlExpression": x, "label": x_label(chart)}
        text = self._render(
            "chart.yaml.j2", chart=chart, viz_type=_VIZ_TYPES[chart.kind],
            metrics=[_metric(m.sql, m.label) for m in chart_metrics(chart, dataset)],
            filters=chart_filters(chart, dataset), x_axis=x_axis, x_axis_label=x_label(chart),
            temporal_x=temporal_x, uuid=chart_uuid, dataset_uuid=dataset_uuid)
        return f"charts/{dashboard.slug}__{chart.name}.yaml", chart_uuid, text

    def files(self, dashboards: list[Dashboard], serving: ServingSchema) -> dict[str, str]:
        """Bundle path -> YAML text for every dashboard (its datasets bound to `serving`)."""
        files = {
            "metadata.yaml": self._render("metadata.yaml.j2",
                                          timestamp=datetime.now(UTC).isoformat(timespec="seconds")),
            DATABASE_FILE: self._render("database.yaml.j2", name=DATABASE_NAME,
                                        sqlalchemy_uri=self.connection.sqlalchemy_uri, uuid=self.database_uuid),
        }
        for dashboard in dashboards:
            resolved = serving.resolve(dashboard)
            dataset_uuids = {}
            for name, (dataset, columns) in resolved.items():
                path, dataset_uuids[name], text = self._dataset(dashboard, dataset, columns)
                files[path] = text
            chart_uuids = {}
            for chart in dashboard.charts:
                dataset, columns = resolved[chart.dataset]
                path, chart_uuids[chart.name], text = self._chart(dashboard, chart, dataset, columns,
                                                                  dataset_uuids[chart.dataset])
                files[path] = text
            files[f"dashboards/{dashboard.slug}.yaml"] = self._render(
                "dashboard.yaml.j2", dashboard=dashboard, uuid=stable_uuid("dashboard", dashboard.slug),
                label_colors={}, position=_layout(dashboard, chart_uuids))
        return files


def bundle_zip(files: dict[str, str], root: str = "insights_bi") -> bytes:
    """The files as Superset expects an import ZIP: everything under one top-level folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(files.items()):
            archive.writestr(f"{root}/{path}", text)
    return buffer.getvalue()
