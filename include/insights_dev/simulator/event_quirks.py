"""Quirk passes over clean event drafts: the ways real Amplitude exports differ from the ideal.

Each pass bends a share of events (at least one, so tiny worlds meet every quirk) and is
applied in an order that keeps the quirks meaningful: timing quirks before duplicates, so a
re-sent copy is always uploaded after the copy it repeats.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

from insights.workspace import PlannedEvent, PlannedProperty, Workspace
from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.gen_events import Draft, PlanRoles, valid_properties
from insights_dev.simulator.population import new_uuid

VIOLATION_KINDS = ("missing_required", "string_for_integer", "one_for_boolean", "float_for_integer", "outside_allowed")


def _count(share: float, total: int, minimum: int = 1) -> int:
    return max(minimum, round(share * total))


def _pick(rng: random.Random, candidates: list[int], k: int, taken: set[int]) -> list[int]:
    free = [i for i in candidates if i not in taken]
    chosen = rng.sample(free, min(k, len(free)))
    taken.update(chosen)
    return chosen


_TARGETS: dict[str, Callable[[PlannedProperty], bool]] = {
    "missing_required": lambda p: p.required,
    "string_for_integer": lambda p: p.type == "integer",
    "one_for_boolean": lambda p: p.type == "boolean",
    "float_for_integer": lambda p: p.type == "integer",
    "outside_allowed": lambda p: bool(p.allowed),
}


def _target(kind: str, event: PlannedEvent, props: dict) -> PlannedProperty | None:
    """The property of `props` that a `kind` violation would bend, if the event has one."""
    return next((p for p in event.properties if p.name in props and _TARGETS[kind](p)), None)


def _violate(kind: str, target: PlannedProperty, props: dict) -> None:
    if kind == "missing_required":
        del props[target.name]
    elif kind == "string_for_integer":
        props[target.name] = str(props[target.name])  # "12" where 12 is expected
    elif kind == "one_for_boolean":
        props[target.name] = 1  # a number is not a boolean
    elif kind == "float_for_integer":
        props[target.name] = 12.5
    else:
        props[target.name] = "unsupported_" + str(target.allowed[0])


def property_violations(drafts: list[Draft], workspace: Workspace, config: WorldConfig, rng: random.Random) -> None:
    planned = {e.name: e for e in workspace.tracking_plan.events}
    per_kind = _count(config.property_violation_share / len(VIOLATION_KINDS), len(drafts))
    taken: set[int] = set()
    for kind in VIOLATION_KINDS:
        # Only events whose plan entry has a property of the right shape can take this violation.
        eligible = {e.name for e in planned.values() if any(_TARGETS[kind](p) for p in e.properties)}
        candidates = [
            index
            for index, draft in enumerate(drafts)
            if draft.rec["event_type"] in eligible
            and _target(kind, planned[draft.rec["event_type"]], draft.rec["event_properties"]) is not None
        ]
        for index in _pick(rng, candidates, per_kind, taken):
            rec = drafts[index].rec
            event = planned[rec["event_type"]]
            rec["event_properties"] = dict(rec["event_properties"])
            _violate(kind, _target(kind, event, rec["event_properties"]), rec["event_properties"])


def ensure_rare_event_types(drafts: list[Draft], roles: PlanRoles, config: WorldConfig, rng: random.Random) -> None:
    """Unplanned, still-firing deprecated and all live active event types appear at least once."""
    seen = {d.rec["event_type"] for d in drafts}
    page_names = {e.name for e in roles.page_events}
    hosts = [i for i, d in enumerate(drafts) if d.rec["event_type"] in page_names and d.rec["user_id"]]
    if not hosts:  # a plan without page-like events: borrow any signed-in event but a sign-up
        identify_name = roles.identify.name if roles.identify else None
        hosts = [i for i, d in enumerate(drafts) if d.rec["user_id"] and d.rec["event_type"] != identify_name]
    wanted: list[tuple[str, PlannedEvent | None]] = [(n, None) for n in config.unplanned_events]
    wanted += [(e.name, e) for e in (*roles.deprecated_firing, *roles.qualifying)]
    taken: set[int] = set()
    for name, planned in wanted:
        if name in seen:
            continue
        for index in _pick(rng, hosts, 1, taken):
            drafts[index].rec["event_type"] = name
            drafts[index].rec["event_properties"] = valid_properties(rng, planned) if planned else {}


def _late_delay(rng: random.Random, max_hours: int) -> timedelta:
    roll = rng.random()
    if roll < 0.7:
        hours = rng.uniform(1, 6)
    elif roll < 0.9:
        hours = rng.uniform(6, 24)
    else:
        hours = rng.uniform(24, max(24, max_hours))
    return timedelta(hours=min(hours, max_hours))


def timing_quirks(drafts: list[Draft], roles: PlanRoles, config: WorldConfig, rng: random.Random) -> None:
    everything = list(range(len(drafts)))
    taken: set[int] = set()
    # Event times of sign-ups stay put, so identity stitching of the world stays as designed.
    identify_name = roles.identify.name if roles.identify else None
    movable = [i for i in everything if drafts[i].rec["event_type"] != identify_name]

    # Mobile SDKs batch: a tenth of the events arrive minutes later rather than seconds.
    for index in _pick(rng, everything, round(0.1 * len(drafts)), set()):
        drafts[index].up = drafts[index].t + timedelta(minutes=rng.uniform(2, 30))

    # Late uploads: hours later, up to late_upload_max_hours; the first one crosses a day.
    for n, index in enumerate(_pick(rng, everything, _count(config.late_upload_share, len(drafts)), taken)):
        delay = _late_delay(rng, config.late_upload_max_hours)
        if n == 0:
            delay = timedelta(hours=min(config.late_upload_max_hours, 30))
        drafts[index].up = drafts[index].t + delay

    # Events exactly on the edges of their day (half at 00:00:00.000000, half at 23:59:59.999999).
    for n, index in enumerate(_pick(rng, movable, _count(config.day_edge_share, len(drafts), 2), taken)):
        day = drafts[index].t.date()
        edge = datetime.combine(day, time(0)) if n % 2 == 0 else datetime.combine(day, time(23, 59, 59, 999999))
        drafts[index].t = edge
        drafts[index].up = edge + timedelta(seconds=rng.uniform(0.5, 60))

    # Client clock skew: event_time more than 1 h after the upload.
    for index in _pick(rng, movable, _count(config.future_dated_share, len(drafts)), taken):
        drafts[index].t = drafts[index].up + timedelta(hours=rng.uniform(1.01, 72))


def _resend(draft: Draft, delay: timedelta, new_uuid_value: str | None) -> Draft:
    rec = dict(draft.rec)
    rec["event_properties"] = dict(rec["event_properties"])
    rec["user_properties"] = dict(rec["user_properties"])
    if new_uuid_value is not None:
        rec["uuid"] = new_uuid_value
    return Draft(draft.t, draft.up + delay, rec)


def _resend_delay(rng: random.Random) -> timedelta:
    roll = rng.random()
    if roll < 0.6:
        return timedelta(minutes=rng.uniform(1, 59))
    if roll < 0.85:
        return timedelta(hours=rng.uniform(1, 12))
    return timedelta(hours=rng.uniform(12, 40))


def resends(drafts: list[Draft], config: WorldConfig, rng: random.Random) -> list[Draft]:
    """Null `$insert_id`s (some re-sent with the same uuid) and `$insert_id` duplicates (new uuid)."""
    everything = list(range(len(drafts)))
    taken: set[int] = set()
    copies: list[Draft] = []
    nulls = _pick(rng, everything, _count(config.null_insert_id_share, len(drafts), 4), taken)
    for index in nulls:
        drafts[index].rec["$insert_id"] = None
    for index in nulls[: max(1, len(nulls) // 4)]:
        copies.append(_resend(drafts[index], _resend_delay(rng), None))
    for n, index in enumerate(_pick(rng, everything, _count(config.duplicate_share, len(drafts), 2), taken)):
        delay = timedelta(hours=26) if n == 0 else _resend_delay(rng)  # one re-sent on another day
        copies.append(_resend(drafts[index], delay, new_uuid(rng)))
    return drafts + copies


def _fmt(moment: datetime) -> str:
    return moment.isoformat(" ", "microseconds")


def finalise(drafts: list[Draft], rng: random.Random) -> list[dict]:
    """Write the timestamps out, in upload order (how an export of the whole world would list them)."""
    drafts.sort(key=lambda d: (d.up, d.rec["uuid"]))
    events = []
    for draft in drafts:
        rec = draft.rec
        rec["client_event_time"] = rec["event_time"] = _fmt(draft.t)
        rec["server_received_time"] = _fmt(draft.up - timedelta(seconds=0.001 + 0.4 * rng.random()))
        rec["server_upload_time"] = _fmt(draft.up)
        events.append(rec)
    return events
