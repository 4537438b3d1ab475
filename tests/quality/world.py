"""A small candidate warehouse, built with plain DuckDB, that satisfies every rule in expectations/.

Six weeks of a made-up product (60 users, anonymous devices, tickets, an NPS survey) are
generated in Python, written as the raw tables the loader would produce (JSON payloads in the
exact vendor formats of sources.md), and every model the suites read is derived from them
here: staging by SQL over the raw payloads, the active-user model and the marts in Python
from the same records, following metrics.md. The numbers are therefore consistent the way a
correct dbt build's would be, so a clean copy passes the gate and each corruption in the
tests breaks one rule on purpose.

The raw zone's bookkeeping is there too: one raw._partitions row per partition (one of them from
a run that quarantined a few records, under the default threshold) and the sources' watermarks
(WATERMARKS), from which every mart's is_complete follows (metrics.md 1.6; days are UTC): the
reference day is not complete for amplitude and typeform, the last week for no source.
"""

from __future__ import annotations

import json
import random
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from insights.settings import PACKAGE_CONFIG_DIR
from insights.warehouse.raw_tables import create_statements
from insights.workspace import load_workspace

REFERENCE_DAY = date(2026, 10, 31)
DAYS = 42
FIRST_DAY = REFERENCE_DAY - timedelta(days=DAYS - 1)
USERS = 60
ANONYMOUS_DEVICES = 4
TICKETS_PER_DAY = 16
RESPONSES_PER_DAY = 3
NPS_FORM = "nps01"
LOADED_AT = datetime(2026, 11, 1, 3, 0, 0)
LOOKBACK_DAYS = 3  # the demo workspace's late_event_lookback_days
# How far each source is complete (naive UTC), as raw._source_watermarks holds it.
WATERMARKS = {
    "amplitude": datetime(2026, 10, 31),
    "zendesk": datetime(2026, 11, 1),
    "typeform": datetime(2026, 10, 31, 12),
}
QUARANTINED_PARTITION = ("zendesk", "tickets", "dt=2026-10-20")  # 1 record set aside, run share 0.5%

_WORKSPACE = load_workspace(PACKAGE_CONFIG_DIR)
PLAN = {e.name: e for e in _WORKSPACE.tracking_plan.events}
ACTIVE_EVENTS = sorted(e.name for e in _WORKSPACE.tracking_plan.events if e.counts_as_active)
AREA_TEAMS = {a.area: a.team for a in _WORKSPACE.product_areas}
TEAMS = sorted(set(AREA_TEAMS.values()))
ACTIVATION_EVENT = str(_WORKSPACE.settings["activation_event"])


