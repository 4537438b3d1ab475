"""Record a ProjectSnapshot in the warehouse, for the audit's dbt models to read.

Four tables in the target's `raw` schema (the dbt source `hygiene`), one snapshot per audit
reference day: recording a day again replaces that day's rows (an audit re-run is idempotent),
earlier days stay, so `needs_recertification` can compare with the previous audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from insights.hygiene.definitions import ProjectSnapshot
from insights.settings import Settings
from insights.warehouse import connect, schema_name

# table -> ((column, logical type), ...); logical types are the same words on DuckDB and Postgres
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "hygiene_metric_definitions": (
        ("reference_date", "date"),
        ("recorded_at", "timestamp"),
        ("metric_name", "text"),
        ("metric_type", "text"),
        ("label", "text"),
        ("owner", "text"),
        ("description", "text"),
        ("normalized_definition", "text"),
        ("definition_hash", "text"),
        ("source_file", "text"),
    ),
    "hygiene_metric_measures": (
        ("reference_date", "date"),
        ("metric_name", "text"),
        ("measure_name", "text"),
        ("model_name", "text"),
        ("measure_expr", "text"),
    ),
    "hygiene_project_models": (
        ("reference_date", "date"),
        ("model_name", "text"),
        ("resource_path", "text"),
        ("layer", "text"),
        ("owner", "text"),
        ("counts_distinct_users", "boolean"),
    ),
    "hygiene_model_lineage": (
        ("reference_date", "date"),
        ("model_name", "text"),
        ("ancestor_name", "text"),
    ),
}


def snapshot_rows(
    snapshot: ProjectSnapshot, reference_day: date, recorded_at: datetime
) -> dict[str, list[tuple[Any, ...]]]:
    """The snapshot as rows of TABLES, in their column order."""
    return {
        "hygiene_metric_definitions": [
            (reference_day, recorded_at, m.name, m.metric_type, m.label, m.owner, m.description,
             m.normalized_definition, m.definition_hash, m.source_file)
            for m in snapshot.metrics
        ],
        "hygiene_metric_measures": [
            (reference_day, m.name, measure.measure_name, measure.model_name, measure.expr)
            for m in snapshot.metrics
            for measure in m.measures
        ],
        "hygiene_project_models": [
            (reference_day, m.name, m.resource_path, m.layer, m.owner, m.counts_distinct_users)
            for m in snapshot.models
        ],
        "hygiene_model_lineage": [
            (reference_day, model.name, ancestor) for model in snapshot.models for ancestor in model.ancestors
        ],
    }  # fmt: skip


def _execute(con: Any, target: str, sql: str, params: Sequence[Any] = ()) -> None:
    if target == "duckdb":
        con.execute(sql, list(params))
    else:
        with con.cursor() as cur:
            cur.execute(sql, list(params))


def _insert_many(con: Any, target: str, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if target == "duckdb":
        con.executemany(sql, [list(r) for r in rows])
    else:
        with con.cursor() as cur:
            cur.executemany(sql, rows)


def record_snapshot(
    settings: Settings, target: str, reference_day: date, snapshot: ProjectSnapshot
) -> dict[str, int]:
    """Replace the snapshot of `reference_day` in the warehouse; returns rows written per table.

    One transaction: a failure leaves the earlier snapshots as they were. Callers hold the
    warehouse lock (DuckDB: one writer).
    """
    schema = schema_name("raw", target)
    placeholder = "?" if target == "duckdb" else "%s"
    recorded_at = datetime.now(UTC).replace(tzinfo=None)
    rows = snapshot_rows(snapshot, reference_day, recorded_at)
    with connect(settings, target) as con:
        if target == "duckdb":
            con.begin()
        try:
            _execute(con, target, f"create schema if not exists {schema}")
            for table, columns in TABLES.items():
                column_sql = ", ".join(f"{name} {ctype}" for name, ctype in columns)
                _execute(con, target, f"create table if not exists {schema}.{table} ({column_sql})")
                _execute(
                    con,
                    target,
                    f"delete from {schema}.{table} where reference_date = {placeholder}",
                    [reference_day],
                )
                names = ", ".join(name for name, _ in columns)
                values = ", ".join([placeholder] * len(columns))
                _insert_many(
                    con, target, f"insert into {schema}.{table} ({names}) values ({values})", rows[table]
                )
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return {table: len(table_rows) for table, table_rows in rows.items()}
