"""The demo's billing: a contract per demo client, last month billed by a real run, Acme's
invoice issued in both books, and pages that show those figures to finance and to Acme."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.billing.demo import _months_ago
from backoffice.billing.models import BillingInvoice, BillingRun, Contract, UsageLine
from backoffice.ledger.money import display
from backoffice.site.demo import seed_demo
from backoffice.tenancy.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_bills_last_month_for_every_client():
    ctx = seed_demo()
    assert ctx is not None
    provider = ctx.provider
    contracts = Contract.objects.for_tenant(provider)
    assert {c.client_id for c in contracts} == {c.pk for c in ctx.clients}
    run = BillingRun.objects.for_tenant(provider).get()
    assert (run.period, run.status, run.invoices_created) == (_months_ago(1), "done", 3)
    invoices = {i.client.slug: i for i in BillingInvoice.objects.for_tenant(provider)}
    acme = invoices["acme-insurance"]
    assert acme.status == "issued" and acme.document is not None and acme.client_bill is not None
    assert invoices["globex-retail"].status == "draft"
    # the month's fees: 2,500 recurring, trued up to the 3,000 minimum (500 when no work of
    # last month was completed, as the demo's work is done today), and the 1,500 setup fee
    lines = list(UsageLine.objects.for_tenant(provider).filter(invoice=acme))
    fees = {ln.kind: ln.amount for ln in lines if ln.kind != "usage"}
    usage = sum(ln.amount for ln in lines if ln.kind == "usage")
    assert (fees["recurring"], fees["setup"]) == (250_000, 150_000)
    assert fees.get("minimum", 0) == max(0, 300_000 - 250_000 - usage)
    assert acme.total == usage + sum(fees.values())
    # finance sees the figures; Acme's admin sees its own invoice, not Globex's
    finance = Client()
    finance.force_login(User.objects.get(username="finance"))
    page = finance.get(reverse("billing:invoice", args=[provider.slug, acme.pk]))
    assert display(acme.total, acme.currency) in page.content.decode()
    admin = Client()
    admin.force_login(User.objects.get(username="acme-admin"))
    own = admin.get(reverse("billing:invoice", args=["acme-insurance", acme.pk]))
    assert own.status_code == 200
    other = admin.get(
        reverse("billing:invoice", args=["acme-insurance", invoices["globex-retail"].pk])
    )
    assert other.status_code == 404
