"""The HTML report and the text summary of the audited fixture days."""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser

import pytest

from insights.cli import cmd_audit
from insights.hygiene import AuditNotFoundError, audit_summary, render_report, run_audit
from insights.hygiene.report import SECTIONS
from insights.hygiene.report_data import last_loaded_day
from insights.settings import Settings

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
    # readable by Product Ops, not only by the pipeline's user
    for path in (audited.dirty.report_path, audited.clean.report_path, folder / "index.html"):
        assert path.stat().st_mode & 0o777 == 0o644, path
    # latest.html is the newest run's report (the dirty day was audited last)
    assert (folder / "latest.html").resolve() == audited.dirty.report_path.resolve()
    # the reports are linked: the index lists every dated report, each report links back to it
    index = (folder / "index.html").read_text()
    assert 'href="hygiene-2026-10-31.html"' in index and 'href="hygiene-2026-10-01.html"' in index
    assert index.index("hygiene-2026-10-31.html") < index.index("hygiene-2026-10-01.html")
    dirty = audited.dirty.report_path.read_text()
    assert 'href="index.html"' in dirty and 'href="../index.html"' in dirty
    assert 'href="hygiene-2026-10-01.html">Previous audit' in dirty


def test_report_is_self_contained_and_has_every_section(audited: AuditedWarehouse) -> None:
    html = _html(audited, DIRTY_DAY)
    collector = _Collector()
    collector.feed(html)
    assert collector.ids == [section_id for section_id, _ in SECTIONS]
    # no stylesheet, script or image to load from anywhere; links only to the neighbouring reports
    assert not [e for e in collector.external if "://" in e or " src=" in e], collector.external
    assert "script" not in collector.tags and "link" not in collector.tags and "img" not in collector.tags
    assert "<style>" in html
    charts = re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)
    assert len(charts) == 4  # findings by team, volume share, unplanned trend, tracker volume over time
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
    assert "size_mb&#34;" not in violations and "urgent" not in violations
    ledger = section("usage-ledger")
    assert "activated_users, activation_rate" in ledger and "billed_but_unused" in ledger
    assert "Every governed metric has an owner" in section("metric-findings")
    barometer = section("barometer")
    assert "60%" in barometer and "+1.50" in barometer  # H2 response rate, measurement's change
    history = section("history")
    assert "<td>2026-10-31</td>" in history
    volume_over_time = section("tracker-volume")
    assert "<svg" in volume_over_time and "task_created" in volume_over_time  # a line per busy tracker
    assert "Dead trackers (no event in the window): calendar_synced" in volume_over_time


def test_clean_day_report_says_clean(audited: AuditedWarehouse) -> None:
    html = _html(audited, CLEAN_DAY)
    assert "No finding for any team." in html
    assert "No dead tracker and no deprecated event still firing." in html
    assert "Every planned property of the window&#39;s events follows the plan." in html
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


def test_a_window_without_events_says_so_and_never_becomes_latest(
    audited: AuditedWarehouse, warehouse_copy: Callable[[], Settings]
) -> None:
    settings = warehouse_copy()
    folder = settings.reports_dir / "hygiene"
    render_report(settings, DIRTY_DAY)  # the copy's newest run with data
    empty_day = date(2027, 3, 1)  # far past the loaded events: an empty window
    path = run_audit(settings, empty_day).report_path
    html = path.read_text()
    assert 'class="empty"' in html and "No valid event was loaded in this window" in html
    # no green "clean" where nothing was checked; the metric definitions were checked (they need no event)
    assert re.findall(r'class="clean">([^<]*)', html) == [
        "Every governed metric has an owner and a description; none is duplicated or changed."]
    assert (folder / "latest.html").resolve().name == "hygiene-2026-10-31.html"
    text = audit_summary(settings, empty_day)
    assert "NO DATA" in text and "clean" not in text


def test_audit_with_no_date_audits_the_last_loaded_day(
    audited: AuditedWarehouse, warehouse_copy: Callable[[], Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = warehouse_copy()
    last = date(2026, 11, 1)  # fixture_world's last event (debug_click, the day after the dirty window)
    assert last_loaded_day(settings) == last  # not yesterday by the clock
    assert cmd_audit(argparse.Namespace(date=None), settings) == 0
    out = capsys.readouterr().out
    assert f"auditing the last loaded day, {last}" in out and "NO DATA" not in out
    assert (settings.reports_dir / "hygiene" / "latest.html").resolve().name == f"hygiene-{last}.html"