def _days() -> list[date]:
    return [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def complete(day: date, *sources: str) -> bool:
    """Day `day` (UTC) is complete for every one of `sources`: each is complete through its end."""
    return all(WATERMARKS[s] >= datetime.combine(day + timedelta(days=1), time(0)) for s in sources)


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _amplitude_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _zendesk_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


@dataclass
class Event:
    payload: dict[str, Any]
    user_id: str | None
    device_id: str
    day: date
    upload: datetime


@dataclass
class Ticket:
    ticket_id: int
    versions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Response:
    payload: dict[str, Any]
    dt: date


@dataclass
class World:
    events: list[Event]
    tickets: list[Ticket]
    responses: list[Response]


def generate(seed: int = 7) -> World:
    rng = random.Random(seed)
    return World(_events(rng), _tickets(rng), _responses(rng))


def _events(rng: random.Random) -> list[Event]:
    events: list[Event] = []
    days = _days()

    def add(event_type: str, user_id: str | None, device_id: str, day: date) -> None:
        moment = datetime.combine(day, time(8)) + timedelta(seconds=rng.randint(0, 12 * 3600))
        upload = moment + timedelta(minutes=rng.randint(1, 30))
        n = len(events) + 1
        payload = {
            "event_type": event_type,
            "user_id": user_id,
            "device_id": device_id,
            "event_time": _amplitude_ts(moment),
            "client_event_time": _amplitude_ts(moment),
            "server_upload_time": _amplitude_ts(upload),
            "server_received_time": _amplitude_ts(upload),
            "$insert_id": f"ins-{n:06d}",
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "amplitude_id": 100000 + n,
            "app": 4242,
            "session_id": _epoch(moment) * 1000,
            "platform": "Web",
            "country": "Germany",
            "event_properties": {},
            "user_properties": {"email": f"{user_id}@example.com", "plan": "pro"} if user_id else {},
        }
        events.append(Event(payload, user_id, device_id, day, upload))

    for n in range(1, USERS + 1):
        user = f"u{n:03d}"
        signup = rng.randint(0, 20)
        for offset, day in enumerate(days[signup:]):
            if offset == 0:
                add("signed_up", user, f"d-{user}", day)
            elif rng.random() > 0.55:
                continue
            for _ in range(rng.randint(1, 2)):
                add(rng.choice(ACTIVE_EVENTS), user, f"d-{user}", day)
    for n in range(1, ANONYMOUS_DEVICES + 1):
        for day in days:
            if rng.random() < 0.5:
                add(rng.choice(ACTIVE_EVENTS), None, f"anon-{n}", day)
    return events


def _tickets(rng: random.Random) -> list[Ticket]:
    areas = [*sorted(AREA_TEAMS), "warp-drive", None]  # an unknown area and no area: unrouted
    tickets = []
    for day in _days():
        for i in range(TICKETS_PER_DAY):
            ticket_id = len(tickets) + 1
            created = datetime.combine(day, time(9)) + timedelta(minutes=30 * i)
            area = rng.choice(areas)
            base = {
                "id": ticket_id,
                "type": "question",
                "subject": f"ticket {ticket_id}",
                "description": "something is off",
                "priority": "normal",
                "requester_id": 5000 + ticket_id,
                "assignee_id": 77,
                "organization_id": None,
                "group_id": 3,
                "tags": [f"area:{area}"] if area else ["billing-question"],
                "via": {"channel": "web"},
                "custom_fields": [],
                "created_at": _zendesk_ts(created),
            }
            ticket = Ticket(ticket_id)
            ticket.versions.append(
                {
                    **base,
                    "status": "new",
                    "updated_at": _zendesk_ts(created),
                    "generated_timestamp": _epoch(created),
                    "satisfaction_rating": {"score": "unoffered", "comment": None},
                    "metric_set": {
                        "solved_at": None,
                        "replies": 0,
                        "reopens": 0,
                        "reply_time_in_minutes": {"calendar": None, "business": None},
                        "full_resolution_time_in_minutes": {"calendar": None, "business": None},
                    },
                }
            )
            if i % 4 != 0 and day < REFERENCE_DAY:  # most get solved within hours
                solved = created + timedelta(minutes=rng.randint(60, 300))
                reply = rng.randint(5, 50)
                ticket.versions.append(
                    {
                        **base,
                        "status": "solved",
                        "updated_at": _zendesk_ts(solved),
                        "generated_timestamp": _epoch(solved),
                        "satisfaction_rating": {
                            "score": rng.choice(["good", "good", "bad", "offered"]),
                            "comment": None,
                        },
                        "metric_set": {
                            "solved_at": _zendesk_ts(solved),
                            "replies": 1,
                            "reopens": 0,
                            "reply_time_in_minutes": {"calendar": reply, "business": reply},
                            "full_resolution_time_in_minutes": {
                                "calendar": int((solved - created).total_seconds() // 60),
                                "business": int((solved - created).total_seconds() // 60),
                            },
                        },
                    }
                )
            tickets.append(ticket)
    return tickets


def _responses(rng: random.Random) -> list[Response]:
    responses = []
    for day in _days():
        for i in range(RESPONSES_PER_DAY):
            landed = datetime.combine(day, time(10 + 3 * i)) + timedelta(minutes=rng.randint(0, 59))
            partial = rng.random() < 0.1
            token = f"tok{len(responses) + 1:05d}"
            score = rng.randint(0, 10)
            responses.append(
                Response(
                    {
                        "landed_at": _zendesk_ts(landed),
                        "submitted_at": None if partial else _zendesk_ts(landed + timedelta(minutes=3)),
                        "response_id": token,
                        "token": token,
                        "response_type": "partial" if partial else "completed",
                        "metadata": {"platform": "other"},
                        "hidden": {
                            "user_id": f"u{rng.randint(1, USERS):03d}",
                            "plan": rng.choice(["free", "pro"]),
                        },
                        "calculated": {"score": 0},
                        "answers": [
                            {
                                "field": {"id": "f1", "type": "nps", "ref": "nps_score"},
                                "type": "number",
                                "number": score,
                            }
                        ],
                    },
                    day,
                )
            )
    return responses


# --------------------------------------------------------------------------------------------
# the warehouse


def _frame(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]], ddl: str) -> None:
    """Create table `name` (columns and types in `ddl`) from Python rows."""
    columns = [part.strip().split()[0] for part in ddl.split(",")]
    con.execute(f"create table {name} ({ddl})")
    if rows:
        frame = pd.DataFrame([{c: row[c] for c in columns} for row in rows], columns=columns)
        con.register("incoming_rows", frame)
        con.execute(f"insert into {name} select {', '.join(columns)} from incoming_rows")
        con.unregister("incoming_rows")


def _write_raw(con: duckdb.DuckDBPyConnection, world: World) -> None:
    for statement in create_statements("raw", "duckdb"):
        con.execute(statement)
    lines: dict[str, int] = defaultdict(int)

    def position(path: str) -> int:
        lines[path] += 1
        return lines[path]

    rows = []
    for event in sorted(world.events, key=lambda e: (e.upload, e.payload["uuid"])):
        path = f"amplitude/events/dt={event.upload.date()}/hour={event.upload.hour:02d}.jsonl.gz"
        rows.append(
            {
                "payload": json.dumps(event.payload),
                "dt": event.upload.date(),
                "hour": event.upload.hour,
                "_file": path,
                "_line": position(path),
                "_loaded_at": LOADED_AT,
            }
        )
    _insert_raw(con, "raw.amplitude_events", rows, ("payload", "dt", "hour", "_file", "_line", "_loaded_at"))
    rows = []
    for version in sorted(
        (v for t in world.tickets for v in t.versions), key=lambda v: v["generated_timestamp"]
    ):
        dt = datetime.fromtimestamp(version["generated_timestamp"], UTC).date()
        path = f"zendesk/tickets/dt={dt}/part-00001.jsonl.gz"
        rows.append(
            {
                "payload": json.dumps(version),
                "dt": dt,
                "_file": path,
                "_line": position(path),
                "_loaded_at": LOADED_AT,
            }
        )
    _insert_raw(con, "raw.zendesk_tickets", rows, ("payload", "dt", "_file", "_line", "_loaded_at"))
    rows = []
    for response in world.responses:
        path = f"typeform/responses/form_id={NPS_FORM}/dt={response.dt}/part-00001.jsonl.gz"
        rows.append(
            {
                "payload": json.dumps(response.payload),
                "dt": response.dt,
                "form_id": NPS_FORM,
                "_file": path,
                "_line": position(path),
                "_loaded_at": LOADED_AT,
            }
        )
    _insert_raw(
        con, "raw.typeform_responses", rows, ("payload", "dt", "form_id", "_file", "_line", "_loaded_at")
    )
    form = {
        "id": NPS_FORM,
        "title": "How are we doing?",
        "fields": [{"id": "f1", "ref": "nps_score", "type": "nps", "title": "Recommend us?"}],
    }
    rows = [
        {
            "payload": json.dumps(form),
            "dt": day,
            "form_id": NPS_FORM,
            "_file": f"typeform/forms/dt={day}/form_id={NPS_FORM}.jsonl.gz",
            "_line": 1,
            "_loaded_at": LOADED_AT,
        }
        for day in _days()
    ]
    _insert_raw(con, "raw.typeform_forms", rows, ("payload", "dt", "form_id", "_file", "_line", "_loaded_at"))
    _write_bookkeeping(con)


def _write_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    """raw._partitions from the loaded rows (a partition is a file's folder), raw._source_watermarks."""
    con.execute(
        """
        insert into raw._partitions
        select
            split_part(loaded._file, '/', 1) as source,
            split_part(loaded._file, '/', 2) as stream,
            regexp_extract(loaded._file, '^[^/]+/[^/]+/(.*)/[^/]+$', 1) as partition,
            count(*) as rows,
            0 as quarantined,
            0.0 as run_quarantined_share,
            max(loaded._loaded_at) as loaded_at
        from (
            select _file, _loaded_at from raw.amplitude_events
            union all select _file, _loaded_at from raw.zendesk_tickets
            union all select _file, _loaded_at from raw.typeform_forms
            union all select _file, _loaded_at from raw.typeform_responses
        ) as loaded
        group by 1, 2, 3
        """
    )
    updated = con.execute(
        "update raw._partitions set quarantined = 1, run_quarantined_share = 0.005 "
        "where source = ? and stream = ? and partition = ?",
        list(QUARANTINED_PARTITION),
    ).fetchall()
    assert updated == [(1,)], f"no partition {QUARANTINED_PARTITION} in the fixture"
    for source, complete_through in WATERMARKS.items():
        con.execute("insert into raw._source_watermarks values (?, ?, ?)", [source, complete_through, LOADED_AT])


def _insert_raw(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], columns: tuple[str, ...]
) -> None:
    frame = pd.DataFrame(rows, columns=list(columns))
    con.register("incoming_raw", frame)
    select = ", ".join("cast(payload as json)" if c == "payload" else c for c in columns)
    con.execute(f"insert into {table} ({', '.join(columns)}) select {select} from incoming_raw")
    con.unregister("incoming_raw")


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


