"""reports/index.html: one page linking every report of the data folder, saying which is missing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from insights.reports.rendering import render, write_report
from insights.settings import Settings

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportLink:
    title: str
    href: str  # relative to reports/
    audience: str
    description: str
    how: str  # how to build it when missing
    exists: bool = False
    updated: str | None = None


REPORTS = (
    ReportLink("KPI overview", "overview/index.html", "PMs",
               "Trends and curves of the headline KPIs, each linked to its definition.", "insights report"),
    ReportLink("KPI catalog", "catalog/index.html", "PMs, analysts",
               "Every governed metric: definition, owner, grain, table and a query.", "insights publish"),
    ReportLink("Hygiene report (newest audit)", "hygiene/latest.html", "Product Ops",
               "Tracking-plan and metric findings, tracker volume, the usage ledger.", "insights audit"),
    ReportLink("Every hygiene report", "hygiene/index.html", "Product Ops", "One report per audited day.",
               "insights audit"),
    ReportLink("Data Docs", "data_docs/index.html", "Data team",
               "The quality gate's validation results and expectation suites.", "insights gate"),
)


def _updated(path: Path) -> str | None:
    if not path.exists():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")


def build_index(settings: Settings) -> Path:
    folder = settings.reports_dir
    links = [ReportLink(**{**r.__dict__, "exists": (folder / r.href).exists(), "updated": _updated(folder / r.href)})
             for r in REPORTS]
    hygiene = [(p.stem.removeprefix("hygiene-"), f"hygiene/{p.name}")
               for p in sorted((folder / "hygiene").glob("hygiene-*.html"), reverse=True)]
    screenshots = [(p.stem, f"bi/{p.name}") for p in sorted((folder / "bi").glob("*.png"))]
    page = render("reports_index.html", reports=links, hygiene=hygiene, screenshots=screenshots, folder=folder,
                  generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return write_report(folder / "index.html", page)


def build_reports(settings: Settings) -> Path:
    """The KPI overview, Data Docs made offline, and the index over every report; returns the index."""
    from insights.quality.docs_offline import make_site_offline
    from insights.reports.overview import build_overview

    build_overview(settings)
    make_site_offline(settings.reports_dir / "data_docs")
    index = build_index(settings)
    _log.debug("reports: %s", index)
    return index
