"""Portability: the VoC marts built on Postgres are identical, row for row, to DuckDB's.

The same raw zone is loaded into a Postgres schema prefix of its own (dropped afterwards) and
built with the same selection; floats must match exactly, not approximately (the SQL divides
integers once in double precision and takes medians the same way on both).
"""

from __future__ import annotations

import pytest

from insights.warehouse.dbt import build

from .conftest import VOC_MARTS, VOC_SELECTION, VocWarehouse, log, read_mart

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_postgres_marts_identical_to_duckdb(voc_duckdb: VocWarehouse, pg_prefix: str) -> None:
    result = build(voc_duckdb.settings, target="postgres", select=VOC_SELECTION, log=log)
    assert result.load.schema == f"{pg_prefix}_raw"
    unit_tests = [n for n in result.dbt.nodes if n.unique_id.startswith("unit_test.insights.")]
    assert len(unit_tests) >= 13 and all(n.status == "pass" for n in unit_tests)
    for mart in VOC_MARTS:
        duck = read_mart(voc_duckdb.settings, "duckdb", mart)
        pg = read_mart(voc_duckdb.settings, "postgres", mart)
        assert duck, f"{mart} is empty on DuckDB: the comparison would prove nothing"
        assert pg == duck, mart
