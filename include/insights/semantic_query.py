"""`insights query`: a governed metric of the semantic layer, answered from the published snapshot.

    insights query --metrics dau,wau --group-by metric_time__day [--start D] [--end D] [--csv FILE]
    insights query --metrics nps --group-by metric_time__month,segment

The metric -> mart column mapping is the KPI catalog's (reports/catalog/catalog.json, written at every
publication from the semantic manifest), so this needs no `dbt parse` and never opens the live
warehouse: it reads the snapshot PMs read (the serving schema's views, `analytics.*`), read-only.
Rows are the published ones, so the answer is bounded to loaded data (no day past the last one,
unlike a query over the time spine); `--start`/`--end` narrow it. A metric is answered at its mart's
grain (metric_time__day for a daily mart...): a distinct count or a ratio cannot be re-aggregated to
another grain from published values. When the mart carries completeness, an `is_complete` column
says which periods are still arriving.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import duckdb

from insights.settings import Settings

TIME_PREFIX = "metric_time__"
_GRAINS = {"day": ("date_day", "cohort_date"), "week": ("week_start",), "month": ("month_start",)}
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")


class QueryError(ValueError):
    """The query cannot be answered from the publication; the message says why and what to ask instead."""


@dataclass(frozen=True)
class Plan:
    sql: str
    params: list[Any]
    columns: list[str]


def _catalog(settings: Settings) -> dict[str, Any]:
    path = settings.reports_dir / "catalog" / "catalog.json"
    if not path.is_file():
        raise QueryError(f"{path}: no published catalog; publish first (`insights publish`, `make demo`)")
    return json.loads(path.read_text(encoding="utf-8"))


def plan(settings: Settings, metrics: list[str], group_by: list[str], start: date | None = None,
         end: date | None = None, snapshot_columns: dict[str, list[str]] | None = None,
         schema: str = "analytics") -> Plan:
    catalog = _catalog(settings)
    entries = {m["name"]: m for m in catalog["metrics"]}
    marts = {f"{m['schema']}.{m['name']}": m for m in catalog["marts"]}
    unknown = [m for m in metrics if m not in entries]
    if unknown:
        raise QueryError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(sorted(entries))}")
    homes = {entries[m]["mart"] for m in metrics}
    if None in homes:
        raise QueryError(f"{', '.join(m for m in metrics if not entries[m]['mart'])}: in no published mart")
    if len(homes) > 1:
        raise QueryError("metrics from different marts cannot share one query: "
                         + "; ".join(f"{m} in {entries[m]['mart']}" for m in metrics))
    mart = marts[homes.pop()]
    for name in metrics:
        if not entries[name]["mart_column"]:
            raise QueryError(f"{name} is not a published column: {entries[name]['note'] or 'see the catalog'}")
    names = [c["name"] for c in mart["columns"]]
    available = (snapshot_columns or {}).get(mart["name"], names)
    times = [c for grain in _GRAINS.values() for c in grain if c in names]
    select, keys = [], []
    for item in group_by:
        if item.startswith(TIME_PREFIX):
            grain = item.removeprefix(TIME_PREFIX)
            column = next((c for c in _GRAINS.get(grain, ()) if c in names), None)
            if column is None:
                have = next((g for g, cols in _GRAINS.items() if any(c in names for c in cols)), "none")
                raise QueryError(f"{', '.join(metrics)}: published per {have} in {mart['name']}; "
                                 f"group by {TIME_PREFIX}{have} (a distinct count or a ratio does not add up "
                                 f"to a {grain})")
            select.append(f"{column} as {item}")
            keys.append(item)
        elif item in names and _PLAIN.match(item):
            select.append(item)
            keys.append(item)
        else:
            raise QueryError(f"cannot group {mart['name']} by {item!r}: use {TIME_PREFIX}<grain> or one of "
                             f"its columns ({', '.join(names)})")
    time_column = times[0] if times else None
    where: list[str] = []
    params: list[Any] = []
    for dimension in (c["name"] for c in mart["columns"] if c.get("data_type") in ("text", "varchar")):
        if dimension in keys:
            continue
        # One row per (period, dimension value): summing over a dimension is not the metric. A segment
        # has its total as a row of its own (segment = 'all'); any other dimension must be grouped by.
        if dimension != "segment":
            raise QueryError(f"{mart['name']} has one row per {dimension}: add it to --group-by")
        where.append("segment = 'all'")
    select += [entries[m]["mart_column"] + (f" as {m}" if entries[m]["mart_column"] != m else "") for m in metrics]
    if "is_complete" in available:
        select.append("is_complete")
    if time_column and start:
        where.append(f"{time_column} >= ?")
        params.append(start)
    if time_column and end:
        where.append(f"{time_column} <= ?")
        params.append(end)
    sql = f"select {', '.join(select)}\nfrom {schema}.{mart['name']}"
    if where:
        sql += "\nwhere " + " and ".join(where)
    if keys:
        sql += "\norder by " + ", ".join(keys)
    return Plan(sql, params, [s.split(" as ")[-1] for s in select])


def run_query(settings: Settings, metrics: list[str], group_by: list[str], start: date | None = None,
              end: date | None = None) -> tuple[Plan, list[tuple[Any, ...]]]:
    snapshot = settings.published_snapshot
    if not snapshot.is_file():
        raise QueryError(f"{snapshot}: nothing published yet (`insights publish`, `make demo`)")
    from insights.reports.overview import published_schema

    with duckdb.connect(str(snapshot), read_only=True) as con:
        schema = published_schema(con)
        columns: dict[str, list[str]] = {}
        for table, column in con.execute("select table_name, column_name from duckdb_columns() "
                                         "where schema_name = ?", [schema]).fetchall():
            columns.setdefault(table, []).append(column)
        query = plan(settings, metrics, group_by, start, end, columns, schema)
        rows = con.execute(query.sql, query.params).fetchall()
    return query, rows


def write_rows(query: Plan, rows: list[tuple[Any, ...]], out: TextIO | None = None,
               csv_path: Path | None = None) -> None:
    if csv_path is not None:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(query.columns)
            writer.writerows(rows)
        return
    out = out or sys.stdout
    cells = [[("" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(query.columns)]
    out.write("  ".join(c.ljust(w) for c, w in zip(query.columns, widths, strict=True)).rstrip() + "\n")
    for row in cells:
        out.write("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")
