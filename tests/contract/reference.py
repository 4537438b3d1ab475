"""The metric contract (shared spec metrics.md v1.1) recomputed in plain Python: the reference.

From what the vendors served (raw records), the workspace config, the reporting time zone and
each source's watermark, `compute_marts` returns the rows every governed mart must hold, in the
marts' column order, `is_complete` last. It reads no warehouse and shares no code with the dbt
project: each rule is written out from the spec, with the readings docs/metrics.md records where
the spec leaves room (day ranges, tie-breaks, what an incomplete week or cohort is).

Completeness (metrics.md 1.6): day d of the reporting zone is complete for a source when its
watermark is at or after the UTC instant at which d ends (local midnight of d + 1, DST-aware,
from the tz database via zoneinfo); a week or month when its last day is; a cohort row when its
cohort day is; day_N_retention / activation_rate are null until day c+N / c+6 is complete.
Engagement, growth and adoption read amplitude; NPS typeform; support and CSAT zendesk; feedback
zendesk and typeform.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from insights.workspace import Workspace

Row = tuple[Any, ...]
FEEDBACK_SOURCES = ("zendesk", "typeform")


# --------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class RawRecords:
    """Records as the vendors served them, every landed copy included."""

    events: list[dict[str, Any]]  # Amplitude export records
    ticket_versions: list[dict[str, Any]]  # Zendesk incremental export records
    forms: dict[str, dict[str, Any]]  # form_id -> latest definition
    responses: list[tuple[str, dict[str, Any]]]  # (form_id, response item), copies included


def _records(folder: Path) -> Iterable[dict[str, Any]]:
    """The records of a partition's manifested files (a folder without a manifest is not landed)."""
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        with gzip.open(folder / entry["name"], "rt", encoding="utf-8") as handle:
            yield from (json.loads(line) for line in handle if line.strip())


def read_raw_zone(raw_dir: Path) -> RawRecords:
    """What a raw zone (docs/contracts.md layout) holds: every record of every manifested partition;
    of each form, the definition in the latest partition."""

    def partitions(pattern: str) -> list[Path]:
        return sorted(m.parent for m in raw_dir.glob(f"{pattern}/_manifest.json"))

    forms: dict[str, tuple[str, dict[str, Any]]] = {}
    for folder in partitions("typeform/forms/dt=*"):
        for form in _records(folder):
            if form["id"] not in forms or folder.name >= forms[form["id"]][0]:
                forms[form["id"]] = (folder.name, form)
    return RawRecords(
        events=[r for folder in partitions("amplitude/events/dt=*") for r in _records(folder)],
        ticket_versions=[r for folder in partitions("zendesk/tickets/dt=*") for r in _records(folder)],
        forms={form_id: form for form_id, (_dt, form) in forms.items()},
        responses=[
            (folder.parent.name.removeprefix("form_id="), r)
            for folder in partitions("typeform/responses/form_id=*/dt=*")
            for r in _records(folder)
        ],
    )


def read_watermarks(raw_dir: Path) -> dict[str, datetime | None]:
    """Each source's `complete_through` (naive UTC) from raw/<source>/_watermark.json; absent: no key."""
    marks: dict[str, datetime | None] = {}
    for path in sorted(raw_dir.glob("*/_watermark.json")):
        value = json.loads(path.read_text(encoding="utf-8"))["complete_through"]
        marks[path.parent.name] = _iso(value)
    return marks


