"""Amplitude export records for the synthetic world, driven by the workspace's tracking plan.

Clean sessions are generated first (planned events with valid properties), then quirk passes
bend a modest share of them the way real exports are bent: property violations, unplanned and
deprecated events, late uploads, day-edge times, future-dated events, null `$insert_id`s and
re-sent duplicates. Every quirk happens at least once whatever the world's size, so tests on a
tiny world still meet each of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from insights.workspace import PlannedEvent, PlannedProperty, Workspace
from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.population import Device, Population, User, new_uuid

LIBRARIES = {"Web": "amplitude-ts/2.11.0", "iOS": "amplitude-swift/1.9.2", "Android": "amplitude-kotlin/1.16.8"}
APP_VERSION = "4.12.0"
EPOCH = datetime(1970, 1, 1)
# Relative frequency of plan events inside sessions (unknown names weigh 1).
EVENT_WEIGHTS = {
    "task_created": 4.0,
    "task_completed": 3.0,
    "comment_added": 3.0,
    "dashboard_viewed": 2.0,
    "file_uploaded": 1.0,
    "report_exported": 0.7,
    "project_created": 0.6,
    "invite_sent": 0.4,
    "integration_connected": 0.2,
}
HOUR_CUM_WEIGHTS = tuple(accumulate((1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 10, 10, 9, 7, 5, 4, 3, 2, 2, 1)))
PAGES = ("/home", "/projects", "/tasks", "/reports", "/settings", "/billing", "/integrations", "/inbox")


@dataclass(slots=True)
class Draft:
    """An event before its timestamps are written out (times are naive UTC)."""

    t: datetime  # event_time (the client's clock)
    up: datetime  # server_upload_time
    rec: dict


@dataclass(frozen=True)
class PlanRoles:
    """What each tracking-plan event is used for when simulating behaviour."""

    session_start: PlannedEvent | None
    page_events: tuple[PlannedEvent, ...]
    qualifying: tuple[PlannedEvent, ...]
    cum_weights: tuple[float, ...]
    identify: PlannedEvent | None  # fired with user_id when an anonymous device signs up
    activation: PlannedEvent | None
    anonymous_qualifying: PlannedEvent | None  # what never-identified visitors do
    deprecated_firing: tuple[PlannedEvent, ...]

    @classmethod
    def from_workspace(cls, workspace: Workspace, config: WorldConfig) -> PlanRoles:
        plan = workspace.tracking_plan
        live = [e for e in plan.events if e.status != "planned" and e.name not in config.silent_events]
        scaffold = [e for e in live if e.status == "active" and not e.counts_as_active]
        identify = plan.event("signed_up")
        identify = identify if identify in live else None
        qualifying = [e for e in live if e.status == "active" and e.counts_as_active and e is not identify]
        activation = plan.event(str(workspace.settings.get("activation_event")))
        anonymous = plan.event("dashboard_viewed")
        return cls(
            session_start=scaffold[0] if scaffold else None,
            page_events=tuple(scaffold[1:]),
            qualifying=tuple(qualifying),
            cum_weights=tuple(accumulate(EVENT_WEIGHTS.get(e.name, 1.0) for e in qualifying)),
            identify=identify,
            activation=activation if activation in live else None,
            anonymous_qualifying=anonymous if anonymous in qualifying else (qualifying[0] if qualifying else None),
            deprecated_firing=tuple(e for e in live if e.status == "deprecated"),
        )


_HINTS: dict[str, Callable[[random.Random], object]] = {
    "page": lambda rng: rng.choice(PAGES),
    "platform_version": lambda rng: rng.choice(("4.11.2", "4.12.0", "4.12.1")),
    "seats": lambda rng: rng.randint(1, 10),
    "length": lambda rng: rng.randint(3, 800),
    "size_mb": lambda rng: round(rng.uniform(0.01, 250), 2),
    "duration_hours": lambda rng: round(rng.uniform(0.1, 120), 1),
    "words": lambda rng: rng.randint(20, 400),
}


def valid_value(rng: random.Random, prop: PlannedProperty) -> object:
    if prop.allowed:
        return rng.choice(prop.allowed)
    if prop.name in _HINTS:
        return _HINTS[prop.name](rng)
    if prop.type == "integer":
        return rng.randint(1, 100)
    if prop.type == "number":
        return round(rng.uniform(0, 100), 2) if rng.random() < 0.8 else rng.randint(0, 100)
    if prop.type == "boolean":
        return rng.random() < 0.5
    return rng.choice(("alpha", "beta", "gamma"))


def valid_properties(rng: random.Random, event: PlannedEvent) -> dict:
    props = {}
    for prop in event.properties:
        if prop.required or rng.random() < 0.7:
            props[prop.name] = valid_value(rng, prop)
    return props


class EventFactory:
    """Builds records in the real export's key order; timestamps are filled in by `finalise`."""

    def __init__(self, config: WorldConfig, rng: random.Random) -> None:
        self.config = config
        self.rng = rng
        self.event_ids: dict[str, int] = {}
        self.flag_counts: dict[str, int] = {}
        self._bases: dict[tuple[str, bool], dict] = {}

    def _base(self, device: Device, user: User | None) -> dict:
        """The fields that only depend on the device and who is signed in, in the export's key order."""
        return {
            "$insert_id": None,
            "amplitude_id": user.amplitude_id if user is not None else device.amplitude_id,
            "app": self.config.project_id,
            "city": None,
            "client_event_time": None,
            "country": user.country if user is not None else "United States",
            "data": None,
            "device_family": device.os_name,
            "device_id": device.device_id,
            "event_id": None,
            "event_properties": None,
            "event_time": None,
            "event_type": None,
            "groups": None,
            "ip_address": None,
            "language": "English",
            "library": LIBRARIES[device.platform],
            "os_name": device.os_name,
            "platform": device.platform,
            "server_received_time": None,
            "server_upload_time": None,
            "session_id": None,
            "user_id": user.user_id if user is not None else None,
            "user_properties": None,
            "uuid": None,
            "version_name": APP_VERSION,
        }

    def make(
        self,
        event_type: str,
        at: datetime,
        device: Device,
        user: User | None,
        identified: bool,
        session_id: int,
        properties: dict,
    ) -> Draft:
        rng = self.rng
        self.event_ids[device.device_id] = event_id = self.event_ids.get(device.device_id, 0) + 1
        user_properties: dict = {}
        if user is not None and identified:
            user_properties = {"email": user.email, "plan": user.plan}
            if user.test_flag_every:
                # The 1st, (n+1)th... identified events are flagged: some of the user's events, never all.
                self.flag_counts[user.user_id] = seen = self.flag_counts.get(user.user_id, 0) + 1
                if seen % user.test_flag_every == 1:
                    user_properties["is_test"] = True if user.kind == "test" else "true"
        key = (device.device_id, identified)
        base = self._bases.get(key)
        if base is None:
            base = self._bases[key] = self._base(device, user if identified else None)
        record = base.copy()  # copying a prepared dict is much cheaper than building a 25-key literal
        record["$insert_id"] = new_uuid(rng)
        record["data"] = {}
        record["event_id"] = event_id
        record["event_properties"] = properties
        record["event_type"] = event_type
        record["groups"] = {}
        record["session_id"] = session_id
        record["user_properties"] = user_properties
        record["uuid"] = new_uuid(rng)
        # Most uploads follow within seconds (batched by the SDK); the late-upload pass stretches some.
        return Draft(at, at + timedelta(seconds=rng.uniform(0.5, 90)), record)


