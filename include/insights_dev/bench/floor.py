"""The floor: one hand-written DuckDB query computing DAU/WAU/MAU straight from the raw files.

It applies the whole metric contract (metrics.md sections 1-3) in one statement, with no
warehouse, no dbt and no intermediate tables: dedup by insert_id (uuid when null; earliest
upload, ties smallest uuid), future-dated events out, device owner = user_id of the device's
earliest valid identified event (event_time, then insert_id, then uuid), exclusions (a JSON
boolean is_test on any deduplicated event of the resolved user, or an internal email domain),
qualifying events from the tracking plan, then 1/7/28-day distinct counts per day. It is what
the pipeline's nightly run is compared against (BENCHMARKS.md).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from insights.workspace import Workspace


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def floor_sql(event_files: list[Path], workspace: Workspace) -> str:
    qualifying = sorted(e.name for e in workspace.tracking_plan.events if e.counts_as_active)
    domains = workspace.settings.get("internal_email_domains") or []
    if isinstance(domains, str):
        domains = [domains]
    internal = sorted({str(d).strip().lower() for d in domains if str(d).strip()}) or [""]
    files = _sql_list([str(p) for p in event_files])
    return f"""
with raw_events as (
    select
        r.uuid,
        nullif(r."$insert_id", '') as insert_id,
        r.event_type,
        nullif(r.user_id, '') as user_id,
        r.device_id,
        cast(r.event_time as timestamp) as event_time,
        cast(r.server_upload_time as timestamp) as upload_time,
        json_type(r.user_properties, '$.is_test') = 'BOOLEAN'
            and json_extract_string(r.user_properties, '$.is_test') = 'true' as is_test,
        json_extract_string(r.user_properties, '$.email') as email
    from read_json({files}, format = 'newline_delimited', columns = {{
        'uuid': 'varchar', '$insert_id': 'varchar', 'event_type': 'varchar', 'user_id': 'varchar',
        'device_id': 'varchar', 'event_time': 'varchar', 'server_upload_time': 'varchar',
        'user_properties': 'json'
    }}) as r
),
events as (
    select
        e.*,
        cast(e.event_time as date) as event_date,
        e.event_time > e.upload_time + interval 1 hour as is_future
    from raw_events as e
    qualify row_number() over (
        partition by coalesce('i:' || e.insert_id, 'u:' || e.uuid) order by e.upload_time, e.uuid
    ) = 1
),
owners as (
    select e.device_id, arg_min(e.user_id, (e.event_time, coalesce(e.insert_id, chr(1114111)), e.uuid)) as owner
    from events as e
    where e.user_id is not null and not e.is_future
    group by e.device_id
),
resolved as (
    select e.*, coalesce(e.user_id, o.owner) as person
    from events as e
    left join owners as o on o.device_id = e.device_id
),
excluded as (
    select distinct r.person
    from resolved as r
    where r.person is not null
        and (r.is_test or (strpos(r.email, '@') > 0
            and lower(substr(r.email, strpos(r.email, '@') + 1)) in (select unnest({_sql_list(internal)}))))
),
active as (
    select distinct r.person, r.event_date
    from resolved as r
    where not r.is_future
        and r.person is not null
        and r.event_type in (select unnest({_sql_list(qualifying)}))
        and r.person not in (select x.person from excluded as x)
),
bounds as (
    select min(e.event_date) as first_day, least(max(e.event_date), max(cast(e.upload_time as date))) as last_day
    from events as e
    where not e.is_future
),
spine as (
    select cast(g.d as date) as date_day
    from bounds as b, generate_series(b.first_day, b.last_day, interval 1 day) as g(d)
)
select
    s.date_day,
    count(distinct case when a.event_date = s.date_day then a.person end) as dau,
    count(distinct case when a.event_date >= s.date_day - 6 then a.person end) as wau,
    count(distinct a.person) as mau
from spine as s
left join active as a on a.event_date between s.date_day - 27 and s.date_day
group by s.date_day
order by s.date_day
"""


def amplitude_files(raw_dir: Path) -> list[Path]:
    return sorted((raw_dir / "amplitude" / "events").glob("dt=*/hour=*.jsonl.gz"))


def floor_metrics(raw_dir: Path, workspace: Workspace, threads: int | None = None) -> list[tuple[date, int, int, int]]:
    """(date_day, dau, wau, mau) for every day of the loaded range, straight from the raw files."""
    files = amplitude_files(raw_dir)
    if not files:
        raise FileNotFoundError(f"{raw_dir}/amplitude/events: no dt=*/hour=*.jsonl.gz files to compute the floor from")
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        if threads:
            con.execute(f"set threads = {int(threads)}")
        return [tuple(row) for row in con.execute(floor_sql(files, workspace)).fetchall()]
    finally:
        con.close()
