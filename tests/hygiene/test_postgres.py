"""The audit on Postgres gives the same findings, ledger and barometer marts as on DuckDB."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from insights.hygiene import run_audit
from insights.settings import Settings
from insights.warehouse import connect, dbt_vars, load_raw, run_dbt, schema_name

from .conftest import FIXTURE_SELECTION, AuditedWarehouse, home_settings, query
from .fixture_world import DIRTY_DAY, write_raw_zone, write_workspace_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
log = logging.getLogger("tests.hygiene.postgres")

# (schema, table, columns); JSON payload texts are compared parsed (Postgres spaces them)
TABLES = [
    ("audit", "tracking_plan_findings", "reference_date, event_type, finding, detail, events_in_window"),
    (
        "audit",
        "tracking_plan_property_violations",
        "event_type, property_name, violation, violating_events, example_event_uuid, example_value_type",
    ),
    (
        "audit",
        "event_usage_ledger",
        "event_type, plan_status, events_in_window, usage_channels, feeding_models, feeding_metrics, "
        "is_billed_but_unused",
    ),
    ("marts", "metrics_barometer_editions", "edition, invited_pms, respondents, response_rate"),
    (
        "marts",
        "metrics_barometer_theme_scores",
        "edition, theme, average_score, change_since_previous_edition",
    ),
    ("marts", "metrics_barometer_pain_points", "edition, area, team, is_routed, pain_points, pms"),
]


def _rows(settings: Settings, target: str, schema: str, table: str, columns: str) -> list[tuple[Any, ...]]:
    where = " where reference_date = '2026-10-31'" if schema == "audit" else ""
    sql = f"select {columns} from {schema_name(schema, target)}.{table}{where}"
    if target == "duckdb":
        rows = query(settings, sql)
    else:
        with connect(settings, target) as con, con.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
    normalized = [
        tuple(
            json.loads(v)
            if isinstance(v, str) and v.startswith("{")
            else round(v, 9)
            if isinstance(v, float)
            else v
            for v in row
        )
        for row in rows
    ]
    return sorted(normalized, key=repr)


@pytest.fixture
def postgres_audit(pg_prefix: str, tmp_path: Path) -> Iterator[Settings]:
    settings = home_settings(tmp_path / "home", write_workspace_config(tmp_path / "config"))
    write_raw_zone(settings.raw_dir)
    load_raw(settings, "postgres", log=log)
    run_dbt(
        ["build", "--select", FIXTURE_SELECTION, "--indirect-selection", "buildable"],
        settings,
        "postgres",
        vars=dbt_vars(settings),
        log=log,
    )
    run_audit(settings, DIRTY_DAY, log=log, target="postgres")
    yield settings


def test_postgres_audit_equals_duckdb_audit(audited: AuditedWarehouse, postgres_audit: Settings) -> None:
    for schema, table, columns in TABLES:
        duckdb_rows = _rows(audited.settings, "duckdb", schema, table, columns)
        postgres_rows = _rows(postgres_audit, "postgres", schema, table, columns)
        assert len(duckdb_rows) > 0, table
        assert postgres_rows == duckdb_rows, table
    report = (postgres_audit.home / "reports" / "hygiene" / "hygiene-2026-10-31.html").read_text()
    assert "debug_click" in report and "calendar_synced" in report
