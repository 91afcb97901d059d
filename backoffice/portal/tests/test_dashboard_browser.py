"""In a real browser, acme's client admin reads the client dashboard: the figures worked by
hand in `test_dashboard` (80 % of 10 on time, 5 open), a chart, a figure's link to its
items, and the figures refreshed by htmx polling after new work is done."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from backoffice.portal.dashboard import views
from backoffice.portal.tests.test_dashboard import _done, acme  # noqa: F401
from backoffice.tenancy.tests.factories import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_client_admin_reads_the_dashboard(live_server, browser_page, acme, user_a, monkeypatch):  # noqa: F811
    monkeypatch.setattr(views, "FIGURES_POLL_SECONDS", 2)
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    client = acme["client"]
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user_a.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/t/{client.slug}/")
    # the home dashboard leads to the client dashboard
    page.click("a:has-text('Open the client dashboard')")
    page.wait_for_selector("#client-dashboard-title")
    assert page.text_content("#stat-sla").strip() == "80.0 %"
    assert page.text_content("#stat-open").strip() == "5"
    assert page.locator("svg").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "client-dashboard.png"), full_page=True)
    # a figure leads to the items behind it
    page.click("#stat-open a")
    page.wait_for_selector("h1:has-text('Open items')")
    assert "5 items." in page.content()
    assert page.locator("td a:has-text('O-5d')").count() == 1
    page.go_back()
    page.wait_for_selector("#client-dashboard-title")
    # when two more items are done on time, the polled figures show 10 of 12 = 83.3 %
    now = timezone.now()
    for n in range(2):
        _done(acme["inv"], f"NEW-{n}", now - timedelta(minutes=5 + n), late=False)
    page.wait_for_selector("#stat-sla:has-text('83.3 %')", timeout=30_000)