@dataclass(frozen=True)
class Calendar:
    """Reporting days of one time zone, and how far each source is complete (naive UTC)."""

    timezone: str
    watermarks: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day_of(self, utc: datetime) -> date:
        return utc.replace(tzinfo=UTC).astimezone(self.zone).date()

    def day_end_utc(self, day: date) -> datetime:
        local_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=self.zone)
        return local_midnight.astimezone(UTC).replace(tzinfo=None)

    def complete(self, day: date, *sources: str) -> bool:
        return all(
            (mark := self.watermarks.get(source)) is not None and mark >= self.day_end_utc(day) for source in sources
        )

    def last_complete_day(self, *sources: str) -> date | None:
        """The last day complete for every one of `sources` (None when a source has no watermark)."""
        marks = [self.watermarks.get(source) for source in sources]
        if any(mark is None for mark in marks):
            return None
        day = self.day_of(min(marks))  # type: ignore[type-var]
        while not self.complete(day, *sources):
            day -= timedelta(days=1)
        return day


def days_between(first: date, last: date, step: int = 1) -> list[date]:
    return [first + timedelta(days=n) for n in range(0, (last - first).days + 1, step)]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _later(*days: date | None) -> date:
    return max(d for d in days if d is not None)


# --------------------------------------------------------------------------------------------
# events (metrics.md 1-2)


def _amplitude_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Event:
    key: str
    uuid: str
    insert_id: str | None
    event_type: str
    user_id: str | None
    device_id: str
    event_time: datetime
    upload: datetime
    is_test: bool
    email_domain: str | None

    @property
    def is_valid(self) -> bool:
        """Not future-dated: event_time at most 1 hour after server_upload_time (1.3)."""
        return self.event_time <= self.upload + timedelta(hours=1)


def _event(record: dict[str, Any]) -> Event:
    insert_id = record.get("$insert_id") or None
    user_properties = record.get("user_properties") or {}
    email = user_properties.get("email") if isinstance(user_properties, dict) else None
    domain = email.split("@", 1)[1].lower() if isinstance(email, str) and "@" in email else None
    return Event(
        key=f"insert_id:{insert_id}" if insert_id else f"uuid:{record['uuid']}",
        uuid=record["uuid"],
        insert_id=insert_id,
        event_type=record["event_type"],
        user_id=record.get("user_id") or None,
        device_id=record["device_id"],
        event_time=_amplitude_ts(record["event_time"]),
        upload=_amplitude_ts(record["server_upload_time"]),
        is_test=isinstance(user_properties, dict) and user_properties.get("is_test") is True,  # a JSON boolean
        email_domain=domain,
    )


def deduplicate(records: Iterable[dict[str, Any]]) -> list[Event]:
    """One event per insert_id (else uuid): the copy with the earliest upload, ties smallest uuid (1.2)."""
    kept: dict[str, Event] = {}
    for event in map(_event, records):
        best = kept.get(event.key)
        if best is None or (event.upload, event.uuid) < (best.upload, best.uuid):
            kept[event.key] = event
    return list(kept.values())


@dataclass
class EventFacts:
    """What the user-level rules need, computed once per (records, workspace, calendar)."""

    first_day: date | None  # of a valid event
    last_day: date | None
    active: dict[date, set[str]]  # day -> non-excluded users with a qualifying valid event
    anonymous: dict[date, set[str]]  # day -> ownerless devices with a qualifying valid event
    first_seen: dict[str, date]  # non-excluded users only
    valid_types: dict[str, set[tuple[date, str]]]  # user -> (day, event type) of their valid events


