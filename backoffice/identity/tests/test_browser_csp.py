"""Every page the demo's admins reach runs under the content security policy without a single
violation: the layout's scripts, htmx, the forms' inline scripts and the SVG charts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response

from backoffice.web.tests.a11y import same_site_links

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PATIENCE_MS = 90_000
SECTION_LINKS = "main nav a, main p.muted a, main p > a.button"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def _pages(page: Page, base: str) -> list[str]:
    landing = page.url.removeprefix(base)
    nav = [landing, *(p for p in same_site_links(page, "nav.side a", base) if p != landing)]
    found = list(nav)
    for path in nav:
        page.goto(base + path)
        for link in same_site_links(page, SECTION_LINKS, base):
            if link not in found and not re.search(r"/\d+/", link):
                found.append(link)
    return [*found, "/account/", "/account/security/", "/account/security/app/"]


def _open(page: Page, url: str) -> Response | None:
    """Open a page once the last one is quiet: on the test server's one shared in-memory
    SQLite connection, a poll still running when the next page loads can fail with "table is
    locked" (not what this test is about), so such a page is opened once more."""
    page.wait_for_load_state("networkidle")
    response = page.goto(url)
    if response is not None and response.status >= 500:
        page.wait_for_timeout(1000)
        response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response


def test_demo_pages_raise_no_csp_violation(live_server, browser_page):
    from backoffice.site.demo import DEMO_PASSWORD, seed_demo

    seed_demo()
    base = live_server.url
    page = browser_page
    page.context.set_default_timeout(PATIENCE_MS)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    visited = 0
    for username in ("admin", "acme-admin"):
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/t/[^/]+/$"))
        for path in _pages(page, base):
            response = _open(page, base + path)
            assert response is not None and response.status < 500, path
            assert response.headers.get("content-security-policy"), path
            visited += 1
        page.click("#logout")
        page.wait_for_url(re.compile(r".*/login/"))
    assert visited >= 10
    assert violations == []
