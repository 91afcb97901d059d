"""The dashboard's money part: October billed and issued to Client A (12 items: 10 at 1.00
and 2 at 0.50 = EUR 11.00), and this month's work so far in the estimate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.billing import services as billing
from backoffice.billing.models import BillingInvoice
from backoffice.billing.tests import factories as f
from backoffice.billing.tests.conftest import eng_a, plain, provider_books  # noqa: F401
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token


@pytest.fixture
def issued(plain, eng_a, provider):  # noqa: F811
    for n in range(12):
        f.done_item(eng_a, f"OCT-{n}", f.berlin("2026-10-06T10:00") + timedelta(minutes=n))
    billing.run_billing(tenant=provider, actor=None, period=date(2026, 10, 1))
    inv = BillingInvoice.objects.for_tenant(provider).get()
    billing.approve_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
    billing.issue_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
    return BillingInvoice.objects.for_tenant(provider).get()


def _money(web, client_a):
    return web.get(reverse("portal:dashboard_money", kwargs={"tenant": client_a.slug}))


def test_invoices_with_pdf_and_ubl_for_the_client_admin(issued, client_a, user_a):
    web = Client()
    web.force_login(user_a)
    res = _money(web, client_a)
    assert res.status_code == 200
    body = res.content.decode()
    assert "October 2026" in body and "11.00" in body
    assert issued.document.number in body
    pdf = web.get(
        reverse(
            "portal:invoice_file",
            kwargs={"tenant": client_a.slug, "invoice_id": issued.pk, "fmt": "pdf"},
        )
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xml = web.get(
        reverse(
            "portal:invoice_file",
            kwargs={"tenant": client_a.slug, "invoice_id": issued.pk, "fmt": "xml"},
        )
    )
    assert xml.status_code == 200 and b"<Invoice" in xml.content
    assert issued.document.number.encode() in xml.content
    # the API lists it too, with what is still open (nothing paid: all of it)
    api = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    listed = api.get("/api/v1/portal/dashboard/invoices").json()
    assert [(i["number"], i["total"]) for i in listed] == [(issued.document.number, 1100)]
    assert listed[0]["open_amount"] == issued.document.gross


def test_month_to_date_estimate(plain, eng_a, client_a, user_a):  # noqa: F811
    # given 3 items done today (this month): 3 at 1.00 = 3.00
    now = timezone.now()
    for n in range(3):
        f.done_item(eng_a, f"NOW-{n}", now - timedelta(minutes=n + 1))
    api = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    (estimate,) = api.get("/api/v1/portal/dashboard/charges").json()
    assert (estimate["currency"], estimate["charges"], estimate["total"]) == ("EUR", 300, 300)
    web = Client()
    web.force_login(user_a)
    assert "3.00" in _money(web, client_a).content.decode()


def test_other_clients_and_members_without_invoices_are_refused(issued, client_a, client_b, user_b):
    # another client's admin: the invoice is not theirs (404), the list is empty
    web_b = Client()
    web_b.force_login(user_b)
    url = reverse(
        "portal:invoice_file",
        kwargs={"tenant": client_b.slug, "invoice_id": issued.pk, "fmt": "pdf"},
    )
    assert web_b.get(url).status_code == 404
    assert issued.document.number not in _money(web_b, client_b).content.decode()
    # a client user of Client A: no invoices with that role (403)
    ann = UserFactory.create(username="ann")
    make_member(client_a, ann, Role.CLIENT_USER)
    web = Client()
    web.force_login(ann)
    assert _money(web, client_a).status_code == 403
    own = reverse(
        "portal:invoice_file",
        kwargs={"tenant": client_a.slug, "invoice_id": issued.pk, "fmt": "pdf"},
    )
    assert web.get(own).status_code == 403
