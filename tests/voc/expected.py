"""The voice-of-customer marts recomputed in plain Python from the raw records (metrics.md 5-6).

An independent second implementation for the tests: it reads the fixture's records, not the
warehouse, and applies the written rules directly (word boundaries with regex lookarounds, the
median from `statistics`), so a wrong join, filter or tie-break in the SQL shows up as a
difference. Days are UTC (the demo settings' reporting_timezone).

Completeness (metrics.md 1.6) comes from the sources' watermarks (`Watermarks`): a UTC day d is
complete for a source when the source is complete through d + 1 00:00; a week or month when its
last day is. Every row ends with that flag, and the daily ranges run on to the last complete day.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Watermarks:
    """Per-source `complete_through` (naive UTC); a source without one has no complete day."""

    zendesk: datetime | None = None
    typeform: datetime | None = None

    def complete(self, day: date, *sources: str) -> bool:
        end = datetime.combine(day + timedelta(days=1), datetime.min.time())
        marks = [getattr(self, source) for source in sources]
        return all(mark is not None and mark >= end for mark in marks)

    def last_complete_day(self, *sources: str) -> date | None:
        marks = [getattr(self, source) for source in sources]
        if any(mark is None for mark in marks):
            return None
        return min(marks).date() - timedelta(days=1)  # type: ignore[union-attr]


NO_WATERMARKS = Watermarks()


def week_end(week: date) -> date:
    return week + timedelta(days=6)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def parse_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


def days_between(first: date, last: date, step: int = 1) -> list[date]:
    return [first + timedelta(days=n) for n in range(0, (last - first).days + 1, step)]


# --------------------------------------------------------------------------------------------
# tickets


@dataclass(frozen=True)
class Ticket:
    ticket_id: int
    status: str
    created: date
    solved: date | None  # day of metric_set.solved_at
    score: str | None
    reply_minutes: float | None
    full_resolution_minutes: float | None
    tags: tuple[str, ...]

    @property
    def is_solved(self) -> bool:
        return self.status in ("solved", "closed")


def current_tickets(versions: Iterable[dict[str, Any]]) -> list[Ticket]:
    """Latest version per id (greatest updated_at, then generated_timestamp), deleted dropped."""
    latest: dict[int, dict[str, Any]] = {}
    for version in versions:
        key = (parse_ts(version["updated_at"]), version.get("generated_timestamp") or 0)
        kept = latest.get(version["id"])
        if kept is None or key > (parse_ts(kept["updated_at"]), kept.get("generated_timestamp") or 0):
            latest[version["id"]] = version
    tickets = []
    for version in latest.values():
        if version["status"] == "deleted":
            continue
        metrics = version.get("metric_set") or {}
        solved_at = parse_ts(metrics.get("solved_at"))
        rating = version.get("satisfaction_rating") or {}
        tickets.append(
            Ticket(
                ticket_id=version["id"],
                status=version["status"],
                created=parse_ts(version["created_at"]).date(),
                solved=solved_at.date() if solved_at else None,
                score=rating.get("score"),
                reply_minutes=(metrics.get("reply_time_in_minutes") or {}).get("calendar"),
                full_resolution_minutes=(metrics.get("full_resolution_time_in_minutes") or {}).get("calendar"),
                tags=tuple(version.get("tags") or ()),
            )
        )
    return tickets


def support_days(tickets: list[Ticket], marks: Watermarks = NO_WATERMARKS) -> list[date]:
    """First to last day with a ticket created or solved, or to the last day complete for zendesk."""
    activity = [t.created for t in tickets] + [t.solved for t in tickets if t.is_solved and t.solved]
    if not activity:
        return []
    last_complete = marks.last_complete_day("zendesk")
    return days_between(min(activity), max([*activity, *([last_complete] if last_complete else [])]))


def support_daily(tickets: list[Ticket], marks: Watermarks = NO_WATERMARKS) -> list[Row]:
    created = defaultdict(int)
    solved = defaultdict(int)
    for t in tickets:
        created[t.created] += 1
        if t.is_solved and t.solved:
            solved[t.solved] += 1
    return [(day, created[day], solved[day], marks.complete(day, "zendesk")) for day in support_days(tickets, marks)]


def support_weekly(tickets: list[Ticket], marks: Watermarks = NO_WATERMARKS) -> list[Row]:
    replies: dict[date, list[float]] = defaultdict(list)
    resolutions: dict[date, list[float]] = defaultdict(list)
    for t in tickets:
        if t.reply_minutes is not None:
            replies[week_of(t.created)].append(t.reply_minutes)
        if t.is_solved and t.solved and t.full_resolution_minutes is not None:
            resolutions[week_of(t.solved)].append(t.full_resolution_minutes)
    weeks = sorted({week_of(day) for day in support_days(tickets, marks)})

    def median(values: list[float]) -> float | None:
        return float(statistics.median(values)) if values else None

    return [
        (week, median(replies[week]), median(resolutions[week]), marks.complete(week_end(week), "zendesk"))
        for week in weeks
    ]


def csat_monthly(tickets: list[Ticket], marks: Watermarks = NO_WATERMARKS) -> list[Row]:
    good: dict[date, int] = defaultdict(int)
    rated: dict[date, int] = defaultdict(int)
    for t in tickets:
        if t.score in ("good", "bad"):
            rated[month_of(t.created)] += 1
            good[month_of(t.created)] += t.score == "good"
    months = sorted({month_of(day) for day in support_days(tickets, marks)})
    return [
        (m, rated[m], good[m] / rated[m] if rated[m] else None, marks.complete(month_end(m), "zendesk")) for m in months
    ]


# --------------------------------------------------------------------------------------------
# Typeform


def latest_forms(forms: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    for dt, form in forms:
        if form["id"] not in latest or dt > latest[form["id"]][0]:
            latest[form["id"]] = (dt, form)
    return {form_id: form for form_id, (_dt, form) in latest.items()}


def nps_field_id(form: dict[str, Any]) -> str | None:
    """First field of type nps, group members counted right after their group."""
    flat: list[dict[str, Any]] = []
    for field in form.get("fields") or []:
        flat.append(field)
        flat.extend((field.get("properties") or {}).get("fields") or [])
    return next((f["id"] for f in flat if f.get("type") == "nps"), None)


def unique_responses(responses: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """One copy per (form, response_id); a completed copy beats a partial one."""
    kept: dict[tuple[str, str], dict[str, Any]] = {}
    for form_id, item in responses:
        key = (form_id, item["response_id"])
        if key not in kept or (kept[key]["submitted_at"] is None and item["submitted_at"] is not None):
            kept[key] = item
    return [(form_id, item) for (form_id, _rid), item in kept.items()]


def _hidden(item: dict[str, Any], name: str) -> str | None:
    value = (item.get("hidden") or {}).get(name)
    return value.strip() or None if isinstance(value, str) else None


def nps_monthly(
    responses: list[tuple[str, dict[str, Any]]],
    forms: dict[str, dict[str, Any]],
    marks: Watermarks = NO_WATERMARKS,
) -> list[Row]:
    kept: dict[tuple[Any, date], tuple[datetime, str, str, str | None, int]] = {}
    for form_id, item in responses:
        submitted = parse_ts(item["submitted_at"])
        question = nps_field_id(forms[form_id]) if form_id in forms else None
        if submitted is None or question is None:
            continue
        scores = [a["number"] for a in item["answers"] if a["field"]["id"] == question and a["type"] == "number"]
        if not scores or scores[0] not in range(11):
            continue
        user = _hidden(item, "user_id")
        respondent = ("user", user) if user else ("response", form_id, item["response_id"])
        candidate = (submitted, form_id, item["response_id"], _hidden(item, "plan"), scores[0])
        key = (respondent, month_of(submitted.date()))
        if key not in kept or candidate[:3] > kept[key][:3]:
            kept[key] = candidate
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_respondent, month), (_at, _form, _rid, plan, score) in kept.items():
        category = 0 if score >= 9 else 1 if score >= 7 else 2
        for segment in ("all", plan or "unknown"):
            counts[(month, segment)][category] += 1
    return [
        (
            month,
            segment,
            sum(c),
            c[0],
            c[1],
            c[2],
            100 * (c[0] - c[2]) / sum(c),
            marks.complete(month_end(month), "typeform"),
        )
        for (month, segment), c in counts.items()
    ]


# --------------------------------------------------------------------------------------------
# feedback routing


def keyword_matches(text: str, keyword: str) -> bool:
    """Case-insensitive, on word boundaries (a neighbour that is not [A-Za-z0-9_] or the text's end)."""
    pattern = r"(?<![A-Za-z0-9_])" + re.escape(keyword) + r"(?![A-Za-z0-9_])"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def survey_area(text: str, keywords: list[tuple[str, str]]) -> str | None:
    for area in sorted({a for a, _ in keywords}):
        if any(keyword_matches(text, kw) for a, kw in keywords if a == area):
            return area
    return None


def ticket_area(tags: tuple[str, ...]) -> str | None:
    return next((tag[len("area:") :] for tag in tags if tag.startswith("area:") and len(tag) > len("area:")), None)


@dataclass(frozen=True)
class Item:
    day: date  # of ticket creation or response submission
    team: str | None  # None = unrouted
    resolved: bool

    @property
    def week(self) -> date:
        return week_of(self.day)


def feedback_items(
    tickets: list[Ticket],
    responses: list[tuple[str, dict[str, Any]]],
    teams_by_area: dict[str, str],
    keywords: list[tuple[str, str]],
) -> list[Item]:
    items = [Item(t.created, teams_by_area.get(ticket_area(t.tags) or ""), t.is_solved) for t in tickets]
    for _form_id, item in responses:
        submitted = parse_ts(item["submitted_at"])
        if submitted is None:
            continue
        for answer in item["answers"]:
            text = answer.get("text")
            if answer["field"].get("type") == "long_text" and isinstance(text, str) and text.strip():
                area = survey_area(text, keywords)
                items.append(Item(submitted.date(), teams_by_area.get(area or ""), False))
    return items


FEEDBACK_SOURCES = ("zendesk", "typeform")


def item_weeks(items: list[Item], marks: Watermarks = NO_WATERMARKS) -> list[date]:
    """First to last week with an item, or to the week of the last day complete for both sources."""
    if not items:
        return []
    last_complete = marks.last_complete_day(*FEEDBACK_SOURCES)
    weeks = [i.week for i in items] + ([week_of(last_complete)] if last_complete else [])
    return days_between(min(i.week for i in items), max(weeks), 7)


def feedback_by_team_weekly(items: list[Item], teams: set[str], marks: Watermarks = NO_WATERMARKS) -> list[Row]:
    return [
        (
            week,
            team,
            sum(1 for i in items if i.week == week and i.team == team),
            sum(1 for i in items if i.week == week and i.team == team and i.resolved),
            marks.complete(week_end(week), *FEEDBACK_SOURCES),
        )
        for week in item_weeks(items, marks)
        for team in sorted(teams)
    ]


def feedback_unrouted_weekly(items: list[Item], marks: Watermarks = NO_WATERMARKS) -> list[Row]:
    rows = []
    for week in item_weeks(items, marks):
        total = sum(1 for i in items if i.week == week)
        unrouted = sum(1 for i in items if i.week == week and i.team is None)
        complete = marks.complete(week_end(week), *FEEDBACK_SOURCES)
        rows.append((week, total, unrouted, unrouted / total if total else None, complete))
    return rows