def _active_user_days(world: World) -> dict[date, set[str]]:
    active: dict[date, set[str]] = defaultdict(set)
    for event in world.events:
        if event.user_id is not None and PLAN[event.payload["event_type"]].counts_as_active:
            active[event.day].add(event.user_id)
    return active


def _engagement(world: World) -> list[dict[str, Any]]:
    active = _active_user_days(world)
    anonymous: dict[date, set[str]] = defaultdict(set)
    for event in world.events:
        if event.user_id is None:
            anonymous[event.day].add(event.device_id)
    rows = []
    for day in _days():

        def window(days: int, day: date = day) -> set[str]:
            return set().union(*(active.get(day - timedelta(days=n), set()) for n in range(days)))

        dau, wau, mau = len(active.get(day, set())), len(window(7)), len(window(28))
        rows.append(
            {
                "date_day": day,
                "dau": dau,
                "wau": wau,
                "mau": mau,
                "stickiness": dau / mau if mau else None,
                "anonymous_devices": len(anonymous.get(day, set())),
                "wau_is_complete_window": day - timedelta(days=6) >= FIRST_DAY,
                "mau_is_complete_window": day - timedelta(days=27) >= FIRST_DAY,
                "is_complete": complete(day, "amplitude"),
            }
        )
    return rows


