"""The hygiene report: one self-contained HTML file (inline CSS and SVG, no script, no network),
rendered from the Jinja2 template insights/templates/hygiene_report.html.

Written to `$INSIGHTS_HOME/reports/hygiene/hygiene-<reference day>.html` atomically and mode 0644,
so a reader never opens half a file and Product Ops can read it; `latest.html` is the newest audit
run's, `index.html` lists them all. Sections, each with a stable id (SECTIONS): summary, findings by
owner team, top event types by volume share, daily trend of unplanned events, tracker volume over
time, dead and deprecated trackers, property violations with example payloads, unplanned events and
naming violations, the usage ledger, the metric findings, the product barometer, and the findings of
every audited day. A window without any valid event says so at the top and in each section, in
amber, never with the green "clean" of a checked window.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
from markupsafe import Markup

from insights.hygiene import svg
from insights.hygiene.report_data import ReportData, read_report_data
from insights.reports.charts import to_svg
from insights.reports.rendering import render, write_report
from insights.settings import Settings

TRACKING_CODES = (
    "unplanned_event",
    "dead_tracker",
    "deprecated_but_firing",
    "property_violation",
    "naming_violation",
    "billed_but_unused",
)
METRIC_CODES = (
    "missing_owner",
    "missing_description",
    "duplicate_definition",
    "needs_recertification",
    "active_user_outside_shared_model",
)
COLOURS = {
    "unplanned_event": "#dc2626",
    "dead_tracker": "#6b7280",
    "deprecated_but_firing": "#d97706",
    "property_violation": "#7c3aed",
    "naming_violation": "#db2777",
    "billed_but_unused": "#0891b2",
    "missing_owner": "#2563eb",
    "missing_description": "#60a5fa",
    "duplicate_definition": "#16a34a",
    "needs_recertification": "#ca8a04",
    "active_user_outside_shared_model": "#991b1b",
}
STATUS_COLOURS = {"active": "#2563eb", "deprecated": "#d97706", "planned": "#16a34a", "unplanned": "#dc2626"}
SECTIONS = (
    ("summary", "Summary"),
    ("findings-by-team", "Findings by owner team"),
    ("volume-share", "Top event types by volume share"),
    ("unplanned-trend", "Daily trend of unplanned events"),
    ("tracker-volume", "Tracker volume over time"),
    ("trackers", "Dead and deprecated trackers"),
    ("property-violations", "Property violations"),
    ("unplanned-and-naming", "Unplanned events and naming violations"),
    ("usage-ledger", "Usage ledger: what each event type feeds"),
    ("metric-findings", "Metric findings"),
    ("barometer", "Product barometer"),
    ("history", "Findings per audited day"),
)
TOP_EVENT_TYPES = 15
TRACKER_LINES = 8  # event types drawn one by one in the volume-over-time chart; the rest sum up as "other"

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#111827;margin:0;background:#f9fafb}
main{max-width:1000px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:34px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
p.meta{color:#4b5563;margin:0 0 16px}p.note{color:#4b5563;font-size:13px;margin:4px 0 10px}
nav{font-size:13px;margin:10px 0 0}nav a{color:#1d4ed8;margin-right:12px;text-decoration:none}
table{border-collapse:collapse;width:100%;font-size:13px;background:#fff}
th,td{border:1px solid #e5e7eb;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{margin:0;white-space:pre-wrap;word-break:break-all;background:#f3f4f6;padding:4px 6px;border-radius:3px}
.tiles{display:flex;flex-wrap:wrap;gap:10px}
.tile{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;min-width:120px}
.tile b{display:block;font-size:22px}.tile span{font-size:12px;color:#4b5563}
.badge{display:inline-block;padding:1px 6px;border-radius:9px;color:#fff;font-size:11px;white-space:nowrap}
.clean{color:#15803d;font-weight:600}
.empty{color:#92400e;background:#fffbeb;border:1px solid #f59e0b;border-radius:6px;padding:6px 10px;font-weight:600}
nav.reports{margin:0 0 8px}
.chart{background:#fff;border:1px solid #e5e7eb;padding:6px;overflow-x:auto}
details summary{cursor:pointer;color:#1d4ed8}details div{font-size:12px;color:#374151;margin-top:3px}
"""


