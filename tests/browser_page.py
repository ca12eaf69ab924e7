"""The headless browser the interactive page's tests share: Debian's chromium driven by
Playwright (one browser per test module), and a page opened in it that records script errors
and network requests (both must stay none: the page is self-contained). Without Chromium or
Playwright the tests skip, except under DIFFX_REQUIRE_BROWSER=1 (set by .ci/run, which
installs the browser)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

import diffx

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REQUIRE = os.environ.get("DIFFX_REQUIRE_BROWSER") == "1"  # set by .ci/run


def _have_browser() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return os.path.exists(CHROMIUM)


@pytest.fixture(scope="module")
def browser():
    if not _have_browser():
        if REQUIRE:
            pytest.fail("DIFFX_REQUIRE_BROWSER=1 but chromium or playwright is missing")
        pytest.skip("no headless chromium (apt-get install chromium; pip install playwright)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """One page open in the browser; records script errors and any network request."""

    def __init__(self, browser, path, width=1400):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        start = time.perf_counter()
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready]", state="attached")
        self.ready_s = time.perf_counter() - start

    def lines(self, ident: str) -> list[str]:
        return self.page.eval_on_selector_all(f"#{ident} text", "ts => ts.map(t => t.textContent)")

    def attr(self, selector: str, name: str) -> str:
        return self.page.get_attribute(selector, name)

    def close(self):
        assert self.errors == []
        assert all(u.startswith("file:") for u in self.requests), self.requests
        self.page.close()


def open_page(browser, tmp_path, source, name="page.html", width=1400, **options):
    path = tmp_path / name
    diffx.explore(source, path=path, **options)
    return Page(browser, path, width)