def _retention(world: World) -> list[dict[str, Any]]:
    active = _active_user_days(world)
    first_seen: dict[str, date] = {}
    activated: dict[str, list[date]] = defaultdict(list)
    for event in world.events:
        if event.user_id is None:
            continue
        first_seen[event.user_id] = min(first_seen.get(event.user_id, event.day), event.day)
        if event.payload["event_type"] == ACTIVATION_EVENT:
            activated[event.user_id].append(event.day)
    cohorts: dict[date, list[str]] = defaultdict(list)
    for user, day in first_seen.items():
        cohorts[day].append(user)

    def rate(cohort: date, members: list[str], offset: int, hit: Any) -> float | None:
        """Share of the cohort for which `hit` holds; null until day cohort + offset is complete."""
        if not complete(cohort + timedelta(days=offset), "amplitude"):
            return None
        return sum(1 for m in members if hit(m)) / len(members)

    rows = []
    for cohort, members in sorted(cohorts.items()):
        row: dict[str, Any] = {"cohort_date": cohort, "cohort_size": len(members)}
        for n in (1, 7, 28):
            target = cohort + timedelta(days=n)
            row[f"day_{n}_retention"] = rate(
                cohort, members, n, lambda m, t=target: m in active.get(t, set())
            )
        row["activation_rate"] = rate(
            cohort, members, 6, lambda m, c=cohort: any(c <= d <= c + timedelta(days=6) for d in activated[m])
        )
        row["is_complete"] = complete(cohort, "amplitude")
        rows.append(row)
    return rows


def _feature_adoption(world: World) -> list[dict[str, Any]]:
    active = _active_user_days(world)
    features = sorted({e.feature for e in PLAN.values()})
    by_feature: dict[tuple[date, str], set[str]] = defaultdict(set)
    for event in world.events:
        if event.user_id is not None:
            by_feature[(_week_start(event.day), PLAN[event.payload["event_type"]].feature)].add(event.user_id)
    rows = []
    week = _week_start(FIRST_DAY)
    while week <= REFERENCE_DAY:
        users = set().union(*(active.get(week + timedelta(days=n), set()) for n in range(7)))
        for feature in features:
            adopters = len(by_feature[(week, feature)] & users)
            rows.append(
                {
                    "week_start": week,
                    "feature": feature,
                    "adopters": adopters,
                    "weekly_active_users": len(users),
                    "adoption_rate": adopters / len(users) if users else None,
                    "is_complete": complete(week + timedelta(days=6), "amplitude"),
                }
            )
        week += timedelta(days=7)
    return rows


