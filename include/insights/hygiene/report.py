"""The hygiene report: one self-contained HTML file (inline CSS and SVG, no script, no network).

Written to `$INSIGHTS_HOME/reports/hygiene/hygiene-<reference day>.html` atomically, so a reader
never opens half a file; `latest.html` is a copy of the latest reference day's. Sections, each
with a stable id (SECTIONS): summary, findings by owner team, top event types by volume share,
daily trend of unplanned events, dead and deprecated trackers, property violations with example
payloads, unplanned events and naming violations, the usage ledger, the metric findings, the
product barometer, and the findings of every audited day.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

from insights.hygiene import svg
from insights.hygiene.report_data import ReportData, read_report_data
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
    ("trackers", "Dead and deprecated trackers"),
    ("property-violations", "Property violations"),
    ("unplanned-and-naming", "Unplanned events and naming violations"),
    ("usage-ledger", "Usage ledger: what each event type feeds"),
    ("metric-findings", "Metric findings"),
    ("barometer", "Product barometer"),
    ("history", "Findings per audited day"),
)
TOP_EVENT_TYPES = 15

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
.chart{background:#fff;border:1px solid #e5e7eb;padding:6px;overflow-x:auto}
details summary{cursor:pointer;color:#1d4ed8}details div{font-size:12px;color:#374151;margin-top:3px}
"""


def _badge(code: str) -> str:
    return f'<span class="badge" style="background:{COLOURS.get(code, "#374151")}">{escape(code)}</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """An HTML table; cells are already-escaped HTML; the `numeric` column indexes align right."""
    right = set(numeric)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in right else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def _clean(message: str) -> str:
    return f'<p class="clean">{escape(message)}</p>'


def _chart(svg_text: str) -> str:
    return f'<div class="chart">{svg_text}</div>'


def _pct(value: float) -> str:
    if value == 0:
        return "0%"
    return f"{100 * value:.1f}%" if value >= 0.001 else f"{100 * value:.2f}%"


def _listing(names: str | None, noun: str) -> str:
    """A comma-separated list, folded into a <details> element (no script needed) when long."""
    items = [n.strip() for n in (names or "").split(",") if n.strip()]
    if not items:
        return "-"
    if len(items) <= 2:
        return escape(", ".join(items))
    return f"<details><summary>{len(items)} {noun}</summary><div>{escape(', '.join(items))}</div></details>"


def _summary(data: ReportData) -> str:
    tracking, metrics = data.tracking_counts(), data.metric_counts()
    counts = [(c, tracking.get(c, 0)) for c in TRACKING_CODES] + [
        (c, metrics.get(c, 0)) for c in METRIC_CODES
    ]
    tiles = "".join(f'<div class="tile"><b>{n}</b><span>{escape(code)}</span></div>' for code, n in counts)
    events = sum(row.events_in_window for row in data.ledger)
    fired = sum(1 for row in data.ledger if row.events_in_window)
    return (
        _note(
            f"{sum(tracking.values())} tracking-plan finding(s) and {sum(metrics.values())} metric "
            f"finding(s); {events:,} valid events in the window, of {fired} event types."
        )
        + f'<div class="tiles">{tiles}</div>'
    )


