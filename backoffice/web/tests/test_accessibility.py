"""WCAG 2.1 AA on the main pages: axe-core in Debian's chromium, phone width, keyboard.

One browser signs in as each demo role in turn, opens every page its navigation reaches (and
the section links on those pages), an item, an invoice and a form showing an error; axe-core's
WCAG 2.0/2.1 A and AA rules must find nothing serious or critical, and at 390 by 844 no page may
be wider than the screen. Screenshots land in artifacts/a11y/. How to read a failure:
docs/accessibility.md.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.web.tests.a11y import (
    DESKTOP,
    PATIENCE_MS,
    PHONE,
    Finding,
    axe_violations,
    check_page,
    horizontal_overflow,
    report,
    same_site_links,
    sign_in,
    tab_through,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "a11y"
# Two halves of the demo's roles, so two test workers can share the sweep.
ROLE_GROUPS = [("admin", "lead", "agent1", "qa"), ("ops", "finance", "auditor", "acme-admin")]
# Links to the pages of a section: its sub-navigation and the buttons that open its lists.
SECTION_LINKS = "main nav a, main p.muted a, main p > a.button"
DETAIL_PAGE = re.compile(r"/\d+/")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _role_pages(page: Page, base: str, seen: set[str]) -> list[str]:
    """The role's navigation pages, then the section pages no earlier role has shown."""
    landing = urlsplit(page.url).path
    nav = [landing, *(p for p in same_site_links(page, "nav.side a", base) if p != landing)]
    pages = list(nav)
    for path in nav:
        page.goto(base + path)
        for link in same_site_links(page, SECTION_LINKS, base):
            key = link.split("?")[0]
            if DETAIL_PAGE.search(key) or key in seen or key in pages:
                continue
            seen.add(key)
            pages.append(link)
    return pages


def _first_link(page: Page, base: str, list_path: str, pattern: str) -> str | None:
    page.goto(base + list_path)
    for link in same_site_links(page, "main a", base):
        if re.search(pattern, link):
            return link
    return None


def _item_page(page: Page, base: str, tenant: str) -> str | None:
    return _first_link(page, base, f"/t/{tenant}/work/items/", r"/work/items/\d+/$")


def _invoice_page(page: Page, base: str, tenant: str) -> str | None:
    """An invoice in the role's organization, or else in the first client it can switch to."""
    tenants = [
        tenant,
        *page.eval_on_selector_all("#tenant-select option", "os => os.map(o => o.value)"),
    ]
    for slug in dict.fromkeys(tenants):
        link = _first_link(
            page, base, f"/t/{slug}/commerce/documents/?kind=invoice", r"/commerce/documents/\d+/$"
        )
        if link:
            return link
    return None


def _invoice_error(page: Page, base: str, tenant: str) -> None:
    """An invoice line whose quantity is not a number."""
    page.goto(f"{base}/t/{tenant}/commerce/documents/new/?kind=invoice")
    page.fill("input[name=description] >> nth=0", "Keying")
    page.fill("input[name=quantity] >> nth=0", "a dozen")
    page.click("main form[method=post] button[type=submit] >> nth=-1")


def _member_error(page: Page, base: str, tenant: str) -> None:
    """Adding someone who has no account."""
    page.goto(f"{base}/t/{tenant}/members/")
    page.fill("#username", "nobody-by-that-name")
    page.click("main form[method=post]:has(#username) button[type=submit] >> nth=0")


FORM_ERRORS: dict[str, Callable[[Page, str, str], None]] = {
    "admin": _member_error,
    "finance": _invoice_error,
    "acme-admin": _member_error,
}
ERROR_SHOWN = ".errorlist, .messages li.error, [aria-invalid=true]"


@dataclass
class Sweep:
    """What one run has checked: axe findings, and the paths already seen at phone width."""

    findings: list[Finding] = field(default_factory=list)
    phone_checked: set[str] = field(default_factory=set)
    section_pages: set[str] = field(default_factory=set)

    def check(self, page: Page, label: str) -> None:
        """axe at desktop width; the first time a page is seen, also at phone width."""
        finding = check_page(page)
        self.findings.append(finding)
        key = f"{finding.url} {label if label.endswith('error') else ''}"
        if key in self.phone_checked:
            return
        self.phone_checked.add(key)
        page.set_viewport_size(PHONE)
        overflow = horizontal_overflow(page)
        if overflow > 0:
            finding.violations.append(
                {
                    "impact": "serious",
                    "id": "phone-width",
                    "help": f"the page is {overflow}px wider than a 390px phone screen",
                    "helpUrl": "docs/accessibility.md",
                    "nodes": [],
                }
            )
        name = f"{label}-{finding.url.strip('/').replace('/', '-') or 'home'}.png"
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        page.set_viewport_size(DESKTOP)