def _session_start(rng: random.Random, day: date) -> datetime:
    hour = rng.choices(range(24), cum_weights=HOUR_CUM_WEIGHTS)[0]
    return datetime.combine(day, time(hour)) + timedelta(seconds=rng.uniform(0, 3300))


def _epoch_ms(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() * 1000)


class SessionWriter:
    """Writes plausible sessions: scaffolding events first, then qualifying ones."""

    def __init__(self, roles: PlanRoles, factory: EventFactory, rng: random.Random, config: WorldConfig) -> None:
        self.roles, self.factory, self.rng, self.config = roles, factory, rng, config
        self.drafts: list[Draft] = []

    def session(
        self,
        day: date,
        device: Device,
        user: User | None,
        identified: bool,
        qualifying: int,
        signs_up: bool = False,
        activation: bool = False,
        anonymous_qualifying: bool = False,
    ) -> None:
        rng, roles = self.rng, self.roles
        clock = _session_start(rng, day)
        if signs_up:  # early enough that the day cannot end before the sign-up event
            clock = min(clock, datetime.combine(day, time(20)))
        session_id = _epoch_ms(clock)
        plan: list[PlannedEvent | str] = []
        if roles.session_start:
            plan.append(roles.session_start)
        if roles.page_events:
            plan.extend(rng.choice(roles.page_events) for _ in range(1 + (rng.random() < 0.3)))
        if anonymous_qualifying and roles.anonymous_qualifying:
            plan.append(roles.anonymous_qualifying)
        if signs_up:
            if roles.identify:
                plan.append(roles.identify)
            else:
                identified = True  # no sign-up event in this plan: identified from the session start
        if activation and roles.activation:
            plan.append(roles.activation)
        if roles.qualifying:
            for _ in range(qualifying):
                if roles.page_events and rng.random() < 0.15:
                    plan.append(rng.choice(roles.page_events))
                plan.append(rng.choices(roles.qualifying, cum_weights=roles.cum_weights)[0])
        if rng.random() < self.config.unplanned_event_share * 3:
            plan.insert(rng.randint(min(1, len(plan)), len(plan)), rng.choice(self.config.unplanned_events))
        if roles.deprecated_firing and rng.random() < self.config.deprecated_event_share * 3:
            plan.append(rng.choice(roles.deprecated_firing))
        for item in plan:
            if clock.date() != day:
                break  # sessions end with their day, so every valid event lies inside the world's days
            if item is roles.identify:
                identified = True  # from the sign-up on, this device's events carry the user_id
            name = item if isinstance(item, str) else item.name
            props = {} if isinstance(item, str) else valid_properties(rng, item)
            self.drafts.append(self.factory.make(name, clock, device, user, identified, session_id, props))
            clock += timedelta(seconds=rng.uniform(3, 240))


