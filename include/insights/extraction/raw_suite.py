"""What a source declares about its raw GX suites (``insights.sources.<name>.raw_suites.DATASETS``): the
stream's rules about the raw zone itself (freshness, partition placement). The per-field rules come from
the record schema; the gate builds both when it loads the suites (insights.quality.suites.generated_suites).
"""

from __future__ import annotations

from dataclasses import dataclass

RECENT_WINDOW = "raw_rows.dt > cast($reference_day as date) - $window_days"
LOOKBACK_WINDOW = (
    # The lookback rule is the dbt macro's (in_lookback_window), rendered when the gate loads the query.
    "{{ in_lookback_window('raw_rows.dt', 'cast($reference_day as date)', '$lookback_days') }}\n"
    "        or raw_rows.dt between cast($recheck_start as date) and cast($recheck_end as date)"
)


@dataclass(frozen=True)
class CustomRule:
    """A rule about the raw zone rather than one field: a SQL flag (true = the record breaks it)."""

    name: str
    description: str
    flag: str  # over the `records` row; `{text:<field name>}` is that field's JSON text
    example: str = ""  # extra text after file:line in the examples


@dataclass(frozen=True)
class Dataset:
    """A raw GX dataset: a stream's records aggregated per partition day."""

    name: str  # raw.<table>
    table: str
    source: str
    stream: str
    description: str
    window: str
    params: dict[str, object]
    extra_columns: tuple[tuple[str, str], ...] = ()  # (expression over raw_rows, alias)
    rules: tuple[CustomRule, ...] = ()
    table_expectations: tuple[dict[str, object], ...] = ()


def _fresh(max_days: int, description: str) -> dict[str, object]:
    return {
        "type": "expect_column_min_to_be_between",
        "kwargs": {"column": "days_behind_reference", "min_value": 0, "max_value": max_days},
        "meta": {"name": "fresh"},
        "description": description,
    }


def _has_rows(description: str) -> dict[str, object]:
    return {
        "type": "expect_table_row_count_to_be_between",
        "kwargs": {"min_value": 1},
        "meta": {"name": "has_recent_rows"},
        "description": description,
    }
