"""Customer credit (overpayments, open credit notes) and supplier advances applied to later
documents. EUR books; amounts in cents, debit > 0 (1200 receivables, 2100 payables)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from backoffice.commerce import selectors, services
from backoffice.commerce.models import CreditApplication, DocKind, Document, Payment
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    ledger_balances,
    record_payment,
    supplier,
)
from backoffice.core.errors import DomainError
from backoffice.ledger.services import set_exchange_rate

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"


def _invoice(tenant, party, day, amount, kind=DocKind.INVOICE):
    return issue(tenant, doc(tenant, kind, party, day, (None, 1, amount, [])))


def _pay(tenant, party, day, amount, **kw):
    """Money in (or `direction="out"`), the excess kept as credit (advance)."""
    return record_payment(tenant, party, day, amount, keep_overpayment=True, **kw)


def test_an_overpayment_settles_a_later_invoice(books):
    # given: 100.00 invoiced, 120.00 received: 20.00 is the customer's credit
    c = customer(books)
    _invoice(books, c, "2026-04-01", 10000)
    receipt = _pay(books, c, "2026-04-05", 12000)
    assert ledger_balances(books) == {"1120": 12000, "1200": -2000, "4200": -10000}
    # when: a later invoice of 50.00 gets the 20.00 credit
    later = _invoice(books, c, "2026-05-01", 5000)
    assert [(s.kind, s.id, s.available) for s in selectors.credit_sources(books, later)] == [
        ("payment", receipt.pk, 2000)
    ]
    app = services.apply_credit(
        tenant=books, actor=None, document_id=later.pk, payment_id=receipt.pk, amount=2000
    )
    # then: 30.00 is open, the credit is used up, and the receivable is 30.00 (no posting:
    # the credit and the invoice are both on 1200 at the same rate)
    later.refresh_from_db()
    receipt.refresh_from_db()
    assert (later.open_amount, receipt.unallocated) == (3000, 0)
    assert selectors.customer_credit(books, c.pk) == 0
    assert selectors.credit_sources(books, later) == []
    assert app.journal_entry is None
    assert ledger_balances(books) == {"1120": 12000, "1200": 3000, "4200": -15000}


def test_an_open_credit_note_settles_another_invoice(books):
    # given: an invoice of 100.00 paid in full, then a credit note of 40.00 on it
    c = customer(books)
    first = _invoice(books, c, "2026-04-01", 10000)
    _pay(books, c, "2026-04-02", 10000)
    cn = issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=first.pk,
            kind=DocKind.CREDIT_NOTE,
            quantities={1: Decimal("0.4")},
        ),
    )
    assert (cn.gross, cn.open_amount) == (4000, 4000)
    # when: 25.00 of it, then the other 15.00, go to a new invoice of 100.00
    second = _invoice(books, c, "2026-05-01", 10000)
    for part in (2500, 1500):
        services.apply_credit(
            tenant=books, actor=None, document_id=second.pk, credit_note_id=cn.pk, amount=part
        )
    # then: 60.00 open on the invoice, nothing on the credit note; 1200 holds the 60.00
    second.refresh_from_db()
    cn.refresh_from_db()
    assert (second.open_amount, cn.open_amount) == (6000, 0)
    assert (cn.settled_functional, second.settled_functional) == (4000, 4000)
    assert ledger_balances(books)["1200"] == 6000


def test_foreign_credit_applied_at_another_rate_realises_the_difference(books):
    # given: 1 USD = 0.90 EUR on 1 March, 0.95 on 1 April; a US customer pays 100.00 USD
    # on account in March (kept as credit: 90.00 EUR) and is invoiced 100.00 USD in April
    for day, rate in ((date(2026, 3, 1), "0.90"), (date(2026, 4, 1), "0.95")):
        set_exchange_rate(
            tenant=books, actor=None, day=day, base="USD", quote="EUR", rate=Decimal(rate)
        )
    c = customer(books, "US1", currency="USD")
    receipt = _pay(books, c, "2026-03-10", 10000, currency="USD")
    inv = _invoice(books, c, "2026-04-02", 10000)
    assert ledger_balances(books) == {"1120": 9000, "1200": 9500 - 9000, "4200": -9500}
    # when: the credit settles the invoice
    app = services.apply_credit(
        tenant=books, actor=None, document_id=inv.pk, payment_id=receipt.pk, amount=10000
    )
    # then: credit worth 90.00 cleared a receivable of 95.00: a 5.00 exchange loss on 8000
    assert (app.source_functional, app.target_functional) == (9000, 9500)
    assert app.journal_entry is not None
    assert ledger_balances(books) == {"1120": 9000, "4200": -9500, "8000": 500}


def test_a_supplier_advance_settles_a_later_bill(books):
    # given: 50.00 paid to a supplier in advance (no bill yet)
    s = supplier(books)
    advance = _pay(books, s, "2026-04-01", 5000, direction="out")
    assert ledger_balances(books) == {"1120": -5000, "2100": 5000}
    bill = _invoice(books, s, "2026-04-10", 3000, kind=DocKind.BILL)
    # when
    services.apply_credit(
        tenant=books, actor=None, document_id=bill.pk, payment_id=advance.pk, amount=3000
    )
    # then: the bill is paid and 20.00 of advance is left on 2100
    bill.refresh_from_db()
    advance.refresh_from_db()
    assert (bill.open_amount, advance.unallocated) == (0, 2000)
    assert ledger_balances(books) == {"1120": -5000, "2100": 2000, "6400": 3000}


def _state(tenant):
    return (
        CreditApplication.objects.for_tenant(tenant).count(),
        sorted(Document.objects.for_tenant(tenant).values_list("pk", "settled")),
        sorted(Payment.objects.for_tenant(tenant).values_list("pk", "unallocated")),
        ledger_balances(tenant),
    )


def test_bad_credit_applications_are_refused_with_field_errors(books, books_b):
    # given: 20.00 of credit on a receipt, an open invoice of 10.00, a draft invoice, and
    # another tenant's receipt with credit and open credit note
    c = customer(books)
    _invoice(books, c, "2026-04-01", 10000)
    receipt = _pay(books, c, "2026-04-05", 12000)
    inv = _invoice(books, c, "2026-05-01", 1000)
    draft = doc(books, DocKind.INVOICE, c, "2026-05-02", (None, 1, 500, []))
    other = customer(books, "C2")
    cb = customer(books_b, "B-C")
    b_inv = _invoice(books_b, cb, "2026-04-01", 1000)
    b_receipt = _pay(books_b, cb, "2026-04-02", 3000)
    b_cn = issue(
        books_b,
        services.create_from(tenant=books_b, actor=None, source_id=b_inv.pk, kind="credit_note"),
    )
    before, before_b = _state(books), _state(books_b)
    cases = [
        ({"payment_id": receipt.pk, "amount": 1001}, "amount"),  # more than open
        ({"payment_id": receipt.pk, "amount": 0}, "amount"),
        ({"payment_id": receipt.pk, "amount": -5}, "amount"),
        ({"amount": 100}, "payment_id"),  # no source
        ({"payment_id": receipt.pk, "credit_note_id": b_cn.pk, "amount": 100}, "payment_id"),
        ({"payment_id": b_receipt.pk, "amount": 100}, "payment_id"),  # another tenant's
        ({"credit_note_id": b_cn.pk, "amount": 100}, "credit_note_id"),  # another tenant's
        ({"credit_note_id": inv.pk, "amount": 100}, "credit_note_id"),  # not a credit note
    ]
    for kw, field in cases:
        with pytest.raises(DomainError) as err:
            services.apply_credit(tenant=books, actor=None, document_id=inv.pk, **kw)
        assert field in err.value.fields, (kw, err.value.fields)
    # more than the credit: 20.00 left, 25.00 asked on a 100.00 invoice
    big = _invoice(books, c, "2026-05-03", 10000)
    before = _state(books)
    with pytest.raises(DomainError) as err:
        services.apply_credit(
            tenant=books, actor=None, document_id=big.pk, payment_id=receipt.pk, amount=2500
        )
    assert err.value.fields["amount"] == ["only 2000 of credit left"]
    # another party's invoice, a draft, another tenant's invoice
    other_inv = _invoice(books, other, "2026-05-04", 1000)
    before = _state(books)
    for target, status in ((other_inv.pk, 400), (draft.pk, 400), (b_inv.pk, 404)):
        with pytest.raises(DomainError) as err:
            services.apply_credit(
                tenant=books, actor=None, document_id=target, payment_id=receipt.pk, amount=100
            )
        assert err.value.status == status
    # then: nothing was written anywhere
    assert _state(books) == before
    assert _state(books_b) == before_b


def test_credit_through_the_api(fin_api_a, fin_api_b, books, books_b):
    # given
    c = customer(books)
    _invoice(books, c, "2026-04-01", 10000)
    receipt = _pay(books, c, "2026-04-05", 12000)
    inv = _invoice(books, c, "2026-05-01", 5000)
    url = f"{BASE}/documents/{inv.pk}"

    def post(client, body, key=None):
        headers = {"Idempotency-Key": key} if key else {}
        return client.post(
            f"{url}/credits",
            data=json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    # when: the sources are listed and too much is applied
    r = fin_api_a.get(f"{url}/credit-sources")
    assert r.status_code == 200
    assert [(x["kind"], x["id"], x["available"]) for x in r.json()] == [
        ("payment", receipt.pk, 2000)
    ]
    r = post(fin_api_a, {"payment_id": receipt.pk, "amount": 2001})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_credit"
    assert "amount" in r.json()["error"]["fields"]
    # and another tenant's user tries both endpoints on A's invoice
    before = _state(books)
    assert fin_api_b.get(f"{url}/credit-sources").status_code == 404
    assert post(fin_api_b, {"payment_id": receipt.pk, "amount": 100}).status_code == 404
    assert _state(books) == before
    # when: 20.00 is applied, twice with the same key
    r = post(fin_api_a, {"payment_id": receipt.pk, "amount": 2000, "date": "2026-05-02"}, "k1")
    assert r.status_code == 201, r.content
    again = post(fin_api_a, {"payment_id": receipt.pk, "amount": 2000, "date": "2026-05-02"}, "k1")
    assert again.json() == r.json()
    # then: once; the invoice shows the credit and 30.00 open
    d = fin_api_a.get(url).json()
    assert d["open_amount"] == 3000
    assert [(x["source"], x["amount"]) for x in d["credits"]] == [(receipt.number, 2000)]


def _u(path: str, tenant: str = "client-a") -> str:
    return f"/t/{tenant}/commerce/{path}"


def test_credit_is_applied_from_the_invoice_page(fin_web_a, books, books_b, clerk_b):
    # given: a credit note with 40.00 open and a new invoice of 100.00
    c = customer(books)
    first = _invoice(books, c, "2026-04-01", 4000)
    _pay(books, c, "2026-04-02", 4000)
    cn = issue(
        books,
        services.create_from(tenant=books, actor=None, source_id=first.pk, kind="credit_note"),
    )
    inv = _invoice(books, c, "2026-05-01", 10000)
    page = fin_web_a.get(_u(f"documents/{inv.pk}/")).content.decode()
    assert f'value="credit_note:{cn.pk}"' in page and "40.00 left" in page
    # when: too much, then no source, are posted: a message, nothing written
    before = _state(books)
    r = fin_web_a.post(
        _u(f"documents/{inv.pk}/credit/"),
        {"source": f"credit_note:{cn.pk}", "amount": "40.01"},
        follow=True,
    )
    assert "only 4000 of credit left" in r.content.decode()
    r = fin_web_a.post(_u(f"documents/{inv.pk}/credit/"), {"amount": "1.00"}, follow=True)
    assert "choose a credit" in r.content.decode()
    assert _state(books) == before
    # and another tenant's user gets 404 and changes nothing
    b = Client()
    b.force_login(clerk_b)
    r = b.post(
        _u(f"documents/{inv.pk}/credit/", "client-b"),
        {"source": f"credit_note:{cn.pk}", "amount": "1.00"},
    )
    assert r.status_code == 404
    assert _state(books) == before
    # when: 40.00 is applied
    r = fin_web_a.post(
        _u(f"documents/{inv.pk}/credit/"), {"source": f"credit_note:{cn.pk}", "amount": "40.00"}
    )
    assert r.status_code == 302
    # then: 60.00 is open and the page lists the credit
    inv.refresh_from_db()
    assert inv.open_amount == 6000
    page = fin_web_a.get(_u(f"documents/{inv.pk}/")).content.decode()
    assert "Credit from" in page and cn.number in page