def _sweep_role(sweep: Sweep, browser: Browser, base: str, role: str, password: str) -> int:
    """Sign in as `role` in a fresh context and check its pages; returns how many."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, base, role, password)
    tenant = urlsplit(page.url).path.split("/")[2]
    pages = _role_pages(page, base, sweep.section_pages)
    if any("/work/" in p for p in pages):
        pages.append(_item_page(page, base, tenant) or "")
    if any("/commerce/" in p for p in pages):
        pages.append(_invoice_page(page, base, tenant) or "")
    assert "" not in pages, f"{role}: no item or invoice to open in the demo"
    for path in pages:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{role}: {path}"
        sweep.check(page, role)
    if role in FORM_ERRORS:
        FORM_ERRORS[role](page, base, tenant)
        assert page.locator(ERROR_SHOWN).count() > 0, f"{role}: no error shown on {page.url}"
        sweep.check(page, f"{role}-error")
    context.close()
    return len(pages)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("roles", ROLE_GROUPS, ids=["-".join(g) for g in ROLE_GROUPS])
def test_every_roles_main_pages_pass_axe_and_fit_a_phone(live_server, browser_page, roles):
    from backoffice.site.demo import DEMO_PASSWORD, seed_demo

    # given the demo: a provider, its clients and staff in every role
    seed_demo()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, sweep = live_server.url, Sweep()
    if roles == ROLE_GROUPS[0]:
        # when someone signs in with the wrong password
        page = browser_page
        page.context.set_default_timeout(PATIENCE_MS)
        page.goto(f"{base}/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "not-the-password")
        page.click("main button[type=submit]")
        assert page.is_visible(".errorlist")
        sweep.check(page, "anonymous-error")
    # and each role signs in and opens its pages
    browser = browser_page.context.browser
    assert browser is not None
    checked = {role: _sweep_role(sweep, browser, base, role, DEMO_PASSWORD) for role in roles}
    # then axe finds nothing serious or critical, and nothing is wider than the phone
    assert all(n >= 3 for n in checked.values()), checked
    problems = report(sweep.findings)
    assert not problems, (
        f"accessibility problems on {len(sweep.findings)} pages checked:\n{problems}"
    )


@pytest.mark.django_db(transaction=True)
def test_the_shell_is_reachable_by_tab_with_a_visible_focus_ring(
    live_server, browser_page, provider_admin, client_a
):
    page = browser_page
    sign_in(page, live_server.url, provider_admin.username, TEST_PASSWORD)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.reload()
        if viewport is PHONE:
            # the phone menu opens from its button, by keyboard
            assert not page.is_visible("nav.side")
            page.focus(".menu-toggle")
            page.keyboard.press("Enter")
            assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
            assert page.is_visible("nav.side a[aria-current=page]")
        # when we press Tab through the header and the navigation
        stops = tab_through(page)
        # then the skip link comes first and every stop shows a focus ring
        assert stops[0]["text"] == "Skip to content"
        names = [s["text"] for s in stops]
        for wanted in ("Backoffice", "Dashboard", "Members", "Audit log", "Password", "Log out"):
            assert wanted in names, (viewport, names)
        assert [s for s in stops if not (s["ring"] and s["visible"])] == [], stops
        if viewport is PHONE:
            page.keyboard.press("Escape")
            assert not page.is_visible("nav.side")
    # and the skip link moves the focus to the page's content
    page.reload()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_check_names_an_unlabelled_field_and_low_contrast(browser_page):
    """The axe run is real: a page with known faults fails it, by rule."""
    page = browser_page
    page.set_content(
        '<html lang="en"><head><title>Faults</title></head><body><main><h1>Faults</h1>'
        '<input name="q"><p style="color:#b26b00;background:#fdf1dc">paused</p>'
        "</main></body></html>"
    )
    assert {v["id"] for v in axe_violations(page)} == {"label", "color-contrast"}
