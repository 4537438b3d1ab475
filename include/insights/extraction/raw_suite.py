"""What a source declares about its raw GX suites (``insights.sources.<name>.raw_suites.DATASETS``): the
stream's rules about the raw zone itself (freshness, partition placement). The per-field rules come from
the record schema; the gate builds both when it loads the suites (insights.quality.suites.generated_suites).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from insights.extraction.source_spec import SourceSpec


@dataclass(frozen=True)
class Window:
    """The partitions a raw dataset checks: a SQL condition over `raw_rows`, its parameters, and how the
    dataset's description names them."""

    condition: str
    params: dict[str, object]
    text: str


RECENT_WINDOW = Window(
    "raw_rows.dt > cast($reference_day as date) - $window_days",
    {"window_days": 7},
    "the last window_days days up to the reference day (and any newer)",
)
LOOKBACK_WINDOW = Window(
    # The lookback rule is the dbt macro's (in_lookback_window), rendered when the gate loads the query.
    "{{ in_lookback_window('raw_rows.dt', 'cast($reference_day as date)', '$lookback_days') }}\n"
    "        or raw_rows.dt between cast($recheck_start as date) and cast($recheck_end as date)",
    {},
    "the nightly lookback window (the last lookback_days days up to the reference day, and any newer) plus "
    "the days an explicit backfill recomputed, checked in the database",
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


def stream_dataset(
    spec: SourceSpec,
    stream: str,
    records: str,
    window: Window,
    *,
    note: str = "",
    extra_columns: tuple[tuple[str, str], ...] = (),
    rules: tuple[CustomRule, ...] = (),
    table_expectations: tuple[dict[str, object], ...] = (),
) -> Dataset:
    """The raw dataset of one of the source's streams: named after the stream's raw table (from the spec), its
    description saying what it holds (`records`, e.g. "Zendesk ticket versions"), where and how, then `note`."""
    table = next(s.raw_table for s in spec.streams if s.stream == stream)
    return Dataset(
        name=f"raw.{table}",
        table=table,
        source=spec.name,
        stream=stream,
        description=(
            f"{records} loaded into raw.{table}, partitions of {window.text}: one row per partition day with the "
            "number of records breaking each rule (<rule>_violations) and the first few of them (<rule>_examples)."
            + (f" {note}" if note else "")
        ),
        window=window.condition,
        params=dict(window.params),
        extra_columns=extra_columns,
        rules=rules,
        table_expectations=table_expectations,
    )


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
