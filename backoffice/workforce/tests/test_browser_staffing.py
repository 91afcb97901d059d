"""In a real browser, the team lead opens Staffing, sees the gap chart, and tries a what-if."""

import shutil
from pathlib import Path

import pytest

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD, make_member
from backoffice.web.tests.a11y import axe_violations
from backoffice.work.models import EngagementMember
from backoffice.workforce.tests import factories as f
from backoffice.workforce.tests import planning_data as p
from backoffice.workforce.tests.test_staffing import _next_weekday, history

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.mark.django_db(transaction=True)
def test_lead_reads_the_gap_chart_and_runs_a_what_if(live_server, browser_page, provider, client_a):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lead = f.person(provider, "lena", Role.TEAM_LEAD, name="Lena Lead")
    make_member(client_a, lead, Role.TEAM_LEAD)
    ahmed = f.agent(provider, "ahmed")
    e = p.engagement(client_a, provider)
    history(e)
    EngagementMember.objects.create(tenant=client_a, engagement=e, user=ahmed.user)
    day = _next_weekday()
    f.shift(ahmed, day.isoformat(), "09:00", "17:00")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/t/{provider.slug}/")
    page.goto(f"{live_server.url}/t/{provider.slug}/workforce/")
    page.click("text=Staffing")
    page.wait_for_selector("#gap-chart svg")
    page.fill("#st-start", day.isoformat())
    page.fill("#st-day", day.isoformat())
    page.click("#staffing-filters button[type=submit]")
    page.wait_for_selector("#gap-chart svg")
    chart = page.locator("#gap-chart svg")
    assert chart.get_attribute("role") == "img"
    legend = page.text_content("#gap-chart")
    assert "Required" in legend and "Scheduled" in legend
    rows = page.text_content("#staffing-gap")
    assert "10:00" in rows  # a staffed, open half hour is listed
    # the what-if: volume +20 %, two people on leave
    page.fill("#st-vol", "20")
    page.fill("#st-leave", "2")
    page.click("#staffing-filters button[type=submit]")
    page.wait_for_url("**volume=20**")
    page.wait_for_selector("#gap-chart svg")
    assert "Required (what-if)" in page.text_content("#gap-chart")
    assert "short" in page.text_content("#staffing-gap")  # nobody left after the leave
    assert page.input_value("#st-vol") == "20"
    page.screenshot(path=str(ARTIFACTS / "workforce-staffing.png"), full_page=True)
    # WCAG 2.1 AA by axe-core on the staffing page and the batch deadlines page
    assert axe_violations(page) == []
    page.click("text=Batch deadlines")
    page.wait_for_selector("#deadline-form")
    assert axe_violations(page) == []