def event_facts(events: list[Event], workspace: Workspace, calendar: Calendar) -> EventFacts:
    valid = [e for e in events if e.is_valid]
    # 2.1 device owner: user_id of the device's earliest valid identified event (time, insert_id, uuid)
    owners: dict[str, tuple[tuple[datetime, tuple[int, str], str], str]] = {}
    for e in valid:
        if e.user_id is None:
            continue
        rank = (e.event_time, (0, e.insert_id) if e.insert_id else (1, ""), e.uuid)
        if e.device_id not in owners or rank < owners[e.device_id][0]:
            owners[e.device_id] = (rank, e.user_id)

    def resolved(e: Event) -> str | None:
        return e.user_id or (owners[e.device_id][1] if e.device_id in owners else None)

    # 2.2 exclusions, over every deduplicated event (valid or not) of the resolved user
    internal = {str(d).strip().lower() for d in workspace.settings.get("internal_email_domains") or []}
    excluded = {user for e in events if (user := resolved(e)) and (e.is_test or (e.email_domain or "") in internal)}
    qualifying = {p.name for p in workspace.tracking_plan.events if p.counts_as_active}
    facts = EventFacts(None, None, defaultdict(set), defaultdict(set), {}, defaultdict(set))
    for e in valid:
        day = calendar.day_of(e.event_time)
        facts.first_day = min(facts.first_day or day, day)
        facts.last_day = max(facts.last_day or day, day)
        user = resolved(e)
        if user is None:
            if e.event_type in qualifying:
                facts.anonymous[day].add(e.device_id)
            continue
        if user in excluded:
            continue
        facts.first_seen[user] = min(facts.first_seen.get(user, day), day)  # 2.3: any valid event
        facts.valid_types[user].add((day, e.event_type))
        if e.event_type in qualifying:
            facts.active[day].add(user)
    return facts


def _engagement_days(facts: EventFacts, calendar: Calendar) -> list[date]:
    """First day with a valid event to the last one or the last day complete for amplitude."""
    if facts.first_day is None:
        return []
    return days_between(facts.first_day, _later(facts.last_day, calendar.last_complete_day("amplitude")))


def active_users_daily(facts: EventFacts, calendar: Calendar) -> list[Row]:
    rows = []
    for day in _engagement_days(facts, calendar):

        def window(length: int, day: date = day) -> set[str]:
            return set().union(*(facts.active.get(day - timedelta(days=n), set()) for n in range(length)))

        dau, wau, mau = len(facts.active.get(day, ())), len(window(7)), len(window(28))
        rows.append(
            (
                day, dau, wau, mau, dau / mau if mau else None, len(facts.anonymous.get(day, ())),
                day - timedelta(days=6) >= facts.first_day, day - timedelta(days=27) >= facts.first_day,  # type: ignore[operator]
                calendar.complete(day, "amplitude"),
            )
        )  # fmt: skip
    return rows


def feature_adoption_weekly(facts: EventFacts, workspace: Workspace, calendar: Calendar) -> list[Row]:
    days = _engagement_days(facts, calendar)
    features = {p.name: p.feature for p in workspace.tracking_plan.events}
    rows = []
    for week in sorted({week_of(d) for d in days}):
        week_days = [d for d in days if week_of(d) == week]
        users = set().union(*(facts.active.get(d, set()) for d in week_days))
        for feature in sorted(set(features.values())):
            adopters = {
                user
                for user in users
                if any(d in week_days and features.get(t) == feature for d, t in facts.valid_types[user])
            }
            rate = len(adopters) / len(users) if users else None
            complete = calendar.complete(week + timedelta(days=6), "amplitude")
            rows.append((week, feature, len(adopters), len(users), rate, complete))
    return rows


def retention_cohorts(facts: EventFacts, workspace: Workspace, calendar: Calendar) -> list[Row]:
    activation_event = str(workspace.settings["activation_event"])
    cohorts: dict[date, list[str]] = defaultdict(list)
    for user, day in facts.first_seen.items():
        cohorts[day].append(user)
    rows = []
    for cohort, members in sorted(cohorts.items()):

        def share(offset: int, hit: Any, cohort: date = cohort, members: list[str] = members) -> float | None:
            if not calendar.complete(cohort + timedelta(days=offset), "amplitude"):
                return None  # null until day c+offset is complete
            return sum(1 for m in members if hit(m)) / len(members)

        retention = [
            share(n, lambda m, day=cohort + timedelta(days=n): m in facts.active.get(day, set())) for n in (1, 7, 28)
        ]
        activation = share(
            6,
            lambda m, c=cohort: any(
                t == activation_event and c <= d <= c + timedelta(days=6) for d, t in facts.valid_types[m]
            ),
        )
        rows.append((cohort, len(members), *retention, activation, calendar.complete(cohort, "amplitude")))
    return rows