@dataclass(frozen=True)
class Cell:
    """A table cell the template draws specially (a badge, code, a payload, a folded list...)."""

    kind: str
    value: Any
    extra: Any = None


Block = dict[str, Any]  # {"kind": note | clean | empty | tiles | chart | table | spacer, ...}


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Iterable[int] = ()) -> Block:
    return {"kind": "table", "headers": list(headers), "rows": [list(r) for r in rows], "numeric": set(numeric)}


def _note(text: str, legend: Sequence[tuple[str, str]] = ()) -> Block:
    return {"kind": "note", "text": text, "legend": list(legend)}


def _clean(message: str) -> Block:
    return {"kind": "clean", "text": message}


def _empty(message: str) -> Block:
    """Nothing to judge (no data in the window): said plainly, never in the green of a clean result."""
    return {"kind": "empty", "text": message}


def _chart(svg_text: str) -> Block:
    return {"kind": "chart", "svg": Markup(svg_text)}  # drawn by svg.py / vl-convert, escaped there


def _pct(value: float) -> str:
    if value == 0:
        return "0%"
    return f"{100 * value:.1f}%" if value >= 0.001 else f"{100 * value:.2f}%"


def _listing(names: str | None, noun: str) -> Cell:
    """A comma-separated list; the template folds it into a <details> element (no script) when long."""
    return Cell("listing", [n.strip() for n in (names or "").split(",") if n.strip()], noun)


def has_events(data: ReportData) -> bool:
    return any(row.events_in_window for row in data.ledger)


def _summary(data: ReportData) -> list[Block]:
    tracking, metrics = data.tracking_counts(), data.metric_counts()
    counts = [(c, tracking.get(c, 0)) for c in TRACKING_CODES] + [(c, metrics.get(c, 0)) for c in METRIC_CODES]
    events = sum(row.events_in_window for row in data.ledger)
    fired = sum(1 for row in data.ledger if row.events_in_window)
    blocks = [_note(f"{sum(tracking.values())} tracking-plan finding(s) and {sum(metrics.values())} metric "
                    f"finding(s); {events:,} valid events in the window, of {fired} event types."),
              {"kind": "tiles", "tiles": counts}]
    if not events:
        blocks.insert(0, _empty(f"No valid event in the window {data.window_start} to {data.reference_day}: "
                                "the tracking plan was not checked against anything."))
    return blocks


