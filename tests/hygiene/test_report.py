"""The HTML report and the text summary of the audited fixture days."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser

import pytest

from insights.hygiene import AuditNotFoundError, audit_summary, render_report
from insights.hygiene.report import SECTIONS

from .conftest import AuditedWarehouse
from .fixture_world import CLEAN_DAY, DIRTY_DAY

pytestmark = pytest.mark.slow


class _Collector(HTMLParser):
    """Section ids, and every attribute that could load something from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.ids.append(values["id"] or "")
        for name in ("src", "href"):
            value = values.get(name) or ""
            if value and not value.startswith("#"):
                self.external.append(f"{tag} {name}={value}")


def _html(audited: AuditedWarehouse, day: date) -> str:
    path = audited.dirty.report_path if day == DIRTY_DAY else audited.clean.report_path
    return path.read_text(encoding="utf-8")


def test_report_files_are_written_under_reports_hygiene(audited: AuditedWarehouse) -> None:
    folder = audited.settings.home / "reports" / "hygiene"
    assert audited.dirty.report_path == folder / "hygiene-2026-10-31.html"
    assert audited.clean.report_path == folder / "hygiene-2026-10-01.html"
    # latest.html is the report of the latest audited day, also when an older day is rendered after it
    render_report(audited.settings, CLEAN_DAY)
    assert (folder / "latest.html").read_text() == audited.dirty.report_path.read_text()


def test_report_is_self_contained_and_has_every_section(audited: AuditedWarehouse) -> None:
    html = _html(audited, DIRTY_DAY)
    collector = _Collector()
    collector.feed(html)
    assert collector.ids == [section_id for section_id, _ in SECTIONS]
    assert collector.external == []  # no stylesheet, script, image or link to load from anywhere
    assert "script" not in collector.tags and "link" not in collector.tags and "img" not in collector.tags
    assert "<style>" in html
    charts = re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)
    assert len(charts) == 3  # findings by team, volume share, unplanned trend
    for chart in charts:
        ET.fromstring(chart)  # each inline chart is well-formed SVG


def test_report_sections_show_the_findings(audited: AuditedWarehouse) -> None:
    html = _html(audited, DIRTY_DAY)

    def section(section_id: str) -> str:
        start = html.index(f'<section id="{section_id}">')
        return html[start : html.index("</section>", start)]

    by_team = section("findings-by-team")
    # debug_click, Export Clicked, tooltipShown: 3 unplanned + 2 naming + 3 billed, no owner
    assert '<td>(unplanned: no owner)</td><td class="num">8</td>' in by_team
    assert "<td>Export Clicked, debug_click, tooltipShown</td>" in by_team
    # task_created and comment_added violations
    assert '<td>collab</td><td class="num">2</td>' in by_team
    assert "<td>comment_added, task_created</td>" in by_team
    volume = section("volume-share")
    assert volume.index("task_created") < volume.index("comment_added")  # 5 events before 3
    assert "18.5%" in volume  # 5 of 27
    trend = section("unplanned-trend")
    assert "5 in all" in trend  # 3 debug_click + Export Clicked + tooltipShown
    trackers = section("trackers")
    assert "calendar_synced" in trackers and "legacy_export_clicked" in trackers
    violations = section("property-violations")
    # the example's value type and uuid, never its payload (properties may hold personal data)
    assert "<td>boolean</td>" in violations and "<td>null</td>" in violations and "<td>absent</td>" in violations
    assert "size_mb&quot;" not in violations and "urgent" not in violations
    ledger = section("usage-ledger")
    assert "activated_users, activation_rate" in ledger and "billed_but_unused" in ledger
    assert "Every governed metric has an owner" in section("metric-findings")
    barometer = section("barometer")
    assert "60%" in barometer and "+1.50" in barometer  # H2 response rate, measurement's change
    history = section("history")
    assert "<td>2026-10-31</td>" in history


def test_clean_day_report_says_clean(audited: AuditedWarehouse) -> None:
    html = _html(audited, CLEAN_DAY)
    assert "No finding for any team." in html
    assert "No dead tracker and no deprecated event still firing." in html
    assert "Every planned property of the window&#x27;s events follows the plan." in html
    assert "Every event type of the window is planned and well named." in html


def test_summary_text(audited: AuditedWarehouse) -> None:
    text = audit_summary(audited.settings, DIRTY_DAY)
    lines = text.splitlines()
    assert lines[0] == "Hygiene audit of 2026-10-31 (window 2026-10-02 to 2026-10-31, 30 days)"
    assert "  tracking plan: 14 finding(s)" in lines
    assert "    unplanned_event: 3 (debug_click, Export Clicked, tooltipShown)" in lines
    assert "    property_violation: 4 (task_created, comment_added, file_uploaded, invite_sent)" in lines
    assert "  volume: 27 valid events; 18.52% billed but unused" in lines  # 5 of 27
    assert "  metrics: 0 finding(s) (definitions recorded 2026-10-31)" in lines
    clean = audit_summary(audited.settings, CLEAN_DAY)
    assert clean.endswith("  clean: no finding")
    assert "tracking plan: 0 finding(s)" in clean


def test_a_day_never_audited_is_a_clear_error(audited: AuditedWarehouse) -> None:
    with pytest.raises(
        AuditNotFoundError, match=r"no audit of reference day 2026-10-15 .*audited days: .*2026-10-31"
    ):
        audit_summary(audited.settings, date(2026, 10, 15))
