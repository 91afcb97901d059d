"""In a real browser, the team lead opens the schedule editor, adds a shift in the panel
(htmx) with the keyboard, and copies the week onto the next."""

import shutil
from pathlib import Path

import pytest

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.workforce.models import Shift
from backoffice.workforce.tests import factories as f

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_lead_adds_a_shift_and_copies_the_week(live_server, browser_page, provider):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    f.person(provider, "lena", Role.TEAM_LEAD, name="Lena Lead")
    ahmed = f.agent(provider, "ahmed")
    maria = f.agent(provider, "maria", zone="Asia/Manila", country="PH", team="Manila")
    f.shift(maria, "2026-12-07", "16:00", "01:00")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/t/{provider.slug}/")
    # when the lead opens the week of 7 December
    page.goto(f"{live_server.url}/t/{provider.slug}/workforce/schedule/?week=2026-12-07")
    assert "(16:00–01:00 theirs)" in page.text_content("#schedule-grid")
    # and adds Ahmed's Tuesday shift from the grid, typing in the panel
    page.click(f'td[data-agent="{ahmed.user_id}"][data-day="2026-12-08"] a.add-shift')
    page.wait_for_selector("#shift-form")
    page.fill("#sf-start", "08:00")
    page.fill("#sf-end", "16:00")
    page.fill("#sf-bstart", "12:00")
    page.fill("#sf-bmin", "30")
    page.focus("#sf-note")
    page.keyboard.type("Cover for the Manila hand-over")
    page.keyboard.press("Enter")
    # then the week shows it (the lead's zone is UTC, London's too in December)
    page.wait_for_selector(f'td[data-agent="{ahmed.user_id}"][data-day="2026-12-08"] .shift')
    cell = page.text_content(f'td[data-agent="{ahmed.user_id}"][data-day="2026-12-08"]')
    assert "08:00–16:00" in cell and "Break 12:00" in cell
    assert "Shift added for Ahmed." in page.text_content(".messages")
    page.screenshot(path=str(ARTIFACTS / "workforce-schedule.png"), full_page=True)
    # when the lead copies the week onto the next
    page.fill("#c-to", "2026-12-14")
    page.click("#copy-week button[type=submit]")
    page.wait_for_url("**week=2026-12-14**")
    # then both shifts are there, at the same local times
    assert "2 shifts copied to the week of Mon 14 Dec 2026." in page.text_content(".messages")
    grid = page.text_content("#schedule-grid")
    assert "08:00–16:00" in grid and "(16:00–01:00 theirs)" in grid
    assert Shift.objects.for_tenant(provider).count() == 4
    page.screenshot(path=str(ARTIFACTS / "workforce-week-copied.png"), full_page=True)
