"""Zendesk ticket histories: every update is a new version (new -> open/pending -> solved -> closed).

Each version carries the metric set as it stood at that moment (null minute pairs until the
event they measure has happened), so a client that reads a ticket early and again later sees
it re-emitted with its new state. Deleted tickets end with a `deleted` version whose metric
set is null. Versions may lie after the world's last day: the server's clock decides.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from insights.workspace import Workspace
from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.population import Population, User
from insights_dev.simulator.texts import FeedbackTexts

FIRST_TICKET_ID = 1001
AGENT_IDS = tuple(25_000_000_000 + n for n in range(6))
GROUP_IDS = (360_000_101, 360_000_102)
PLAN_FIELD_ID, PLATFORM_FIELD_ID = 360_001_001, 360_001_002
CHANNELS = (("email", 0.45), ("web", 0.35), ("api", 0.05), ("chat", 0.15))
UNKNOWN_AREAS = ("warp-drive", "time-travel")
OTHER_TAGS = ("vip", "needs_followup", "bug", "how_to", "churn_risk")
BAD_COMMENTS = ("Took too long.", "Still not fixed.", "")
GOOD_COMMENTS = ("Thanks, quick answer!", "Solved my problem.", "")
BUSINESS_START, BUSINESS_END = 9, 17  # Mon-Fri, UTC


def business_minutes(start: datetime, end: datetime) -> int:
    """Minutes of [start, end) falling on weekdays between 09:00 and 17:00 UTC."""
    total, day = 0.0, start.date()
    while day <= end.date():
        if day.weekday() < 5:
            open_at = datetime.combine(day, time(BUSINESS_START), tzinfo=start.tzinfo)
            close_at = datetime.combine(day, time(BUSINESS_END), tzinfo=start.tzinfo)
            lo, hi = max(start, open_at), min(end, close_at)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += timedelta(days=1)
    return int(total)


def _minutes(start: datetime, end: datetime | None) -> dict[str, int | None]:
    if end is None:
        return {"calendar": None, "business": None}
    return {"calendar": int((end - start).total_seconds() // 60), "business": business_minutes(start, end)}


def _iso(moment: datetime | None) -> str | None:
    """`2026-01-05T10:38:52Z` from a naive UTC datetime (isoformat is much faster than strftime)."""
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


@dataclass
class TicketState:
    """What a ticket looks like at one moment; a version is a snapshot of this."""

    created: datetime
    status: str = "new"
    assignee_id: int | None = None
    replies: int = 0
    reopens: int = 0
    first_reply: datetime | None = None
    first_solved: datetime | None = None
    solved: datetime | None = None
    satisfaction: dict = field(default_factory=lambda: {"score": "unoffered", "comment": None})


@dataclass(frozen=True)
class TicketFrame:
    """The parts of a ticket that do not change between versions."""

    ticket_id: int
    requester: User
    subject: str
    description: str
    tags: tuple[str, ...]
    priority: str
    ticket_type: str
    channel: str
    group_id: int
    organization_id: int
    platform: str


def _version(frame: TicketFrame, state: TicketState, at: datetime) -> dict:
    metric_set = {
        "id": frame.ticket_id * 10 + 7,
        "ticket_id": frame.ticket_id,
        "created_at": _iso(state.created),
        "updated_at": _iso(at),
        "group_stations": 1,
        "assignee_stations": 1 if state.assignee_id else 0,
        "reopens": state.reopens,
        "replies": state.replies,
        "assignee_updated_at": _iso(state.first_reply),
        "requester_updated_at": _iso(state.created),
        "status_updated_at": _iso(at),
        "initially_assigned_at": _iso(state.first_reply),
        "assigned_at": _iso(state.first_reply),
        "solved_at": _iso(state.solved),
        "latest_comment_added_at": _iso(at),
        "reply_time_in_minutes": _minutes(state.created, state.first_reply),
        "first_resolution_time_in_minutes": _minutes(state.created, state.first_solved),
        "full_resolution_time_in_minutes": _minutes(state.created, state.solved),
        "agent_wait_time_in_minutes": _minutes(state.created, state.first_reply),
        "requester_wait_time_in_minutes": {"calendar": 0, "business": 0},
        "on_hold_time_in_minutes": {"calendar": 0, "business": 0},
    }
    fields = [{"id": PLAN_FIELD_ID, "value": frame.requester.plan}, {"id": PLATFORM_FIELD_ID, "value": frame.platform}]
    return {
        "url": f"https://acme-insights.zendesk.com/api/v2/tickets/{frame.ticket_id}.json",
        "id": frame.ticket_id,
        "external_id": None,
        "via": {"channel": frame.channel, "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": _iso(state.created),
        "updated_at": _iso(at),
        "type": frame.ticket_type,
        "subject": frame.subject,
        "raw_subject": frame.subject,
        "description": frame.description,
        "priority": frame.priority,
        "status": state.status,
        "recipient": "support@acme-insights.com",
        "requester_id": frame.requester.zendesk_id,
        "submitter_id": frame.requester.zendesk_id,
        "assignee_id": state.assignee_id,
        "organization_id": frame.organization_id,
        "group_id": frame.group_id,
        "collaborator_ids": [],
        "follower_ids": [],
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": list(frame.tags),
        "custom_fields": fields,
        "fields": [dict(f) for f in fields],
        "satisfaction_rating": dict(state.satisfaction),
        "brand_id": 360_000_001,
        "allow_attachments": True,
        "metric_set": metric_set,
    }


def _lognormal_minutes(rng: random.Random, median_minutes: float, sigma: float) -> timedelta:
    return timedelta(minutes=max(1.0, rng.lognormvariate(math.log(median_minutes), sigma)))


def _tags(rng: random.Random, areas: list[str], index: int) -> tuple[tuple[str, ...], str | None]:
    """Tags and the area the ticket is really about. The first four tickets cover every tag shape."""
    shape = index if index < 4 else rng.choices(range(4), weights=(80, 7, 5, 8))[0]
    area = rng.choice(areas)
    extra = [rng.choice(OTHER_TAGS)] if rng.random() < 0.4 else []
    if shape == 0:  # one known area tag, not necessarily the first tag
        return (*extra, f"area:{area}"), area
    if shape == 1:  # two area tags: the first one wins
        other = rng.choice([a for a in areas if a != area] or areas)
        return tuple([f"area:{area}", *extra, f"area:{other}"]), area
    if shape == 2:  # an area missing from product_areas.csv
        return tuple([f"area:{rng.choice(UNKNOWN_AREAS)}", *extra]), None
    return tuple(extra), None  # no area tag at all


def generate_tickets(
    config: WorldConfig, workspace: Workspace, population: Population, rng: random.Random
) -> list[dict]:
    texts = FeedbackTexts(workspace)
    areas = sorted({a.area for a in workspace.product_areas}) or ["general"]
    requesters = [u for u in population.users if u.kind not in ("internal", "test")]
    organizations = {domain: 361_000_000 + n for n, domain in enumerate(sorted(population.companies))}
    window_start = datetime.combine(config.start, time(0))
    count = max(6, round(config.users * config.tickets_per_user))

    created_times = []
    for _ in range(count):
        day = rng.randrange(config.days)
        while (config.start + timedelta(days=day)).weekday() >= 5 and rng.random() < 0.7:
            day = rng.randrange(config.days)  # fewer tickets at weekends
        created_times.append(window_start + timedelta(days=day, seconds=rng.uniform(6 * 3600, 22 * 3600)))
    created_times.sort()

    # Deleted tickets: the first one (long scrubbed by the end of a long window), one created about a
    # week before the end (still served, as deleted) and a random share in between.
    recent = next((i for i, c in enumerate(created_times) if c >= window_start + timedelta(days=config.days - 8)), 0)
    n_deleted = max(2, round(count * config.deleted_ticket_share))
    deleted_indexes = {0, recent, *rng.sample(range(count), n_deleted)}
    versions: list[dict] = []
    for index, created in enumerate(created_times):
        requester = rng.choice(requesters)
        tags, area = _tags(rng, areas, index)
        subject = texts.ticket_subject(rng, area)
        description = texts.about(rng, area) if area else texts.free_text(rng)
        frame = TicketFrame(
            ticket_id=FIRST_TICKET_ID + index,
            requester=requester,
            subject=subject,
            description=description,
            tags=tags,
            priority=rng.choices(("low", "normal", "high", "urgent"), weights=(20, 55, 20, 5))[0],
            ticket_type=rng.choices(("question", "incident", "problem", "task"), weights=(50, 30, 10, 10))[0],
            channel=rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0],
            group_id=rng.choice(GROUP_IDS),
            organization_id=organizations.get(requester.company, 361_999_999),
            platform=rng.choice(("web", "ios", "android")),
        )
        history = _history(frame, created, rng, config, reopened=index % 11 == 3 or rng.random() < 0.05)
        if index in deleted_indexes:
            history = history[: rng.randint(1, min(3, len(history)))]  # deleted early in its life
            last = history[-1]
            deleted_at = _parse(last["updated_at"]) + timedelta(hours=rng.uniform(1, 48))
            history.append({**last, "status": "deleted", "updated_at": _iso(deleted_at), "metric_set": None})
        versions.extend(history)
    return versions


def _history(
    frame: TicketFrame, created: datetime, rng: random.Random, config: WorldConfig, reopened: bool
) -> list[dict]:
    state = TicketState(created=created)
    out = [_version(frame, state, created)]
    # First reply: median 2 h; a third wait for the requester (pending) first.
    state.first_reply = created + _lognormal_minutes(rng, 120, 1.0)
    state.assignee_id, state.replies = rng.choice(AGENT_IDS), 1
    state.status = "pending" if rng.random() < 0.33 else "open"
    out.append(_version(frame, state, state.first_reply))
    clock = state.first_reply
    if state.status == "pending":
        clock += _lognormal_minutes(rng, 300, 1.0)
        state.status = "open"
        out.append(_version(frame, state, clock))
    if rng.random() < 0.06:
        state.status = "hold"  # parked; some never get solved
        clock += _lognormal_minutes(rng, 600, 1.0)
        out.append(_version(frame, state, clock))
        if rng.random() < 0.5:
            return out
    clock += _lognormal_minutes(rng, 900, 1.2)
    state.status, state.solved, state.first_solved = "solved", clock, clock
    state.replies += rng.randint(1, 3)
    rating = rng.choices(("good", "bad", "offered", "unoffered"), weights=(50, 15, 20, 15))[0]
    if rating != "unoffered":
        state.satisfaction = {"score": "offered", "comment": None}
    out.append(_version(frame, state, clock))
    if reopened:
        clock += _lognormal_minutes(rng, 600, 1.0)
        state.status, state.solved, state.reopens = "open", None, state.reopens + 1
        out.append(_version(frame, state, clock))
        clock += _lognormal_minutes(rng, 600, 1.0)
        state.status, state.solved = "solved", clock
        state.replies += 1
        out.append(_version(frame, state, clock))
    if rating in ("good", "bad"):
        clock += _lognormal_minutes(rng, 240, 1.0)
        comment = rng.choice(GOOD_COMMENTS if rating == "good" else BAD_COMMENTS) or None
        state.satisfaction = {"score": rating, "comment": comment}
        out.append(_version(frame, state, clock))
    # Automatic close four days after the solve (and after the last update).
    clock = max(state.solved + timedelta(days=4), _parse(out[-1]["updated_at"]) + timedelta(minutes=1))
    state.status = "closed"
    out.append(_version(frame, state, clock))
    return out


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