def _by_team(data: ReportData) -> str:
    teams: dict[str, Counter[str]] = {}
    names: dict[str, set[str]] = {}
    for owner, code, name in [(f.owner, f.finding, f.event_type) for f in data.findings] + [
        (m.owner, m.finding, m.metric_name) for m in data.metric_findings
    ]:
        teams.setdefault(owner, Counter())[code] += 1
        names.setdefault(owner, set()).add(name)
    if not teams:
        return _clean("No finding for any team.")
    ordered = sorted(teams.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    codes = [c for c in (*TRACKING_CODES, *METRIC_CODES) if any(c in counts for _, counts in ordered)]
    chart = svg.stacked_bars(
        [(team, dict(counts)) for team, counts in ordered],
        [(c, COLOURS[c]) for c in codes],
        title="Findings by owner team",
    )
    rows = [
        [
            escape(team),
            str(sum(counts.values())),
            " ".join(
                f'<span style="white-space:nowrap">{_badge(c)}&nbsp;{counts[c]}</span>'
                for c in codes
                if counts.get(c)
            ),
            escape(", ".join(sorted(names[team]))),
        ]
        for team, counts in ordered
    ]
    return (
        _note(
            "Owner = the owning team of the event type in the tracking plan (unplanned events have none), "
            "or the metric's (or mart's) meta.owner."
        )
        + _chart(chart)
        + _table(["team", "findings", "by code", "event types and metrics concerned"], rows, numeric=(1,))
    )


def _volume(data: ReportData) -> str:
    fired = [row for row in data.ledger if row.events_in_window > 0]
    if not fired:
        return _clean("No valid event in the window.")
    top = sorted(fired, key=lambda r: (-r.volume_share, r.event_type))[:TOP_EVENT_TYPES]
    chart = svg.horizontal_bars(
        [(r.event_type, r.volume_share, STATUS_COLOURS.get(r.plan_status, "#374151")) for r in top],
        title="Top event types by share of the window's events",
        value_text=_pct,
    )
    legend = " ".join(
        f'<span class="badge" style="background:{colour}">{escape(status)}</span>'
        for status, colour in STATUS_COLOURS.items()
    )
    rows = [
        [
            escape(r.event_type),
            escape(r.plan_status),
            escape(r.owner or "-"),
            f"{r.events_in_window:,}",
            _pct(r.volume_share),
            _badge("billed_but_unused") if r.is_billed_but_unused else "",
        ]
        for r in top
    ]
    return (
        _note(
            f"Each event type's share of all valid events of the window (what the analytics bill is made "
            f"of); top {len(top)} of {len(fired)}. Colour = plan status: {legend}"
        )
        + _chart(chart)
        + _table(["event type", "plan status", "owner", "events", "share", ""], rows, numeric=(3, 4))
    )


def _trend(data: ReportData) -> str:
    if not data.daily:
        return _clean("No valid event in the window.")
    total = sum(d.unplanned_events for d in data.daily)
    chart = svg.daily_columns(
        [(d.event_date.strftime("%m-%d"), d.unplanned_events) for d in data.daily],
        title="Unplanned events per day",
    )
    first, last = data.daily[0].event_date, data.daily[-1].event_date
    return _note(
        f"Valid events per day whose type is not in the tracking plan, {first} to {last}: {total:,} in all."
    ) + _chart(chart)


def _trackers(data: ReportData) -> str:
    wanted = [f for f in data.findings if f.finding in ("dead_tracker", "deprecated_but_firing")]
    if not wanted:
        return _clean("No dead tracker and no deprecated event still firing.")
    rows = [
        [escape(f.event_type), _badge(f.finding), escape(f.owner), str(f.events_in_window), escape(f.detail)]
        for f in wanted
    ]
    return _table(["event type", "finding", "owner", "events in window", "detail"], rows, numeric=(3,))


def _violations(data: ReportData) -> str:
    if not data.violations:
        return _clean("Every planned property of the window's events follows the plan.")
    rows = [
        [
            escape(v.event_type),
            f"<code>{escape(v.property_name)}</code>",
            escape(v.property_type),
            escape(v.violation),
            f"{v.violating_events:,}",
            escape(v.example_value_type or "-"),
            f"<code>{escape(v.example_event_uuid or '-')}</code>",
        ]
        for v in data.violations
    ]
    return _note(
        "missing_required: absent or null; wrong_type: not the planned JSON type (a boolean is not a number, "
        '"3" is not an integer); not_allowed: outside the allowed values of the plan. Sent as = the JSON type '
        "of one violating event's value (absent: not sent); the value itself is never copied, as properties "
        "may hold personal data. Look the example event up by its uuid in the warehouse "
        "(intermediate.int_events__deduplicated) or in Amplitude."
    ) + _table(
        ["event type", "property", "planned type", "violation", "events", "sent as", "example event (uuid)"],
        rows, (4,),
    )


def _unplanned_and_naming(data: ReportData) -> str:
    wanted = [f for f in data.findings if f.finding in ("unplanned_event", "naming_violation")]
    if not wanted:
        return _clean("Every event type of the window is planned and well named.")
    rows = [
        [escape(f.event_type), _badge(f.finding), str(f.events_in_window), escape(f.detail)] for f in wanted
    ]
    return _table(["event type", "finding", "events in window", "detail"], rows, numeric=(2,))


def _ledger(data: ReportData) -> str:
    rows = [
        [
            escape(r.event_type) + (" " + _badge("billed_but_unused") if r.is_billed_but_unused else ""),
            escape(r.plan_status),
            f"{r.events_in_window:,}",
            _pct(r.volume_share),
            escape(r.usage_channels or "-"),
            _listing(r.feeding_models, "models"),
            _listing(r.feeding_metrics, "metrics"),
        ]
        for r in data.ledger
    ]
    unused = [r for r in data.ledger if r.is_billed_but_unused]
    return _note(
        f"{len(unused)} event type(s) with volume feed no governed model or metric: "
        f"{_pct(sum(r.volume_share for r in unused))} of the window's events are billed but unused. "
        "An event type is used when it feeds a channel by its type: a counts_as_active event makes its "
        "user active, the activation event decides activation, any plan event counts for its feature. "
        "Going through "
        "deduplication, identity stitching or first-seen dates, as every event does, is not a use."
    ) + _table(
        ["event type", "plan status", "events", "share", "channels", "dbt models", "metrics"], rows, (2, 3)
    )


def _metrics(data: ReportData) -> str:
    if data.metric_snapshot_date:
        note = _note(f"From the dbt project as recorded by the audit of {data.metric_snapshot_date}.")
    else:
        note = _note("No metric definitions recorded yet (they are recorded by the audit run).")
    if not data.metric_findings:
        return note + _clean(
            "Every governed metric has an owner and a description; none is duplicated or changed."
        )
    rows = [
        [escape(m.metric_name), _badge(m.finding), escape(m.owner), escape(m.detail)]
        for m in data.metric_findings
    ]
    return note + _table(["metric (or mart)", "finding", "owner", "detail"], rows)


def _optional(value: float | None, template: str) -> str:
    return template.format(value) if value is not None else "-"


def _barometer(data: ReportData) -> str:
    if not data.barometer_editions:
        return _clean("No barometer edition in the warehouse.")
    editions = _table(
        ["edition", "invited PMs", "respondents", "response rate"],
        [
            [escape(e.edition), str(e.invited_pms), str(e.respondents), _optional(e.response_rate, "{:.0%}")]
            for e in data.barometer_editions
        ],
        numeric=(1, 2, 3),
    )
    themes = _table(
        ["edition", "theme", "responses", "average score (1-5)", "change since previous edition"],
        [
            [
                escape(t.edition),
                escape(t.theme),
                str(t.responses),
                _optional(t.average_score, "{:.2f}"),
                _optional(t.change_since_previous_edition, "{:+.2f}"),
            ]
            for t in data.barometer_themes
        ],
        numeric=(2, 3, 4),
    )
    return editions + "<p></p>" + themes


def _history(data: ReportData) -> str:
    days = sorted({day for day, _, _ in data.history})
    if not days:
        return _clean("No finding on any audited day up to this one.")
    codes = [c for c in TRACKING_CODES if any(code == c for _, code, _ in data.history)]
    counts = {(day, code): n for day, code, n in data.history}
    rows = [[str(day), *(str(counts.get((day, c), 0)) for c in codes)] for day in days]
    return _table(["reference day", *codes], rows, numeric=range(1, len(codes) + 1))


BUILDERS = {
    "summary": _summary,
    "findings-by-team": _by_team,
    "volume-share": _volume,
    "unplanned-trend": _trend,
    "trackers": _trackers,
    "property-violations": _violations,
    "unplanned-and-naming": _unplanned_and_naming,
    "usage-ledger": _ledger,
    "metric-findings": _metrics,
    "barometer": _barometer,
    "history": _history,
}


def render_html(data: ReportData, generated_at: datetime | None = None) -> str:
    """The report as one HTML document."""
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#{sid}">{escape(title)}</a>' for sid, title in SECTIONS)
    body = "".join(
        f'<section id="{sid}"><h2>{escape(title)}</h2>{BUILDERS[sid](data)}</section>'
        for sid, title in SECTIONS
    )
    title = f"Tracking and metric hygiene {data.reference_day}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
        "<body><main><h1>Tracking and metric hygiene</h1>"
        f'<p class="meta">Reference day <b>{data.reference_day}</b>, window {data.window_start} to '
        f"{data.reference_day} ({data.window_days} days) &middot; generated {generated}</p>"
        f"<nav>{nav}</nav>{body}</main></body></html>\n"
    )


def report_path(settings: Settings, reference_day: date) -> Path:
    return settings.reports_dir / "hygiene" / f"hygiene-{reference_day.isoformat()}.html"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_report(settings: Settings, reference_day: date, *, target: str = "duckdb") -> Path:
    """Write the report of an audited reference day; returns its path.

    latest.html is a copy of the report of the latest reference day rendered so far (rendering an
    older day, e.g. in a backfill, leaves it alone).
    """
    html = render_html(read_report_data(settings, reference_day, target))
    path = report_path(settings, reference_day)
    _write_atomically(path, html)
    if path.name == max(p.name for p in path.parent.glob("hygiene-*.html")):
        latest = path.parent / "latest.html"
        tmp = latest.with_name(".latest.html.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, latest)
    return path
