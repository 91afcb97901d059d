"""Who opens which report, role by role (a QA reviewer got a 403 on accuracy, their own
measure), and the charts the reports carry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.commerce.tests import factories as books
from backoffice.ledger import money
from backoffice.ledger.services import apply_chart_template
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

REPORTS = ("accuracy/", "handle-time/", "backlog/")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # accuracy: reviewers and whoever routes work; handle time and backlog: who routes
        (Role.QA_REVIEWER, (200, 403, 403)),
        (Role.TEAM_LEAD, (200, 200, 200)),
        (Role.OPERATIONS_MANAGER, (200, 200, 200)),
        (Role.PROVIDER_ADMIN, (200, 200, 200)),
        (Role.AGENT, (403, 403, 403)),
        (Role.FINANCE, (403, 403, 403)),
    ],
)
def test_report_pages_by_role(provider, client_a, role, expected):
    user = UserFactory.create(username=f"u-{role}")
    make_member(provider, user, role)
    make_member(client_a, user, role)
    c = Client()
    c.force_login(user)
    got = tuple(c.get(f"/t/provider/work/{r}").status_code for r in REPORTS)
    assert got == expected


def test_a_client_opens_none_of_the_reports(web_a):
    assert [web_a.get(f"/t/client-a/work/{r}").status_code for r in REPORTS] == [403, 403, 403]


def test_the_reviewer_downloads_accuracy_too(provider):
    user = UserFactory.create(username="quinn")
    make_member(provider, user, Role.QA_REVIEWER)
    c = Client()
    c.force_login(user)
    r = c.get("/t/provider/work/accuracy/?format=csv")
    assert r.status_code == 200 and r.content.decode().startswith("client,engagement,agent")


def test_the_backlog_page_draws_its_charts(provider):
    user = UserFactory.create(username="lena")
    make_member(provider, user, Role.TEAM_LEAD)
    c = Client()
    c.force_login(user)
    html = c.get("/t/provider/work/backlog/").content.decode()
    for title in ("Open work per engagement", "Backlog, last 14 days", "SLA met, per engagement"):
        assert f"<figcaption>{title}" in html


def test_receivables_aging_page_charts_who_owes_and_how_late(provider):
    apply_chart_template(tenant=provider, template="services")
    customer = books.customer(provider)
    today = timezone.localdate()
    invoice = books.doc(
        provider,
        "invoice",
        customer,
        (today - timedelta(days=70)).isoformat(),
        (None, 1, 25000),
        due_date=today - timedelta(days=65),
    )
    books.issue(provider, invoice)
    user = UserFactory.create(username="fatima")
    make_member(provider, user, Role.FINANCE)
    c = Client()
    c.force_login(user)
    html = c.get("/t/provider/commerce/reports/receivables/").content.decode()
    cur = provider.currency
    assert f"<figcaption>Open receivables by customer and days late ({cur})" in html
    # 65 days late: the whole 250.00 in the 61 to 90 days part of Customer C1's bar
    assert "Customer C1 · 61–90 days late: " + money.display(25000, cur) in html
