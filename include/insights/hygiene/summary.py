"""A plain-text summary of an audited reference day (what `insights audit` prints)."""

from __future__ import annotations

from datetime import date

from insights.hygiene.report import METRIC_CODES, TRACKING_CODES
from insights.hygiene.report_data import ReportData, read_report_data
from insights.settings import Settings

MAX_LISTED = 5


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def summary_text(data: ReportData) -> str:
    tracking, metrics = data.tracking_counts(), data.metric_counts()
    lines = [
        f"Hygiene audit of {data.reference_day} (window {data.window_start} to {data.reference_day}, "
        f"{data.window_days} days)",
        f"  tracking plan: {sum(tracking.values())} finding(s)",
    ]
    for code in TRACKING_CODES:
        names = [f.event_type for f in data.findings if f.finding == code]
        if names:
            lines.append(f"    {code}: {len(names)} ({_listed(names)})")
    unused_share = sum(r.volume_share for r in data.ledger if r.is_billed_but_unused)
    events = sum(r.events_in_window for r in data.ledger)
    lines.append(f"  volume: {events:,} valid events; {100 * unused_share:.2f}% billed but unused")
    top = sorted((r for r in data.ledger if r.events_in_window), key=lambda r: -r.volume_share)[:3]
    if top:
        lines.append("    top: " + ", ".join(f"{r.event_type} {100 * r.volume_share:.1f}%" for r in top))
    snapshot = f"recorded {data.metric_snapshot_date}" if data.metric_snapshot_date else "none recorded yet"
    lines.append(f"  metrics: {sum(metrics.values())} finding(s) (definitions {snapshot})")
    for code in METRIC_CODES:
        names = [m.metric_name for m in data.metric_findings if m.finding == code]
        if names:
            lines.append(f"    {code}: {len(names)} ({_listed(names)})")
    if not events:
        # Nothing was checked: an empty window is not a clean one.
        lines.insert(1, "  NO DATA: no valid event was loaded in this window; nothing was audited "
                        "(audit a loaded day: `insights audit` with no date takes the last one)")
    elif not tracking and not metrics:
        lines.append("  clean: no finding")
    return "\n".join(lines)


def audit_summary(settings: Settings, reference_day: date, *, target: str = "duckdb") -> str:
    """Plain-text summary of the audit of `reference_day` read from the warehouse."""
    return summary_text(read_report_data(settings, reference_day, target))
