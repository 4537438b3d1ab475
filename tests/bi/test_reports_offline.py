"""The offline reports of a pipeline run, looked at as a person would: every page of reports/ opened
from disk in headless Debian Chromium, with no request leaving file://, screenshots kept."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from insights.quality.docs_offline import offline_page
from insights.reports.overview import build_overview
from insights.settings import load_settings

from .browser import CHROMIUM, chromium
from .conftest import Published, keep_screenshots

MAIN_PAGES = ("index.html", "overview/index.html", "catalog/index.html", "hygiene/latest.html",
              "hygiene/index.html", "data_docs/index.html")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.bi
@pytest.mark.slow
@pytest.mark.postgres
def test_every_report_renders_offline_and_links_resolve(published: Published) -> None:
    if not CHROMIUM.exists():
        pytest.skip("apt-get install -y chromium chromium-driver")
    reports = published.home / "reports"
    pages = [reports / p for p in MAIN_PAGES] + sorted((reports / "data_docs").rglob("*.html"))
    assert all(p.exists() for p in pages[: len(MAIN_PAGES)]), [p for p in pages if not p.exists()]
    shots = reports / "bi" / "reports"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium((1280, 900)) as page:
        for path in dict.fromkeys(pages):
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            if path.relative_to(reports).as_posix() in MAIN_PAGES:
                name = path.relative_to(reports).as_posix().replace("/", "_").removesuffix(".html")
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        outside = list(page.outside)
    assert outside == []  # nothing asked of the network, not even a blocked CDN
    # Links between reports resolve, to the page and to the anchor they name.
    for relative in MAIN_PAGES:
        source = reports / relative
        for link in _parse(source).links:
            if link.startswith(("http://", "https://", "mailto:")):
                continue
            target, _, anchor = link.partition("#")
            target_path = (source.parent / target).resolve() if target else source
            assert target_path.exists(), f"{relative}: link {link} leads nowhere"
            if anchor:
                assert anchor in _parse(target_path).ids, f"{relative}: anchor {link} is not on its page"
    # The overview draws every chart of a published mart, and the Data Docs index lists the runs.
    overview = (reports / "overview" / "index.html").read_text()
    assert overview.count("<svg") == 9 and "No chart" not in overview
    docs = (reports / "data_docs" / "index.html").read_text()
    assert len(re.findall(r'<a href="validations/', docs)) >= 10 and "&#10004;" in docs
    keep_screenshots(shots)
    print(f"\nscreenshots: {shots}")


@pytest.mark.slow
@pytest.mark.postgres
def test_overview_marks_incomplete_periods(published: Published, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With is_complete in the snapshot, the incomplete days get the amber ring; without, none."""
    import shutil

    import duckdb

    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    shutil.copy(published.home / "published" / "insights.duckdb", home / "published" / "insights.duckdb")
    monkeypatch.setenv("INSIGHTS_HOME", str(home))
    settings = load_settings()
    schema = published.access.schema  # the views PMs read: the serving schema of the snapshot
    with duckdb.connect(str(settings.published_snapshot)) as con:
        con.execute(f"create or replace view {schema}.metrics_active_users_daily as select * exclude (is_complete) "
                    "from marts.metrics_active_users_daily")
    unmarked = build_overview(settings).read_text()
    with duckdb.connect(str(settings.published_snapshot)) as con:
        con.execute(f"create or replace view {schema}.metrics_active_users_daily as select * exclude (is_complete), "
                    "date_day < (select max(date_day) from marts.metrics_active_users_daily) as is_complete "
                    "from marts.metrics_active_users_daily")
    marked = build_overview(settings).read_text()
    amber = 'stroke="#d97706"'

    def active_users(page: str) -> str:  # the DAU/WAU/MAU chart only: other charts keep their own rings
        return page[page.index('id="active-users"'):page.index('id="stickiness"')]

    assert amber not in active_users(unmarked)
    assert active_users(marked).count(amber) == 3  # the last day of DAU, WAU and MAU


def test_data_docs_pages_lose_every_cdn_and_keep_their_index() -> None:
    page = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<style>.x{background:url('https://example.invalid/logo.png') 0 0}</style></head><body>
<img src="https://great-expectations-web-assets.s3.amazonaws.com/logo.png"/>
<table
  id="t1"
  data-toggle="table"
>
</table>
<script>
  $('#t1').bootstrapTable(
    Object.assign(
      {
        columns: [{'field': 'validation_success', 'title': 'Status'},
                  {'field': 'run_time', 'title': 'Run Time', 'sortName': '_s'}],
        data: [{'validation_success': '<i class="fas fa-check-circle text-success" ></i>', 'run_time': 'early',
                '_s': 1, '_table_row_link_path': 'validations/a.html'},
               {'validation_success': '<i class="fas fa-times text-danger"></i>', 'run_time': 'late', '_s': 2,
                '_table_row_link_path': 'validations/b.html'}],
        toolbar: '#x'
      }, {}));
</script></body></html>"""
    offline = offline_page(page, depth=1)
    assert "http" not in offline.replace("http://www.w3.org", "")
    assert "<script" not in offline and "bootstrapTable" not in offline
    assert 'src="../static/images/logo-long.png"' in offline
    assert 'href="../static/styles/insights_offline.css"' in offline
    rows = re.findall(r"<tr>.*?</tr>", offline)[1:]  # after the header
    assert "late" in rows[0] and 'href="validations/b.html"' in rows[0] and "&#10008;" in rows[0]  # newest first
    assert "early" in rows[1] and "&#10004;" in rows[1]
    assert offline_page(offline, depth=1) == offline  # idempotent
