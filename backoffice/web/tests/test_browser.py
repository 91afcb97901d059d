"""A real browser: Debian's chromium driven by Playwright signs in and switches tenant."""

import shutil
from pathlib import Path

import pytest

from backoffice.tenancy.tests.factories import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_sign_in_switch_tenant_and_screenshot(
    live_server, browser_page, provider_admin, client_a, client_b
):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # given the sign-in page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", provider_admin.username)
    page.fill("#id_password", TEST_PASSWORD)
    # when the provider admin signs in
    page.click("button[type=submit]")
    page.wait_for_url(f"**/t/{client_a.provider.slug}/")
    assert page.text_content("#dashboard-title") == client_a.provider.name
    # and switches to client B with the tenant switcher
    page.select_option("#tenant-select", client_b.slug)
    page.wait_for_url(f"**/t/{client_b.slug}/")
    # then the dashboard is client B's
    assert page.text_content("#dashboard-title") == client_b.name
    page.screenshot(path=str(ARTIFACTS / "dashboard-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.is_visible("#tenant-select")
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    assert (ARTIFACTS / "dashboard-1280.png").stat().st_size > 0


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_an_error(live_server, browser_page, user_a):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user_a.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "correct username and password" in page.text_content(".errorlist")
