"""In a real browser, the team lead opens the schedule editor, adds a shift in the panel
(htmx) with the keyboard, and copies the week onto the next."""

import shutil
from pathlib import Path

import pytest

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD
from backoffice.workforce.models import Shift, StateInterval
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


@pytest.mark.django_db(transaction=True)
def test_the_agent_changes_state_with_one_key_and_the_pages_pass_axe(
    live_server, browser_page, provider
):
    from backoffice.web.tests.a11y import check_page, report, sign_in

    page = browser_page
    lead = f.person(provider, "lena", Role.TEAM_LEAD, name="Lena Lead")
    ahmed = f.agent(provider, "ahmed")
    shift = f.shift(ahmed, "2026-11-23", "09:00", "17:00", (("12:00", 30),))
    # (a day already past: a state cannot start before the current one did)
    f.states(ahmed, ("2026-11-23T09:15", "available"), ("2026-11-23T17:00", "offline"))
    # when Ahmed opens the Workforce page and presses 2, then 1
    sign_in(page, live_server.url, "ahmed", TEST_PASSWORD)
    page.goto(f"{live_server.url}/t/{provider.slug}/workforce/")
    page.keyboard.press("2")
    page.wait_for_selector("#state-now:has-text('On break')")
    page.keyboard.press("1")
    page.wait_for_selector("#state-now:has-text('Available')")
    # then his states were stored
    states = StateInterval.objects.for_tenant(provider).filter(agent=ahmed.user)
    assert [s.state for s in states.order_by("started_at")][-2:] == ["on_break", "available"]
    findings = [check_page(page)]
    # and the lead's pages pass the WCAG A/AA rules
    page.context.clear_cookies()
    sign_in(page, live_server.url, lead.username, TEST_PASSWORD)
    for rest in (
        "", "schedule/?week=2026-11-23", f"shifts/{shift.pk}/", "templates/",
        "adherence/?day=2026-11-23", "time/?start=2026-11-23&end=2026-11-23",
    ):  # fmt: skip
        page.goto(f"{live_server.url}/t/{provider.slug}/workforce/{rest}")
        findings.append(check_page(page))
    blocking = [x for x in findings if x.violations]
    assert not blocking, report(blocking)
