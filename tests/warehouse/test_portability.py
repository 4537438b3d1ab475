"""The same dbt build on Postgres gives marts identical to DuckDB's on the same raw data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from insights.warehouse import build

from .conftest import make_settings
from .nightly import MARTS, SELECTION, NightlyWarehouse, table_rows

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_postgres_marts_equal_duckdb_marts_row_by_row(
    nightly_warehouse: NightlyWarehouse, pg_prefix: str, tmp_path: Path
) -> None:
    source = nightly_warehouse.settings
    settings = make_settings(tmp_path / "home", source.config_dir)
    shutil.copytree(source.raw_dir, settings.raw_dir)  # the very files the DuckDB build loaded

    result = build(settings, target="postgres", select=SELECTION)  # data and unit tests included
    assert result.dbt.ok
    assert result.load.schema == f"{pg_prefix}_raw"
    assert result.load.rows_inserted == len(nightly_warehouse.world.events)

    for table, order_by in MARTS.items():
        postgres = table_rows(settings, "postgres", "marts", table, order_by)
        duckdb = nightly_warehouse.after_full_refresh[table]
        assert len(postgres) == len(duckdb) > 0, table
        assert postgres == duckdb, f"{table}: first difference " + next(
            f"{p} != {d}" for p, d in zip(postgres, duckdb, strict=True) if p != d
        )