def _qualifying_count(rng: random.Random) -> int:
    return rng.choices((0, 1, 2, 3, 4, 6), weights=(10, 28, 28, 18, 10, 6))[0]


def simulate_behaviour(
    config: WorldConfig, workspace: Workspace, population: Population, rng: random.Random
) -> list[Draft]:
    roles = PlanRoles.from_workspace(workspace, config)
    writer = SessionWriter(roles, EventFactory(config, rng), rng, config)
    first = config.start
    days = [first + timedelta(days=i) for i in range(config.days)]
    for day in days:
        weekday_factor = 1.0 if day.weekday() < 5 else config.weekend_activity_factor
        for user in population.users:
            if user.churn_day is not None and day >= user.churn_day:
                continue
            devices = [d for d in user.devices if d.first_day <= day]
            if not devices:
                continue
            anonymous_device = next((d for d in devices if d.anonymous_until and day < d.anonymous_until), None)
            if anonymous_device is not None:
                # Not signed up yet: anonymous browsing (sometimes a qualifying event) on the first device.
                if day == anonymous_device.first_day or rng.random() < 0.6:
                    writer.session(day, anonymous_device, user, False, 0, anonymous_qualifying=rng.random() < 0.4)
                continue
            if user.is_new and day == user.signup_day:
                signup_device = user.devices[0]
                activates = rng.random() < 0.55
                writer.session(day, signup_device, user, False, rng.randint(0, 2), signs_up=True, activation=activates)
                continue
            # People who exercise exclusion rules (internal, test, decoy) always show up on the first day.
            forced = user.kind != "customer" and day == first
            if not forced and rng.random() >= user.engagement * weekday_factor:
                continue
            for _ in range(1 + (rng.random() < 0.25) + (rng.random() < 0.05)):
                device = rng.choice(devices)
                activation = user.is_new and (day - user.signup_day).days <= 6 and rng.random() < 0.1
                writer.session(day, device, user, True, _qualifying_count(rng), activation=activation)
        for visitor in population.visitors:
            offset = (day - visitor.first_day).days
            if 0 <= offset < 4 and (offset == 0 or rng.random() < 0.4):
                # The first visitor always fires a qualifying event: anonymous_devices is never empty.
                qualifying = visitor is population.visitors[0] or rng.random() < 0.4
                writer.session(day, visitor, None, False, 0, anonymous_qualifying=qualifying)
    return writer.drafts
