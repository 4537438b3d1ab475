"""The quality-gate tests' clean candidate warehouse, loaded from the data files in fixtures/.

Six weeks of a made-up product (60 users, anonymous devices, tickets, an NPS survey): the raw
tables the loader would produce (JSON payloads in the exact vendor formats of sources.md) and the
rows of every model the suites read (intermediate, marts, audit), one `<schema>.<table>.ndjson` file
per table, sorted. The model rows are data, reviewed once: consistent with the raw rows the way a
correct dbt build's would be (metrics.md), so a clean copy passes the gate and each corruption in
the tests breaks one rule on purpose. models.json gives each model table's columns and types; the
raw tables are created by the loader's own DDL; staging is derived from the raw payloads by SQL.

The raw zone's bookkeeping is there too: one raw._partitions row per partition (one of them from
a run that quarantined a few records, under the default threshold) and the sources' watermarks
(raw._source_watermarks), from which every mart's is_complete follows (metrics.md 1.6; days are
UTC): the reference day is not complete for amplitude and typeform, the last week for no source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from insights.warehouse.raw_tables import create_statements

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_DAY = date(2026, 10, 31)
DAYS = 42
LOOKBACK_DAYS = 3  # the demo workspace's late_event_lookback_days
QUARANTINED_PARTITION = ("zendesk", "tickets", "dt=2026-10-20")  # 1 record set aside, run share 0.5%

# Staging: the columns of the dbt staging models the suites read, derived from the raw payloads.
_STAGING_SQL = [
    "create schema staging",
    """
    create table staging.stg_amplitude__events as
    select
        json_extract_string(payload, '$.uuid') as event_uuid,
        nullif(json_extract_string(payload, '$."$insert_id"'), '') as insert_id,
        json_extract_string(payload, '$.event_type') as event_type,
        nullif(json_extract_string(payload, '$.user_id'), '') as user_id,
        json_extract_string(payload, '$.device_id') as device_id,
        cast(json_extract_string(payload, '$.event_time') as timestamp) as event_time,
        cast(json_extract_string(payload, '$.server_upload_time') as timestamp) as server_upload_time,
        case when json_type(payload, '$.user_properties.is_test') = 'BOOLEAN'
            then json_extract_string(payload, '$.user_properties.is_test') = 'true' end as user_is_test,
        dt as upload_dt,
        hour as upload_hour,
        _file as source_file,
        _line as source_line,
        _loaded_at as loaded_at
    from raw.amplitude_events
    """,
    """
    create table staging.stg_zendesk__tickets as
    with ranked as (
        select
            cast(json_extract_string(payload, '$.id') as bigint) as ticket_id,
            json_extract_string(payload, '$.status') as status,
            cast(json_extract_string(payload, '$.created_at') as timestamp) as created_at,
            cast(json_extract_string(payload, '$.updated_at') as timestamp) as updated_at,
            cast(json_extract_string(payload, '$.metric_set.solved_at') as timestamp) as solved_at,
            json_extract_string(payload, '$.satisfaction_rating.score') as satisfaction_score,
            dt as source_dt,
            row_number() over (
                partition by json_extract_string(payload, '$.id')
                order by cast(json_extract_string(payload, '$.updated_at') as timestamp) desc
            ) as version_rank
        from raw.zendesk_tickets
    )
    select
        ticket_id,
        status,
        coalesce(status = 'deleted', false) as is_deleted,
        coalesce(status in ('solved', 'closed'), false) as is_solved,
        created_at,
        updated_at,
        solved_at,
        satisfaction_score,
        source_dt
    from ranked
    where version_rank = 1
    """,
    """
    create table staging.stg_typeform__responses as
    select
        form_id,
        json_extract_string(payload, '$.response_id') as response_id,
        json_extract_string(payload, '$.response_type') as response_type,
        cast(json_extract_string(payload, '$.landed_at') as timestamp) as landed_at,
        cast(json_extract_string(payload, '$.submitted_at') as timestamp) as submitted_at,
        json_extract_string(payload, '$.submitted_at') is not null as is_completed,
        json_extract_string(payload, '$.hidden.plan') as hidden_plan,
        dt as source_dt
    from raw.typeform_responses
    """,
]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return dict(rows)


def _load(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    """Insert the rows of fixtures/<table>.ndjson, read with the table's own column types."""
    spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
    names = ", ".join(columns)
    path = FIXTURES / f"{table}.ndjson"
    con.execute(
        f"insert into {table} ({names}) select {names} "
        f"from read_json('{path}', format = 'newline_delimited', columns = {spec})"
    )


def build_warehouse(path: Path) -> Path:
    """Write the whole candidate warehouse (raw, staging, intermediate, marts, audit) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    models: dict[str, dict[str, str]] = json.loads((FIXTURES / "models.json").read_text())
    with duckdb.connect(str(path)) as con:
        for statement in create_statements("raw", "duckdb"):
            con.execute(statement)
        for file in sorted(FIXTURES.glob("raw.*.ndjson")):
            table = file.name.removesuffix(".ndjson")
            _load(con, table, _columns(con, table))
        for statement in _STAGING_SQL:
            con.execute(statement)
        for table, columns in models.items():
            con.execute(f"create schema if not exists {table.split('.')[0]}")
            con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
            _load(con, table, columns)
        con.execute("checkpoint")
    return path


def execute(path: Path, statements: Iterable[str]) -> None:
    """Run SQL on a warehouse file (the tests' corruptions)."""
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
        con.execute("checkpoint")
