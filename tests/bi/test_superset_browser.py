"""Superset in a real browser: the dashboards provisioned from bi/dashboards/ over data a pipeline run
published to Postgres, opened in headless Debian Chromium as a PM would open them.

Needs `make bi-install` (Superset's virtualenv) and Debian's chromium; `.ci/run` installs both.
Screenshots: $INSIGHTS_HOME/reports/bi/<dashboard>.png of the test's data folder (printed)."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from insights.bi.definitions import Dashboard, Dataset, Series, load_dashboards
from insights.bi.provision import Superset, provision
from insights.bi.server import REPO, BiServer
from insights.bi.superset_bundle import DATABASE_FILE, BundleRenderer, bundle_zip

from .browser import CHROMIUM, blank_in_picture, chromium, log_in, open_dashboard
from .conftest import Published, free_port, keep_screenshots

pytestmark = [pytest.mark.bi, pytest.mark.slow, pytest.mark.postgres]
VENV = Path(os.environ.get("INSIGHTS_BI_VENV") or REPO / ".venv-bi")
PASSWORD = "bi-test-password"


def _require(path: Path, how: str) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} missing in CI: {how}")
        pytest.skip(f"{path} missing: {how}")


@pytest.fixture(scope="module")
def superset(published: Published) -> Iterator[BiServer]:
    _require(VENV / "bin" / "superset", "run `make bi-install`")
    _require(CHROMIUM, "apt-get install -y chromium chromium-driver")
    server = BiServer(home=published.home / "bi", venv=VENV, port=free_port(), admin_password=PASSWORD)
    server.initialise()
    with server.running() as group:
        provision(server.url, PASSWORD, published.env)
        yield server
    # Stopped cleanly: gunicorn's master and workers are gone, the port is free again.
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)
    assert not server.healthy()


@pytest.fixture(scope="module")
def page(superset: BiServer) -> Iterator[object]:
    """One logged-in browser page for the module's tests."""
    with chromium() as browser_page:
        log_in(browser_page, superset.url, "admin", PASSWORD)
        yield browser_page


def _last_complete_dau(published: Published) -> tuple[str, int]:
    """The headline as the reader role reads it from the mart: the last complete day (every day while
    the mart has no completeness column yet)."""
    access = published.access
    con = psycopg2.connect(access.dsn)
    try:
        with con.cursor() as cur:
            cur.execute("select column_name from information_schema.columns where table_schema = %s "
                        "and table_name = 'metrics_active_users_daily'", (access.schema,))
            complete = "is_complete" in {r[0] for r in cur.fetchall()}
            cur.execute(sql.SQL("select date_day, dau from {}.metrics_active_users_daily {} "
                                "order by date_day desc limit 1").format(
                sql.Identifier(access.schema), sql.SQL("where is_complete" if complete else "")))
            day, dau = cur.fetchone()
    finally:
        con.close()
    return day.isoformat(), int(dau)


def test_every_dashboard_renders_every_chart_and_the_headline_matches_the_mart(
    superset: BiServer, published: Published, page: object
) -> None:
    dashboards = load_dashboards()
    shots = published.home / "reports" / "bi"
    shots.mkdir(parents=True, exist_ok=True)
    states = {}
    for dashboard in dashboards:
        state = open_dashboard(page, superset.url, dashboard.slug, len(dashboard.charts))
        picture = shots / f"{dashboard.slug}.png"
        page.screenshot(path=str(picture), full_page=True)  # type: ignore[attr-defined]
        states[dashboard.slug] = state
        assert sorted(c.title for c in state.charts) == sorted(c.title for c in dashboard.charts), dashboard.slug
        assert state.broken() == [], f"{dashboard.slug}: {state.broken()}"
        # What a person sees: every chart drawn in the saved picture, not only present in the page.
        assert blank_in_picture(picture, state.bodies()) == [], picture
    headline = next(c for c in states["engagement"].charts if c.title == "DAU, last complete day")
    outside = list(page.outside)  # type: ignore[attr-defined]
    day, dau = _last_complete_dau(published)
    assert headline.number is not None and int(re.sub(r"[^\d]", "", headline.number)) == dau, (headline, day, dau)
    keep_screenshots(shots)
    print(f"\nscreenshots: {shots}; headline DAU {dau} on {day}; "
          + ", ".join(f"{s.slug} {s.seconds:.1f} s" for s in states.values()))
    # Superset's pages ask for nothing outside this machine but the tracking pixel its menu embeds,
    # which the content security policy of bi/superset/superset_config.py blocks before any request.
    assert all("scarf.sh" in url for url in outside), outside


def test_a_chart_in_error_or_empty_is_reported(superset: BiServer, published: Published, page: object) -> None:
    """The render check itself: a chart whose SQL fails, and one with no row, are not 'rendered'."""
    real = load_dashboards()[0]
    dataset = next(iter(real.datasets.values()))
    template = next(c for c in real.charts if c.kind == "line")
    broken = Dashboard(
        slug="broken-check", title="Broken on purpose", description="A failing and an empty chart.",
        datasets={dataset.name: Dataset(dataset.name, dataset.table, dataset.sql)},
        charts=(
            dataclasses.replace(template, name="failing", title="Failing chart",
                                series=(Series("no_such_column", "Nothing"),)),
            dataclasses.replace(template, name="empty", title="Empty chart", where="1 = 0"),
        ),
        path=real.path,
    )
    files = BundleRenderer(published.access.connection()).files([broken], published.access.serving())
    client = Superset(superset.url)
    client.log_in("admin", PASSWORD)
    client.import_bundle(bundle_zip(files), {DATABASE_FILE: published.access.password or ""})
    state = open_dashboard(page, superset.url, "broken-check", 2)
    by_title = {c.title: c.state for c in state.charts}
    assert by_title == {"Failing chart": "error", "Empty chart": "empty"}, state


def test_definitions_are_the_dashboards(superset: BiServer) -> None:
    """What Superset lists is what the repository defines (and its charts were not clicked together)."""
    client = Superset(superset.url)
    client.log_in("admin", PASSWORD)
    listed = {d["slug"]: d["dashboard_title"] for d in client.dashboards()}
    for dashboard in load_dashboards():
        assert listed.get(dashboard.slug) == dashboard.title
