"""Headless Debian Chromium driven by Playwright (never Playwright's own browser download)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# As root, on a machine with no route out: no sandbox, no GPU, and none of Chromium's own background
# traffic (component updates, sync...), which this machine's closed network would refuse.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@contextmanager
def chromium(viewport: tuple[int, int] = (1500, 1100)) -> Iterator[object]:
    """A browser page; requests leaving the machine are aborted and recorded on `page.outside`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.outside = []  # type: ignore[attr-defined]

            def route(route: object) -> None:
                url = route.request.url  # type: ignore[attr-defined]
                if url.startswith(("http://127.0.0.1", "http://localhost", "file://", "data:", "blob:")):
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    page.outside.append(url)  # type: ignore[attr-defined]
                    route.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            yield page
        finally:
            browser.close()


@dataclass
class ChartState:
    title: str
    state: str  # rendered | error | empty | loading
    detail: str = ""
    number: str | None = None  # a big number's headline text
    body: tuple[int, int, int, int] | None = None  # drawing area of a rendered chart (left, top, right, bottom)


@dataclass
class DashboardState:
    slug: str
    charts: list[ChartState] = field(default_factory=list)
    seconds: float = 0.0

    def broken(self) -> list[ChartState]:
        return [c for c in self.charts if c.state != "rendered"]

    def bodies(self) -> dict[str, tuple[int, int, int, int]]:
        return {c.title: tuple(c.body) for c in self.charts if c.body is not None}  # type: ignore[misc]


# One chart holder's state, read in the page: an error alert or the empty state wins over content.
_CHART_STATES = """
() => Array.from(document.querySelectorAll('[data-test="dashboard-component-chart-holder"]'))
  .filter(holder => holder.querySelector('[data-test="slice-header"]'))
  .map(holder => {
    const title = holder.querySelector('[data-test="editable-title"]')?.innerText?.trim() || '';
    const error = holder.querySelector('.ant-alert-error, .ant-alert-warning, [data-test="error-tooltip"]');
    if (error) return {title, state: 'error', detail: (holder.innerText || '').slice(0, 300)};
    if (holder.querySelector('[data-test="empty-state"], .ant-empty')
        || (holder.innerText || '').includes('No results were returned'))
      return {title, state: 'empty', detail: (holder.innerText || '').slice(0, 300)};
    if (holder.querySelector('[data-test="loading-indicator"], .loading')) return {title, state: 'loading'};
    const number = holder.querySelector('.header-line');
    // The drawing area below the title, in page pixels: what the screenshot check reads.
    const box = holder.getBoundingClientRect(), header = holder.querySelector('[data-test="slice-header"]');
    const body = [box.left + window.scrollX, header.getBoundingClientRect().bottom + window.scrollY,
                  box.right + window.scrollX, box.bottom + window.scrollY].map(Math.round);
    const drawn = holder.querySelector('canvas, svg.main-svg, [data-test="chart-container"] svg, table, .header-line');
    if (!drawn) return {title, state: 'loading'};
    return {title, state: 'rendered', number: number ? number.innerText.trim() : null, body};
  })
"""


def log_in(page: object, base_url: str, user: str, password: str) -> None:
    page.goto(f"{base_url}/login/")  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    page.click('[data-test="login-button"]')  # type: ignore[attr-defined]
    page.wait_for_selector('[data-test="navbar-top"]', timeout=60_000)  # type: ignore[attr-defined]
    if "/login" in page.url:  # type: ignore[attr-defined]
        raise AssertionError(f"login as {user} refused: still on {page.url}")  # type: ignore[attr-defined]


def open_dashboard(page: object, base_url: str, slug: str, charts: int, timeout: float = 90.0) -> DashboardState:
    """Open a dashboard and wait until each of its `charts` has rendered, failed or come back empty."""
    started = time.monotonic()
    page.goto(f"{base_url}/superset/dashboard/{slug}/")  # type: ignore[attr-defined]
    page.wait_for_selector('[data-test="dashboard-header-container"]', timeout=60_000)  # type: ignore[attr-defined]
    states: list[dict] = []
    while time.monotonic() - started < timeout:
        # A full-page screenshot of a tall dashboard resizes the window, and Superset then redraws every
        # chart (the picture comes out blank): the window is grown to the whole page before waiting instead.
        _fit_height(page)
        states = page.evaluate(_CHART_STATES)  # type: ignore[attr-defined]
        if len(states) >= charts and all(s["state"] != "loading" for s in states):
            break
        time.sleep(0.5)
    page.wait_for_timeout(800)  # let the charts' entry animations finish before the screenshot
    states = page.evaluate(_CHART_STATES)  # type: ignore[attr-defined]
    return DashboardState(slug, [ChartState(**s) for s in states], time.monotonic() - started)


def _fit_height(page: object, most: int = 8000) -> None:
    width = page.viewport_size["width"]  # type: ignore[attr-defined]
    height = min(most, page.evaluate("() => document.documentElement.scrollHeight"))  # type: ignore[attr-defined]
    if height > page.viewport_size["height"]:  # type: ignore[attr-defined]
        page.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]


def blank_in_picture(png: Path, bodies: dict[str, tuple[int, int, int, int]], least: float = 0.005) -> list[str]:
    """The charts whose drawing area in the screenshot is (almost) one colour: less than `least` of its
    pixels differ from the area's most common colour, or the area lies outside the picture."""
    from PIL import Image

    blank = []
    with Image.open(png) as picture:
        image = picture.convert("RGB")
        for title, (left, top, right, bottom) in bodies.items():
            if right <= left or bottom <= top or right > image.width or bottom > image.height:
                blank.append(title)
                continue
            area = image.crop((left, top, right, bottom))
            colours = area.getcolors(maxcolors=area.width * area.height) or []
            background = max(count for count, _ in colours)
            if 1 - background / (area.width * area.height) < least:
                blank.append(title)
    return blank
