"""Service-level credits: the same figures as the work reports; earn-back next month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backoffice.billing import service_levels, services
from backoffice.billing.models import BillingInvoice, UsageLine
from backoffice.billing.services import ChargeIn, ServiceLevelIn
from backoffice.billing.tests import factories as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work import metrics

pytestmark = pytest.mark.django_db


def test_accuracy_is_the_accuracy_reports_figure(provider, client_a, eng_a):
    agent, reviewer = UserFactory.create(username="ag"), UserFactory.create(username="rv")
    item = f.done_item(eng_a, "x", f.berlin("2026-03-10T10:00"), agent=agent)
    f.qa_review(item, agent, reviewer, f.berlin("2026-03-10T11:00"), 8, 7)
    f.qa_review(item, agent, reviewer, f.berlin("2026-03-31T23:30"), 4, 4)  # still March
    f.qa_review(item, agent, reviewer, f.berlin("2026-04-01T00:10"), 4, 0)  # April: not counted
    lead = UserFactory.create(username="lead")
    make_member(provider, lead, Role.TEAM_LEAD)
    make_member(client_a, lead, Role.TEAM_LEAD)
    report = metrics.accuracy_report(
        TenantAccess(lead, provider, Role.TEAM_LEAD),
        period=metrics.Period(date(2026, 3, 1), date(2026, 3, 31), "Europe/Berlin"),
        engagement_id=eng_a.pk,
    )
    measured = service_levels.measure(
        client_id=client_a.pk, engagement_id=eng_a.pk, metric="field_accuracy",
        period=date(2026, 3, 1), tz="Europe/Berlin",
    )  # fmt: skip
    # 7 + 4 right of 8 + 4 reviewed = 91.667 %
    assert (measured.good, measured.total) == (11, 12)
    assert measured.percent is not None
    assert report.total.accuracy == round(float(measured.percent), 1) == 91.7


def test_a_missed_level_is_credited_and_earned_back_the_next_month(plain, eng_a):
    p = plain.tenant
    v1 = plain.versions.get()
    services.end_version(tenant=p, actor=None, version_id=v1.pk, effective_to=date(2026, 2, 28))
    f.version(
        plain, "2026-03-01", recurring_fee=100_000, at_risk_percent=10, pool_cap_percent=10,
        charges=[ChargeIn("items", "Items", "items", unit_rate=100)],
        service_levels=[ServiceLevelIn(eng_a.pk, "on_time", 90, 50, earn_back=True)],
    )  # fmt: skip
    # March: 2 of 4 on time (50 % < 90 %); April: 4 of 4
    for n in range(4):
        f.done_item(eng_a, f"m{n}", f.berlin("2026-03-10T10:00") + timedelta(hours=n), late=n < 2)
        f.done_item(eng_a, f"a{n}", f.berlin("2026-04-10T10:00") + timedelta(hours=n))
    services.run_billing(tenant=p, actor=None, period=date(2026, 3, 1))
    services.run_billing(tenant=p, actor=None, period=date(2026, 4, 1))
    lines = UsageLine.objects.for_tenant(p)
    # March fee 100,000 + 4 x 100 = 100,400; 10 % at risk x 50 % = 5,020 credited
    march = lines.get(invoice__period=date(2026, 3, 1), kind="sla_credit")
    assert march.amount == -5_020
    # April meets the level: March's credit comes back, once
    back = lines.get(invoice__period=date(2026, 4, 1), kind="earn_back")
    assert (back.amount, back.detail["credit_line"]) == (5_020, march.pk)
    april = BillingInvoice.objects.for_tenant(p).get(period=date(2026, 4, 1))
    assert april.charges_total == 100_000 + 400 + 5_020
