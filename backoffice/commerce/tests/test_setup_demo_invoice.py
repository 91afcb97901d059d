"""Scenario: in the demo, the provider's finance person invoices a client from the pages alone.

The provider's own books come from the demo (chart, taxes, its clients as customers, its
services, posting accounts, the invoice series continuing at 4). Fatima drafts an invoice to
Acme for 10 hours of agent time at the list price of 38.00 with 8 % sales tax, corrects it
to 12 hours, and issues it:

    net   12 x 38.00        = 456.00
    tax   8 % of 456.00     =  36.48
    gross                   = 492.48

    Dr 1200 Accounts receivable - clients   492.48
    Cr 4200 Per-hour service fees           456.00
    Cr 2200 Sales tax / VAT payable          36.48

The demo issued INV-2026-00004 already, so this one is INV-2026-00005.
"""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.commerce import demo as commerce_demo
from backoffice.commerce import selectors
from backoffice.commerce.models import Document, Party, Product
from backoffice.ledger import demo as ledger_demo
from backoffice.tenancy import demo as tenancy_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_books():
    ctx = tenancy_demo.seed_tenants()
    ledger_demo.seed(ctx)
    commerce_demo.seed(ctx)
    return ctx


def test_the_demo_providers_finance_user_issues_an_invoice_through_the_pages(demo_books):
    # given
    provider, fatima = demo_books.provider, demo_books.users["finance"]
    web = Client()
    web.force_login(fatima)
    base = f"/t/{provider.slug}/commerce/"
    acme = Party.objects.for_tenant(provider).get(code="acme-insurance")
    hours = Product.objects.for_tenant(provider).get(sku="SVC-HOUR")
    form = web.get(f"{base}documents/new/?kind=invoice").content.decode()
    assert "Acme Insurance Co." in form and "SVC-HOUR" in form and "SALES8" in form
    # when: a draft of 10 hours at the product's price and tax
    lines = {"description": [""], "unit_price": [""], "tax": [""], "source_line": [""]}
    r = web.post(
        f"{base}documents/new/",
        {"kind": "invoice", "party": acme.pk, "date": "2026-11-30", "product": [hours.pk]}
        | {"quantity": ["10"], **lines},
    )
    d = Document.objects.for_tenant(provider).get(party=acme, status="draft")
    assert r.status_code == 302
    assert (d.net, d.tax, d.gross) == (38000, 3040, 41040)
    # when: corrected to 12 hours on the edit page, then issued
    r = web.post(
        f"{base}documents/{d.pk}/edit/",
        {"kind": "invoice", "party": acme.pk, "date": "2026-11-30", "product": [hours.pk]}
        | {"quantity": ["12"], "reference": "November hours", **lines},
    )
    assert r.status_code == 302
    r = web.post(f"{base}documents/{d.pk}/issue/")
    # then
    d.refresh_from_db()
    assert r.status_code == 302
    assert (d.status, d.number, d.reference) == ("issued", "INV-2026-00005", "November hours")
    assert (d.net, d.tax, d.gross, d.open_amount) == (45600, 3648, 49248, 49248)
    posted = {ln.account.code: ln.amount for ln in selectors.postings(provider, d.journal_entry_id)}
    assert posted == {"1200": 49248, "4200": -45600, "2200": -3648}
    page = web.get(f"{base}documents/{d.pk}/").content.decode()
    assert "INV-2026-00005" in page and 'id="edit-draft"' not in page