# --------------------------------------------------------------------------------------------
# tickets (metrics.md 5)


def _iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Ticket:
    status: str
    created: datetime
    solved: datetime | None
    score: str | None
    reply_minutes: float | None
    full_resolution_minutes: float | None
    tags: tuple[str, ...]

    @property
    def is_solved(self) -> bool:
        return self.status in ("solved", "closed")


def current_tickets(versions: Iterable[dict[str, Any]]) -> list[Ticket]:
    """Latest version per id (greatest updated_at, then generated_timestamp); deleted ones excluded."""
    latest: dict[int, dict[str, Any]] = {}
    for version in versions:
        rank = (_iso(version["updated_at"]), version.get("generated_timestamp") or 0)
        kept = latest.get(version["id"])
        if kept is None or rank > (_iso(kept["updated_at"]), kept.get("generated_timestamp") or 0):
            latest[version["id"]] = version
    tickets = []
    for v in latest.values():
        if v["status"] == "deleted":
            continue
        metrics = v.get("metric_set") or {}
        created = _iso(v["created_at"])
        assert created is not None
        tickets.append(
            Ticket(
                status=v["status"],
                created=created,
                solved=_iso(metrics.get("solved_at")),
                score=(v.get("satisfaction_rating") or {}).get("score"),
                reply_minutes=(metrics.get("reply_time_in_minutes") or {}).get("calendar"),
                full_resolution_minutes=(metrics.get("full_resolution_time_in_minutes") or {}).get("calendar"),
                tags=tuple(v.get("tags") or ()),
            )
        )
    return tickets


def _support_days(tickets: list[Ticket], calendar: Calendar) -> list[date]:
    """First to last day with a ticket created or solved, or to the last day complete for zendesk."""
    activity = [calendar.day_of(t.created) for t in tickets]
    activity += [calendar.day_of(t.solved) for t in tickets if t.is_solved and t.solved]
    if not activity:
        return []
    return days_between(min(activity), _later(max(activity), calendar.last_complete_day("zendesk")))


def support_daily(tickets: list[Ticket], calendar: Calendar) -> list[Row]:
    created: dict[date, int] = defaultdict(int)
    solved: dict[date, int] = defaultdict(int)
    for t in tickets:
        created[calendar.day_of(t.created)] += 1
        if t.is_solved and t.solved:
            solved[calendar.day_of(t.solved)] += 1
    days = _support_days(tickets, calendar)
    return [(d, created[d], solved[d], calendar.complete(d, "zendesk")) for d in days]


def support_weekly(tickets: list[Ticket], calendar: Calendar) -> list[Row]:
    replies: dict[date, list[float]] = defaultdict(list)
    resolutions: dict[date, list[float]] = defaultdict(list)
    for t in tickets:
        if t.reply_minutes is not None:
            replies[week_of(calendar.day_of(t.created))].append(t.reply_minutes)
        if t.is_solved and t.solved and t.full_resolution_minutes is not None:
            resolutions[week_of(calendar.day_of(t.solved))].append(t.full_resolution_minutes)

    def median(values: list[float]) -> float | None:
        return float(statistics.median(values)) if values else None

    weeks = sorted({week_of(d) for d in _support_days(tickets, calendar)})
    return [
        (w, median(replies[w]), median(resolutions[w]), calendar.complete(w + timedelta(days=6), "zendesk"))
        for w in weeks
    ]