def _by_team(data: ReportData) -> list[Block]:
    teams: dict[str, Counter[str]] = {}
    names: dict[str, set[str]] = {}
    for owner, code, name in [(f.owner, f.finding, f.event_type) for f in data.findings] + [
        (m.owner, m.finding, m.metric_name) for m in data.metric_findings
    ]:
        teams.setdefault(owner, Counter())[code] += 1
        names.setdefault(owner, set()).add(name)
    if not teams:
        return [_clean("No finding for any team.") if has_events(data)
                else _empty("No finding, but no valid event in the window either: nothing was checked.")]
    ordered = sorted(teams.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    codes = [c for c in (*TRACKING_CODES, *METRIC_CODES) if any(c in counts for _, counts in ordered)]
    chart = svg.stacked_bars(
        [(team, dict(counts)) for team, counts in ordered],
        [(c, COLOURS[c]) for c in codes],
        title="Findings by owner team",
    )
    rows = [
        [team, str(sum(counts.values())), Cell("badges", [(c, counts[c]) for c in codes if counts.get(c)]),
         ", ".join(sorted(names[team]))]
        for team, counts in ordered
    ]
    return [
        _note("Owner = the owning team of the event type in the tracking plan (unplanned events have none), "
              "or the metric's (or mart's) meta.owner."),
        _chart(chart),
        _table(["team", "findings", "by code", "event types and metrics concerned"], rows, numeric=(1,)),
    ]


def _volume(data: ReportData) -> list[Block]:
    fired = [row for row in data.ledger if row.events_in_window > 0]
    if not fired:
        return [_empty("No valid event in the window.")]
    top = sorted(fired, key=lambda r: (-r.volume_share, r.event_type))[:TOP_EVENT_TYPES]
    chart = svg.horizontal_bars(
        [(r.event_type, r.volume_share, STATUS_COLOURS.get(r.plan_status, "#374151")) for r in top],
        title="Top event types by share of the window's events",
        value_text=_pct,
    )
    rows = [
        [r.event_type, r.plan_status, r.owner or "-", f"{r.events_in_window:,}", _pct(r.volume_share),
         Cell("badge", "billed_but_unused") if r.is_billed_but_unused else ""]
        for r in top
    ]
    return [
        _note(f"Each event type's share of all valid events of the window (what the analytics bill is made "
              f"of); top {len(top)} of {len(fired)}. Colour = plan status:", legend=list(STATUS_COLOURS.items())),
        _chart(chart),
        _table(["event type", "plan status", "owner", "events", "share", ""], rows, numeric=(3, 4)),
    ]


def _trend(data: ReportData) -> list[Block]:
    if not data.daily:
        return [_empty("No valid event in the window.")]
    total = sum(d.unplanned_events for d in data.daily)
    chart = svg.daily_columns(
        [(d.event_date.strftime("%m-%d"), d.unplanned_events) for d in data.daily],
        title="Unplanned events per day",
    )
    first, last = data.daily[0].event_date, data.daily[-1].event_date
    return [_note(f"Valid events per day whose type is not in the tracking plan, {first} to {last}: "
                  f"{total:,} in all."), _chart(chart)]


def _tracker_volume(data: ReportData) -> list[Block]:
    """Each tracker's (event type's) daily volume over the window: the top ones, the rest as other."""
    if not data.volume_by_type:
        return [_empty("No valid event in the window.")]
    totals: Counter[str] = Counter()
    for _, event_type, _, events in data.volume_by_type:
        totals[event_type] += events
    top = [name for name, _ in totals.most_common(TRACKER_LINES)]
    rows: Counter[tuple[date, str]] = Counter()
    for day, event_type, planned, events in data.volume_by_type:
        label = event_type if event_type in top else "other event types"
        rows[(day, label if planned or label == "other event types" else f"{label} (unplanned)")] += events
    frame = pd.DataFrame([{"day": pd.Timestamp(day), "tracker": name, "events": n} for (day, name), n in rows.items()])
    chart = alt.Chart(frame, width=700, height=260, title="Valid events per day by event type").mark_line(
        point=True, strokeWidth=1.6).encode(
        x=alt.X("day:T", title=None, axis=alt.Axis(format="%m-%d")),
        y=alt.Y("events:Q", title="events"),
        color=alt.Color("tracker:N", title=None, sort=[*top, "other event types"], legend=alt.Legend(labelLimit=240)),
    )
    dead = sorted(f.event_type for f in data.findings if f.finding == "dead_tracker")
    return [
        _note(f"The {len(top)} busiest event types of the window, day by day ({sum(totals.values()):,} valid "
              "events in all); a drop to zero is a tracker that stopped firing, a new line an event type that "
              "started. " + (f"Dead trackers (no event in the window): {', '.join(dead)}." if dead else "")),
        _chart(to_svg(chart)),
    ]


def _trackers(data: ReportData) -> list[Block]:
    wanted = [f for f in data.findings if f.finding in ("dead_tracker", "deprecated_but_firing")]
    if not wanted:
        return [_clean("No dead tracker and no deprecated event still firing.") if has_events(data)
                else _empty("No valid event in the window: every planned tracker looks dead, none was checked.")]
    rows = [[f.event_type, Cell("badge", f.finding), f.owner, str(f.events_in_window), f.detail] for f in wanted]
    return [_table(["event type", "finding", "owner", "events in window", "detail"], rows, numeric=(3,))]


def _violations(data: ReportData) -> list[Block]:
    if not data.violations:
        if not has_events(data):
            return [_empty("No valid event in the window: no property was checked.")]
        return [_clean("Every planned property of the window's events follows the plan.")]
    rows = [
        [v.event_type, Cell("code", v.property_name), v.property_type, v.violation, f"{v.violating_events:,}",
         v.example_value_type or "-", Cell("code", v.example_event_uuid or "-")]
        for v in data.violations
    ]
    return [
        _note("missing_required: absent or null; wrong_type: not the planned JSON type (a boolean is not a number, "
              '"3" is not an integer); not_allowed: outside the allowed values of the plan. Sent as = the JSON type '
              "of one violating event's value (absent: not sent); the value itself is never copied, as properties "
              "may hold personal data. Look the example event up by its uuid in the warehouse "
              "(intermediate.int_events__deduplicated) or in Amplitude."),
        _table(["event type", "property", "planned type", "violation", "events", "sent as", "example event (uuid)"],
               rows, (4,)),
    ]


def _unplanned_and_naming(data: ReportData) -> list[Block]:
    wanted = [f for f in data.findings if f.finding in ("unplanned_event", "naming_violation")]
    if not wanted:
        return [_clean("Every event type of the window is planned and well named.") if has_events(data)
                else _empty("No valid event in the window: no event type was checked.")]
    rows = [[f.event_type, Cell("badge", f.finding), str(f.events_in_window), f.detail] for f in wanted]
    return [_table(["event type", "finding", "events in window", "detail"], rows, numeric=(2,))]


def _ledger(data: ReportData) -> list[Block]:
    rows = [
        [Cell("text_badge", r.event_type, "billed_but_unused" if r.is_billed_but_unused else None), r.plan_status,
         f"{r.events_in_window:,}", _pct(r.volume_share), r.usage_channels or "-",
         _listing(r.feeding_models, "models"), _listing(r.feeding_metrics, "metrics")]
        for r in data.ledger
    ]
    unused = [r for r in data.ledger if r.is_billed_but_unused]
    return [
        _note(f"{len(unused)} event type(s) with volume feed no governed model or metric: "
              f"{_pct(sum(r.volume_share for r in unused))} of the window's events are billed but unused. "
              "An event type is used when it feeds a channel by its type: a counts_as_active event makes its "
              "user active, the activation event decides activation, any plan event counts for its feature. "
              "Going through deduplication, identity stitching or first-seen dates, as every event does, is not "
              "a use."),
        _table(["event type", "plan status", "events", "share", "channels", "dbt models", "metrics"], rows, (2, 3)),
    ]


def _metrics(data: ReportData) -> list[Block]:
    if data.metric_snapshot_date:
        note = _note(f"From the dbt project as recorded by the audit of {data.metric_snapshot_date}.")
    else:
        note = _note("No metric definitions recorded yet (they are recorded by the audit run).")
    if not data.metric_findings:
        return [note, _clean("Every governed metric has an owner and a description; none is duplicated or changed.")]
    rows = [[m.metric_name, Cell("badge", m.finding), m.owner, m.detail] for m in data.metric_findings]
    return [note, _table(["metric (or mart)", "finding", "owner", "detail"], rows)]


def _optional(value: float | None, template: str) -> str:
    return template.format(value) if value is not None else "-"


def _barometer(data: ReportData) -> list[Block]:
    if not data.barometer_editions:
        return [_empty("No barometer edition in the warehouse.")]
    editions = _table(
        ["edition", "invited PMs", "respondents", "response rate"],
        [[e.edition, str(e.invited_pms), str(e.respondents), _optional(e.response_rate, "{:.0%}")]
         for e in data.barometer_editions],
        numeric=(1, 2, 3),
    )
    themes = _table(
        ["edition", "theme", "responses", "average score (1-5)", "change since previous edition"],
        [[t.edition, t.theme, str(t.responses), _optional(t.average_score, "{:.2f}"),
          _optional(t.change_since_previous_edition, "{:+.2f}")] for t in data.barometer_themes],
        numeric=(2, 3, 4),
    )
    return [editions, {"kind": "spacer"}, themes]


def _history(data: ReportData) -> list[Block]:
    days = sorted({day for day, _, _ in data.history})
    if not days:
        return [_clean("No finding on any audited day up to this one.") if has_events(data)
                else _empty("No finding on any audited day up to this one, and no valid event in this window.")]
    codes = [c for c in TRACKING_CODES if any(code == c for _, code, _ in data.history)]
    counts = {(day, code): n for day, code, n in data.history}
    rows = [[str(day), *(str(counts.get((day, c), 0)) for c in codes)] for day in days]
    return [_table(["reference day", *codes], rows, numeric=range(1, len(codes) + 1))]


BUILDERS = {
    "summary": _summary,
    "findings-by-team": _by_team,
    "volume-share": _volume,
    "unplanned-trend": _trend,
    "tracker-volume": _tracker_volume,
    "trackers": _trackers,
    "property-violations": _violations,
    "unplanned-and-naming": _unplanned_and_naming,
    "usage-ledger": _ledger,
    "metric-findings": _metrics,
    "barometer": _barometer,
    "history": _history,
}


def render_html(data: ReportData, generated_at: datetime | None = None, previous: str | None = None) -> str:
    """The report as one HTML document (template hygiene_report.html)."""
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return render("hygiene_report.html", data=data, generated=generated, css=Markup(CSS), sections=SECTIONS,
                  blocks={sid: BUILDERS[sid](data) for sid, _ in SECTIONS}, colours=COLOURS,
                  empty_window=not has_events(data), previous=previous) + "\n"


def report_path(settings: Settings, reference_day: date) -> Path:
    return settings.reports_dir / "hygiene" / f"hygiene-{reference_day.isoformat()}.html"


def _dated_reports(folder: Path) -> list[Path]:
    return sorted(folder.glob("hygiene-*.html"))


def render_index(folder: Path) -> Path:
    """hygiene/index.html: every dated report, newest reference day first."""
    reports = [(p.stem.removeprefix("hygiene-"), p.name) for p in reversed(_dated_reports(folder))]
    latest = folder / "latest.html"
    newest = latest.resolve().name if latest.is_symlink() else None
    return write_report(folder / "index.html", render("hygiene_index.html", reports=reports, latest=newest,
                                                      nav=[("All reports", "../index.html")]))


def render_report(settings: Settings, reference_day: date, *, target: str = "duckdb") -> Path:
    """Write the report of an audited reference day (mode 0644); returns its path.

    latest.html points at the newest audit run's report (a link, so it names its day), unless that run's
    window held no valid event: such a report says so plainly and never replaces a report that has data.
    hygiene/index.html lists every dated report; each report links to it and to reports/index.html.
    """
    data = read_report_data(settings, reference_day, target)
    path = report_path(settings, reference_day)
    earlier = [p.name for p in _dated_reports(path.parent) if p.name < path.name]
    write_report(path, render_html(data, previous=earlier[-1] if earlier else None))
    latest = path.parent / "latest.html"
    if has_events(data) or not (latest.exists() or latest.is_symlink()):
        link = path.parent / ".latest.html.tmp"
        link.unlink(missing_ok=True)
        link.symlink_to(path.name)
        os.replace(link, latest)
    render_index(path.parent)
    return path
