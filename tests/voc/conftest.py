"""Fixtures of the voice-of-customer tests: the hand-written raw zone built once per session, expected rows."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from insights.settings import Settings, load_settings
from insights.warehouse import connect, schema_name
from insights.warehouse.dbt import BuildResult, build

from .raw_zone import FIXTURES, write_raw_zone, write_workspace_config

# The VoC marts and everything upstream of them (staging, intermediate, workspace config);
# `dbt build` runs their unit tests and data tests too, singular tests of tests/voc included.
VOC_SELECTION = "+path:models/marts/voc"
VOC_MARTS = (
    "metrics_nps_monthly",
    "metrics_support_daily",
    "metrics_support_weekly",
    "metrics_csat_monthly",
    "metrics_feedback_by_team_weekly",
    "metrics_feedback_unrouted_weekly",
)
log = logging.getLogger("tests.voc")


@dataclass(frozen=True)
class VocWarehouse:
    settings: Settings
    result: BuildResult


def voc_settings(root: Path) -> Settings:
    """An isolated home holding the fixture's raw zone, and the fixture's workspace config."""
    home = root / "home"
    write_raw_zone(home / "raw")
    config = write_workspace_config(root / "config")
    return dataclasses.replace(
        load_settings(), home=home, warehouse=home / "warehouse.duckdb", config_dir=config, replay_dir=None
    )


def row_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Sort key of mart rows: column by column, nulls last."""
    return tuple((value is None, value if value is not None else 0) for value in row)


def sorted_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=row_order)


def read_mart(settings: Settings, target: str, mart: str) -> list[tuple[Any, ...]]:
    """Every row of a VoC mart, in row_order (rows are compared as sorted lists)."""
    sql = f"select * from {schema_name('marts', target)}.{mart}"
    with connect(settings, target) as con:
        if target == "duckdb":
            rows = con.execute(sql).fetchall()
        else:
            with con.cursor() as cur:
                cur.execute(sql)
                rows = cur.fetchall()
    return sorted_rows(rows)


@pytest.fixture(scope="session")
def voc_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VocWarehouse]:
    """The fixture loaded by the warehouse loader and built by dbt on DuckDB, once per session."""
    settings = voc_settings(tmp_path_factory.mktemp("voc"))
    yield VocWarehouse(settings, build(settings, select=VOC_SELECTION, log=log))


def expected_rows(settings: Settings, mart: str, folder: str = "expect") -> list[tuple[Any, ...]]:
    """The rows of fixtures/<folder>/<mart>.ndjson, in row_order, read with the built mart's column types
    (types detected from the file when `mart` is no mart, e.g. feedback_items_monthly)."""
    path = FIXTURES / folder / f"{mart}.ndjson"
    with connect(settings, "duckdb") as con:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema_name("marts", "duckdb"), mart],
        ).fetchall()
        spec = ", columns = {" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns) + "}" if columns else ""
        rows = con.execute(f"select * from read_json('{path}', format = 'newline_delimited'{spec})").fetchall()
    return sorted_rows(rows)