def csat_monthly(tickets: list[Ticket], calendar: Calendar) -> list[Row]:
    rated: dict[date, list[str]] = defaultdict(list)
    for t in tickets:
        if t.score in ("good", "bad"):
            rated[month_of(calendar.day_of(t.created))].append(t.score)
    months = sorted({month_of(d) for d in _support_days(tickets, calendar)})
    return [
        (
            m, len(rated[m]), rated[m].count("good") / len(rated[m]) if rated[m] else None,
            calendar.complete(month_end(m), "zendesk"),
        )
        for m in months
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# surveys (metrics.md 5) and feedback routing (metrics.md 6)


def unique_responses(responses: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """One copy per (form, response_id, else token); a completed copy beats a partial one."""
    kept: dict[tuple[str, str], dict[str, Any]] = {}
    for form_id, item in responses:
        key = (form_id, item.get("response_id") or item["token"])
        if key not in kept or (kept[key].get("submitted_at") is None and item.get("submitted_at") is not None):
            kept[key] = item
    return [(form_id, item) for (form_id, _id), item in kept.items()]


def _nps_field(form: dict[str, Any]) -> str | None:
    """The form's first field of type nps; a group's fields count right after the group."""
    return next((field_id for field_id, kind in _field_types(form).items() if kind == "nps"), None)


def _hidden(item: dict[str, Any], name: str) -> str | None:
    value = (item.get("hidden") or {}).get(name)
    return (value.strip() or None) if isinstance(value, str) else None


def nps_monthly(responses: list[tuple[str, dict[str, Any]]], forms: dict[str, dict], calendar: Calendar) -> list[Row]:
    latest: dict[tuple[Any, date], tuple[datetime, str, str, str | None, int]] = {}
    for form_id, item in responses:
        submitted = _iso(item.get("submitted_at"))
        question = _nps_field(forms[form_id]) if form_id in forms else None
        if submitted is None or question is None:
            continue
        scores = [a.get("number") for a in item.get("answers") or [] if a["field"]["id"] == question]
        score = scores[0] if scores else None
        if not isinstance(score, int | float) or isinstance(score, bool) or score not in range(11):
            continue
        response_id = item.get("response_id") or item["token"]
        user = _hidden(item, "user_id")
        respondent = ("user", user) if user else ("response", form_id, response_id)
        month = month_of(calendar.day_of(submitted))
        candidate = (submitted, form_id, response_id, _hidden(item, "plan"), int(score))
        if (respondent, month) not in latest or candidate[:3] > latest[(respondent, month)][:3]:
            latest[(respondent, month)] = candidate  # the latest of the month; ties: form id, response id
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_respondent, month), (*_, plan, score) in latest.items():
        category = 0 if score >= 9 else 1 if score >= 7 else 2
        for segment in ("all", plan or "unknown"):
            counts[(month, segment)][category] += 1
    return [
        (
            m, segment, sum(c), c[0], c[1], c[2], 100 * (c[0] - c[2]) / sum(c),
            calendar.complete(month_end(m), "typeform"),
        )
        for (m, segment), c in sorted(counts.items())
    ]  # fmt: skip


def _keyword_matches(text: str, keyword: str) -> bool:
    """Case-insensitive, on word boundaries: neighbours that are not an ASCII letter, digit or _."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(keyword)}(?![A-Za-z0-9_])", text, flags=re.IGNORECASE) is not None


def _survey_area(text: str, keywords: list[tuple[str, str]]) -> str | None:
    """The first area, in alphabetical (byte) order, with a keyword matching the text."""
    for area in sorted({a for a, _ in keywords}):
        if any(_keyword_matches(text, keyword) for a, keyword in keywords if a == area):
            return area
    return None


@dataclass(frozen=True)
class Item:
    created: datetime
    team: str | None  # None: unrouted
    resolved: bool


def _field_types(form: dict[str, Any]) -> dict[str, str]:
    flat: list[dict[str, Any]] = []
    for f in form.get("fields") or []:
        flat += [f, *((f.get("properties") or {}).get("fields") or [])]
    return {f["id"]: f.get("type") for f in flat if "id" in f}


def feedback_items(
    tickets: list[Ticket], responses: list[tuple[str, dict]], forms: dict[str, dict], workspace: Workspace
) -> list[Item]:
    """Every ticket, and every non-empty long_text answer of a completed response (no deduplication)."""
    teams = {a.area: a.team for a in workspace.product_areas}
    keywords = list(workspace.area_keywords)
    items = []
    for t in tickets:
        area = next((tag[5:] for tag in t.tags if tag.startswith("area:") and len(tag) > 5), None)
        items.append(Item(t.created, teams.get(area or ""), t.is_solved))
    for form_id, item in responses:
        submitted = _iso(item.get("submitted_at"))
        if submitted is None:
            continue
        definition_types = _field_types(forms.get(form_id, {}))
        for answer in item.get("answers") or []:
            # the answer's own field type; the form definition's when the answer carries none
            kind = answer["field"].get("type") or definition_types.get(answer["field"]["id"])
            text = answer.get("text") if answer.get("type") == "text" else None
            if kind != "long_text" or not isinstance(text, str) or not text.strip():
                continue
            area = _survey_area(text, keywords)
            items.append(Item(submitted, teams.get(area or ""), False))
    return items


def _feedback_weeks(items: list[Item], calendar: Calendar) -> list[date]:
    """First to last week with an item, or to the week of the last day complete for both sources."""
    if not items:
        return []
    weeks = [week_of(calendar.day_of(i.created)) for i in items]
    last_complete = calendar.last_complete_day(*FEEDBACK_SOURCES)
    return days_between(min(weeks), _later(max(weeks), week_of(last_complete) if last_complete else None), 7)


def feedback_by_team_weekly(items: list[Item], workspace: Workspace, calendar: Calendar) -> list[Row]:
    rows = []
    for week in _feedback_weeks(items, calendar):
        in_week = [i for i in items if week_of(calendar.day_of(i.created)) == week]
        complete = calendar.complete(week + timedelta(days=6), *FEEDBACK_SOURCES)
        for team in sorted({a.team for a in workspace.product_areas}):
            routed = [i for i in in_week if i.team == team]
            rows.append((week, team, len(routed), sum(1 for i in routed if i.resolved), complete))
    return rows


def feedback_unrouted_weekly(items: list[Item], calendar: Calendar) -> list[Row]:
    rows = []
    for week in _feedback_weeks(items, calendar):
        in_week = [i for i in items if week_of(calendar.day_of(i.created)) == week]
        unrouted = sum(1 for i in in_week if i.team is None)
        share = unrouted / len(in_week) if in_week else None
        rows.append(
            (week, len(in_week), unrouted, share, calendar.complete(week + timedelta(days=6), *FEEDBACK_SOURCES))
        )
    return rows


# --------------------------------------------------------------------------------------------
# every governed mart


def compute_marts(raw: RawRecords, workspace: Workspace, calendar: Calendar) -> dict[str, list[Row]]:
    """Every governed mart's rows (metrics.md section 8 names, columns in mart order)."""
    facts = event_facts(deduplicate(raw.events), workspace, calendar)
    tickets = current_tickets(raw.ticket_versions)
    responses = unique_responses(raw.responses)
    items = feedback_items(tickets, responses, raw.forms, workspace)
    return {
        "metrics_active_users_daily": active_users_daily(facts, calendar),
        "metrics_retention_cohorts": retention_cohorts(facts, workspace, calendar),
        "metrics_feature_adoption_weekly": feature_adoption_weekly(facts, workspace, calendar),
        "metrics_nps_monthly": nps_monthly(responses, raw.forms, calendar),
        "metrics_support_daily": support_daily(tickets, calendar),
        "metrics_support_weekly": support_weekly(tickets, calendar),
        "metrics_csat_monthly": csat_monthly(tickets, calendar),
        "metrics_feedback_by_team_weekly": feedback_by_team_weekly(items, workspace, calendar),
        "metrics_feedback_unrouted_weekly": feedback_unrouted_weekly(items, calendar),
    }