def _nps(world: World) -> list[dict[str, Any]]:
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for response in world.responses:
        if response.payload["submitted_at"] is None:
            continue
        month = response.dt.replace(day=1)
        score = response.payload["answers"][0]["number"]
        category = 0 if score >= 9 else (2 if score <= 6 else 1)
        for segment in ("all", response.payload["hidden"]["plan"]):
            counts[(month, segment)][category] += 1
    return [
        {
            "month_start": month,
            "segment": segment,
            "responses": sum(c),
            "promoters": c[0],
            "passives": c[1],
            "detractors": c[2],
            "nps": 100 * (c[0] - c[2]) / sum(c),
            "is_complete": complete(_month_end(month), "typeform"),
        }
        for (month, segment), c in sorted(counts.items())
    ]


def _latest_versions(world: World) -> list[dict[str, Any]]:
    return [max(t.versions, key=lambda v: v["updated_at"]) for t in world.tickets]


def _parse(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") if text else None


def _support(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    latest = _latest_versions(world)
    created: dict[date, int] = defaultdict(int)
    solved: dict[date, int] = defaultdict(int)
    replies: dict[date, list[float]] = defaultdict(list)
    resolutions: dict[date, list[float]] = defaultdict(list)
    ratings: dict[date, list[str]] = defaultdict(list)
    for ticket in latest:
        created_at = _parse(ticket["created_at"])
        assert created_at is not None
        created[created_at.date()] += 1
        metrics = ticket["metric_set"]
        if metrics["reply_time_in_minutes"]["calendar"] is not None:
            replies[_week_start(created_at.date())].append(metrics["reply_time_in_minutes"]["calendar"])
        solved_at = _parse(metrics["solved_at"])
        if ticket["status"] in ("solved", "closed") and solved_at is not None:
            solved[solved_at.date()] += 1
            resolutions[_week_start(solved_at.date())].append(
                metrics["full_resolution_time_in_minutes"]["calendar"]
            )
        if ticket["satisfaction_rating"]["score"] in ("good", "bad"):
            ratings[created_at.date().replace(day=1)].append(ticket["satisfaction_rating"]["score"])
    daily = [
        {
            "date_day": d,
            "tickets_created": created[d],
            "tickets_solved": solved[d],
            "is_complete": complete(d, "zendesk"),
        }
        for d in _days()
    ]
    weekly = []
    week = _week_start(FIRST_DAY)
    while week <= REFERENCE_DAY:
        weekly.append(
            {
                "week_start": week,
                "median_first_reply_minutes": statistics.median(replies[week]) if replies[week] else None,
                "median_full_resolution_minutes": statistics.median(resolutions[week])
                if resolutions[week]
                else None,
                "is_complete": complete(week + timedelta(days=6), "zendesk"),
            }
        )
        week += timedelta(days=7)
    months = sorted({d.replace(day=1) for d in _days()})
    csat = [
        {
            "month_start": m,
            "rated_tickets": len(ratings[m]),
            "csat": ratings[m].count("good") / len(ratings[m]) if ratings[m] else None,
            "is_complete": complete(_month_end(m), "zendesk"),
        }
        for m in months
    ]
    return daily, weekly, csat


def _feedback(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    received: dict[tuple[date, str], int] = defaultdict(int)
    resolved: dict[tuple[date, str], int] = defaultdict(int)
    items: dict[date, int] = defaultdict(int)
    unrouted: dict[date, int] = defaultdict(int)
    for ticket in _latest_versions(world):
        created_at = _parse(ticket["created_at"])
        assert created_at is not None
        week = _week_start(created_at.date())
        area = next((t.split(":", 1)[1] for t in ticket["tags"] if t.startswith("area:")), None)
        items[week] += 1
        team = AREA_TEAMS.get(area or "")
        if team is None:
            unrouted[week] += 1
            continue
        received[(week, team)] += 1
        resolved[(week, team)] += ticket["status"] in ("solved", "closed")
    weeks = sorted(items)
    by_team = [
        {
            "week_start": w,
            "team": t,
            "feedback_received": received[(w, t)],
            "feedback_resolved": resolved[(w, t)],
            "is_complete": complete(w + timedelta(days=6), "zendesk", "typeform"),
        }
        for w in weeks
        for t in TEAMS
    ]
    company = [
        {
            "week_start": w,
            "items": items[w],
            "unrouted_items": unrouted[w],
            "unrouted_share": unrouted[w] / items[w] if items[w] else None,
            "is_complete": complete(w + timedelta(days=6), "zendesk", "typeform"),
        }
        for w in weeks
    ]
    return by_team, company


def _write_models(con: duckdb.DuckDBPyConnection, world: World) -> None:
    for statement in _STAGING_SQL:
        con.execute(statement)
    con.execute("create schema intermediate")
    active = _active_user_days(world)
    _frame(
        con,
        "intermediate.int_active_users_daily",
        [
            {"user_id": u, "date_day": d, "qualifying_events": 1}
            for d, users in sorted(active.items())
            for u in sorted(users)
        ],
        "user_id varchar, date_day date, qualifying_events bigint",
    )
    con.execute("create schema marts")
    _frame(
        con,
        "marts.metrics_active_users_daily",
        _engagement(world),
        "date_day date, dau bigint, wau bigint, mau bigint, stickiness double, anonymous_devices bigint, "
        "wau_is_complete_window boolean, mau_is_complete_window boolean, is_complete boolean",
    )
    _frame(
        con,
        "marts.metrics_retention_cohorts",
        _retention(world),
        "cohort_date date, cohort_size bigint, day_1_retention double, day_7_retention double, "
        "day_28_retention double, activation_rate double, is_complete boolean",
    )
    _frame(
        con,
        "marts.metrics_feature_adoption_weekly",
        _feature_adoption(world),
        "week_start date, feature varchar, adopters bigint, weekly_active_users bigint, adoption_rate double, "
        "is_complete boolean",
    )
    _frame(
        con,
        "marts.metrics_nps_monthly",
        _nps(world),
        "month_start date, segment varchar, responses bigint, promoters bigint, passives bigint, "
        "detractors bigint, nps double, is_complete boolean",
    )
    daily, weekly, csat = _support(world)
    _frame(
        con,
        "marts.metrics_support_daily",
        daily,
        "date_day date, tickets_created bigint, tickets_solved bigint, is_complete boolean",
    )
    _frame(
        con,
        "marts.metrics_support_weekly",
        weekly,
        "week_start date, median_first_reply_minutes double, median_full_resolution_minutes double, "
        "is_complete boolean",
    )
    _frame(
        con,
        "marts.metrics_csat_monthly",
        csat,
        "month_start date, rated_tickets bigint, csat double, is_complete boolean",
    )
    by_team, company = _feedback(world)
    _frame(
        con,
        "marts.metrics_feedback_by_team_weekly",
        by_team,
        "week_start date, team varchar, feedback_received bigint, feedback_resolved bigint, is_complete boolean",
    )
    _frame(
        con,
        "marts.metrics_feedback_unrouted_weekly",
        company,
        "week_start date, items bigint, unrouted_items bigint, unrouted_share double, is_complete boolean",
    )
    con.execute("create schema audit")
    _frame(
        con,
        "audit.tracking_plan_findings",
        [
            {
                "reference_date": REFERENCE_DAY,
                "event_type": "Legacy Export",
                "finding": "naming_violation",
                "detail": "does not match the naming rule",
                "events_in_window": 4,
            },
            {
                "reference_date": REFERENCE_DAY,
                "event_type": "legacy_export",
                "finding": "unplanned_event",
                "detail": "not in the tracking plan",
                "events_in_window": 9,
            },
            {
                "reference_date": REFERENCE_DAY,
                "event_type": "report_exported",
                "finding": "dead_tracker",
                "detail": "no event in 30 days",
                "events_in_window": 0,
            },
        ],
        "reference_date date, event_type varchar, finding varchar, detail varchar, events_in_window bigint",
    )
    _frame(
        con,
        "audit.metric_findings",
        [
            {"metric_name": "weekly_exports", "finding": "missing_owner", "detail": "meta.owner is not set"},
        ],
        "metric_name varchar, finding varchar, detail varchar",
    )


def build_warehouse(path: Path, world: World | None = None) -> Path:
    """Write the whole candidate warehouse (raw, staging, intermediate, marts, audit) to `path`."""
    world = world or generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        _write_raw(con, world)
        _write_models(con, world)
        con.execute("checkpoint")
    return path


def execute(path: Path, statements: Iterable[str]) -> None:
    """Run SQL on a warehouse file (the tests' corruptions)."""
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
        con.execute("checkpoint")
