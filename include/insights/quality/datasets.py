"""Read each dataset of the candidate build into pandas (GX's SQL datasource is broken on DuckDB).

One in-memory DuckDB connection attaches the candidate warehouse read-only as `candidate` (the
default catalog, so suite queries say `marts.x`) and, when it exists, the published snapshot
read-only as `published`. Results of the semantic layer are registered as a relation too, so
every cross-table rule is one SQL query whose rows GX validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from insights.extraction.landing import max_quarantine_share
from insights.quality.suites import SuiteSpec
from insights.warehouse.raw_tables import STREAMS

if TYPE_CHECKING:
    import pandas as pd

CANDIDATE = "candidate"
PUBLISHED = "published"
MEMORY_LIMIT = "1GB"  # the gate's DuckDB share of the 4 GB budget; GX and its frames take < 0.5 GB


class DatasetError(RuntimeError):
    """A dataset's query failed on the candidate (a missing table or column, a failed cast...)."""


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def open_candidate(warehouse: Path, published: Path | None) -> duckdb.DuckDBPyConnection:
    """Read-only access to the candidate (and the published snapshot); never takes a write lock.

    DuckDB keeps the blocks it scanned in its buffer pool up to memory_limit (80% of RAM by
    default), so scanning days of raw payloads would grow the gate's RSS with the data: a fixed
    limit makes it evict (and spill, if an aggregate ever needs it) instead.
    """
    if not warehouse.is_file():
        raise DatasetError(f"{warehouse}: candidate warehouse not found (run the build first)")
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": MEMORY_LIMIT,
            # beside the warehouse, not a machine-wide folder: gates of other homes may run at once
            "temp_directory": str(warehouse.parent / "tmp" / "gate-duckdb"),
        },
    )
    try:
        con.execute(f"attach '{_sql_path(warehouse)}' as {CANDIDATE} (read_only)")
        if published is not None:
            con.execute(f"attach '{_sql_path(published)}' as {PUBLISHED} (read_only)")
        con.execute(f"use {CANDIDATE}")
    except duckdb.Error as exc:
        con.close()
        raise DatasetError(f"cannot open the candidate {warehouse} read-only: {exc}") from exc
    return con


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str, catalog: str = CANDIDATE) -> bool:
    schema, _, table = qualified.rpartition(".")
    row = con.execute(
        "select count(*) from information_schema.tables"
        " where table_catalog = ? and table_schema = ? and table_name = ?",
        [catalog, schema or "main", table],
    ).fetchone()
    return bool(row and row[0])


def newest_raw_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest partition day of any raw stream: the default reference day of a run."""
    days = []
    for stream in STREAMS:
        if table_exists(con, f"raw.{stream.table}"):
            row = con.execute(f"select max(raw_rows.dt) from raw.{stream.table} as raw_rows").fetchone()
            if row and row[0] is not None:
                days.append(row[0])
    return max(days) if days else None


# Parameters set by the environment rather than by the run or the suite: the thresholds the
# pipeline enforces elsewhere, so the gate checks the very same number.
ENVIRONMENT_PARAMS = {"max_quarantine_share": max_quarantine_share}  # INSIGHTS_MAX_QUARANTINE_SHARE


def environment_params(names: tuple[str, ...]) -> dict[str, Any]:
    """Values of the environment parameters among `names` (a bad setting is a DatasetError naming it)."""
    try:
        return {name: ENVIRONMENT_PARAMS[name]() for name in names if name in ENVIRONMENT_PARAMS}
    except ValueError as exc:
        raise DatasetError(str(exc)) from exc


def load_frame(
    con: duckdb.DuckDBPyConnection, suite: SuiteSpec, run_params: Mapping[str, Any]
) -> pd.DataFrame:
    """Run the suite's query with its parameters (suite params override the run's, which override the
    environment's)."""
    values = {**environment_params(suite.sql_params), **run_params, **suite.params}
    missing = [p for p in suite.sql_params if p not in values]
    if missing:
        raise DatasetError(
            f"{suite.path.with_suffix('.sql').name}: parameter(s) {', '.join('$' + m for m in missing)} "
            f"are set neither by the run ({', '.join(sorted(run_params))}) "
            "nor by the suite's meta.dataset.params"
        )
    try:
        return con.execute(suite.sql, {p: values[p] for p in suite.sql_params}).df()
    except duckdb.Error as exc:
        message = " ".join(str(exc).split())
        raise DatasetError(f"query {suite.name}.sql failed on the candidate: {message}") from exc
