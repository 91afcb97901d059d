"""The dashboard per role, through the Django test client, on one small world worked by hand.

Client A (engagement "Acme claims", every item QA-reviewed):
  A-1  agent keys it (vendor, total, currency, paid) → in review; the reviewer corrects the
       total: 3 of 4 fields correct = 75 %; accepted → done.
  A-2  submitted, still queued.
Client B (engagement "Bravo secret project", no QA):
  B-SECRET-1  agent completes it → done.
The provider's books: an invoice to Customer C1 of 100.00 dated 45 days ago, due 40 days ago,
of which 40.00 is paid today → 60.00 open, 31 to 60 days late; revenue 100.00 in its month;
cash received 40.00 this month.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.commerce.tests import factories as books
from backoffice.ledger import money
from backoffice.ledger.services import apply_chart_template
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD, UserFactory, make_member
from backoffice.web import dashboards
from backoffice.work import qa, services
from backoffice.work.tests.factories import (
    key_item,
    make_engagement,
    make_qa_engagement,
    make_service_type,
    submit,
)

pytestmark = pytest.mark.django_db

SECTION_IDS = ("agent", "lead", "operations", "qa", "finance", "client")


def _person(username: str, role: str, *orgs) -> User:
    user = UserFactory.create(username=username)
    for org in orgs:
        make_member(org, user, role)
    return user


@pytest.fixture
def world(provider, client_a, client_b, user_a, user_b):
    agent = _person("agent", Role.AGENT, provider, client_a, client_b)
    reviewer = _person("reviewer", Role.QA_REVIEWER, provider, client_a, client_b)
    people = {
        "agent": agent,
        "reviewer": reviewer,
        "lead": _person("lead", Role.TEAM_LEAD, provider, client_a, client_b),
        "ops": _person("ops", Role.OPERATIONS_MANAGER, provider, client_a, client_b),
        "finance": _person("finance", Role.FINANCE, provider),
        "client_a": user_a,
        "client_b": user_b,
    }
    acme = make_qa_engagement(client_a, provider, code="acme", name="Acme claims")
    item = key_item(acme, "A-1", agent)
    verdicts = {name: qa.FieldVerdict("correct") for name in ("vendor", "currency", "paid")}
    verdicts["total"] = qa.FieldVerdict("corrected", 121.0)
    qa.record_qa_review(item=item, actor=reviewer, verdicts=verdicts, decision="accept")
    submit(acme, "A-2")
    bravo = make_engagement(
        client_b, make_service_type(provider), code="bravo", name="Bravo secret project"
    )
    secret = submit(bravo, "B-SECRET-1")
    services.transition_item(item=secret, actor=agent, to="in_progress")
    services.complete_item(item=secret, actor=agent, output={"result": "ok"})
    _books(provider)
    return people


def _books(provider) -> None:
    apply_chart_template(tenant=provider, template="services")
    customer = books.customer(provider)
    today = timezone.localdate()
    invoice = books.doc(
        provider,
        "invoice",
        customer,
        (today - timedelta(days=45)).isoformat(),
        (None, 1, 10000),
        due_date=today - timedelta(days=40),
    )
    books.issue(provider, invoice)
    books.record_payment(provider, customer, today.isoformat(), 4000)


def _page(user: User, slug: str) -> str:
    c = Client()
    c.force_login(user)
    response = c.get(f"/t/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def _sections(html: str) -> set[str]:
    return {s for s in SECTION_IDS if f'id="section-{s}"' in html}


def _figures(html: str, title: str) -> dict[str, list[str]]:
    """The figures table of the chart titled `title`: row label -> cells."""
    figure = html.split(f"<figcaption>{title}</figcaption>", 1)[1].split("</figure>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', figure)
    return {label: re.findall(r'<td class="num">(.*?)</td>', cells) for label, cells in rows}


@pytest.mark.parametrize(
    ("who", "slug", "expected"),
    [
        ("agent", "provider", {"agent"}),
        ("lead", "provider", {"lead"}),
        ("ops", "provider", {"operations", "lead"}),
        ("reviewer", "provider", {"qa"}),
        ("finance", "provider", {"finance"}),
        ("client_a", "client-a", {"client"}),
    ],
)
def test_each_role_sees_its_own_sections(world, who, slug, expected):
    html = _page(world[who], slug)
    assert _sections(html) == expected
    assert "<svg" in html and 'role="img"' in html


def test_the_agent_sees_their_day_and_their_accuracy(world):
    html = _page(world["agent"], "provider")
    # A-1 keyed (to review) and B-SECRET-1 completed today: two handed on
    assert re.search(r"Handed on today</div>\s*<div class=\"stat\">2<", html)
    assert "75 %" in html and "3 of 4 fields correct" in html


def test_the_reviewer_sees_the_field_corrected_most(world):
    html = _page(world["reviewer"], "provider")
    assert _figures(html, "Fields corrected most, last 30 days") == {"Total": ["1"]}
    assert _figures(html, "QA accuracy per week (fields correct)")[
        dashboards.work_reports.day_label(
            timezone.localdate() - timedelta(days=timezone.localdate().weekday())
        )
    ] == ["75 %"]


def test_the_lead_sees_the_open_work_per_engagement(world):
    html = _page(world["lead"], "provider")
    open_work = _figures(html, "Open work per engagement")
    # A-2 queued at client A; nothing open at client B
    assert open_work == {"Acme claims": ["1", "0", "0", "0"]}


def test_finance_sees_aging_revenue_and_cash(world, provider):
    html = _page(world["finance"], "provider")
    cur = provider.currency
    aging = _figures(html, f"Receivables by lateness ({cur})")
    assert aging["31–60 days late"] == [money.display(6000, cur)]
    assert aging["Not yet due"] == [money.display(0, cur)]
    revenue = _figures(html, f"Revenue per month, net ({cur})")
    assert money.display(10000, cur) in [cells[0] for cells in revenue.values()]
    cash = _figures(html, f"Cash received per month ({cur})")
    assert list(cash.values())[-1] == [money.display(4000, cur)]


def test_a_client_sees_only_its_own_items(world):
    mine = _page(world["client_a"], "client-a")
    assert "A-1" in mine and "Acme claims" in mine
    assert "B-SECRET" not in mine and "Bravo secret project" not in mine
    # the client dashboard's figures: A-1 done on time, A-2 open
    assert _stat(mine, "Open") == "1" and "100.0 %" in mine
    theirs = _page(world["client_b"], "client-b")
    assert "B-SECRET-1" in theirs and "A-1" not in theirs and "Acme claims" not in theirs
    assert _stat(theirs, "Open") == "0"


def _stat(html: str, label: str) -> str:
    found = re.search(
        rf'<div class="muted">{label}</div>\s*<div class="stat"><a [^>]*>(.*?)</a>', html
    )
    assert found, label
    return found.group(1)


def test_a_client_cannot_open_another_clients_dashboard(world):
    c = Client()
    c.force_login(world["client_a"])
    assert c.get("/t/client-b/").status_code == 404


def test_dashboard_queries_do_not_grow_with_items(world, client_a):
    """Every figure is a grouped query: ten more items, one more engagement, the same count."""
    c = Client()
    c.force_login(world["ops"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert c.get("/t/provider/").status_code == 200
        return len(captured)

    queries()  # the first request of a session also records the session's device
    before = queries()
    acme = make_qa_engagement(client_a, client_a.provider, code="more")
    for i in range(10):
        submit(acme, f"M-{i}")
    assert queries() == before


# --- in a real browser: every role's dashboard, screenshots at desktop and phone width -----------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "browser"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_every_role_dashboard_in_the_browser(live_server, browser_page, world):
    page = browser_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for who, slug in (
        ("agent", "provider"),
        ("lead", "provider"),
        ("ops", "provider"),
        ("reviewer", "provider"),
        ("finance", "provider"),
        ("client_a", "client-a"),
    ):
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", world[who].username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/t/{slug}/")
        charts = page.locator("svg.chart-svg[role=img]")
        assert charts.count() >= 1, who
        for i in range(charts.count()):
            assert charts.nth(i).bounding_box()["width"] > 200, who  # type: ignore[index]
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{who}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        # nothing wider than the phone: the charts shrink with their cards
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, who
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{who}-phone.png"), full_page=True)
