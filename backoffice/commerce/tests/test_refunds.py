"""Customer credit paid back (refunds) and credit applications undone. EUR books; cents,
debit > 0 (1120 bank, 1200 receivables, 4200 service revenue, 8000 exchange differences)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from backoffice.commerce import reports, selectors, services
from backoffice.commerce.models import CreditApplication, DocKind, Document, Payment, Refund
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    ledger_balances,
    record_payment,
    supplier,
)
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger.models import JournalEntry
from backoffice.ledger.services import set_exchange_rate

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"


def _invoice(tenant, party, day, amount):
    return issue(tenant, doc(tenant, DocKind.INVOICE, party, day, (None, 1, amount, [])))


def _pay(tenant, party, day, amount, **kw):
    """Money in (or `direction="out"`), the excess kept as credit (advance)."""
    return record_payment(tenant, party, day, amount, keep_overpayment=True, **kw)


def _refund(tenant, amount, day="2026-04-10", **kw):
    return services.refund_credit(
        tenant=tenant, actor=None, amount=amount, day=date.fromisoformat(day), **kw
    )


def _state(tenant):
    return (
        Refund.objects.for_tenant(tenant).count(),
        sorted(CreditApplication.objects.for_tenant(tenant).values_list("pk", "reversed_on")),
        sorted(Document.objects.for_tenant(tenant).values_list("pk", "settled")),
        sorted(Payment.objects.for_tenant(tenant).values_list("pk", "unallocated")),
        JournalEntry.objects.for_tenant(tenant).count(),
        ledger_balances(tenant),
    )


@pytest.fixture
def overpaid(books):
    """C1 invoiced 100.00 and paid 120.00 on 5 April: 20.00 kept as credit on RCT-1."""
    c = customer(books)
    _invoice(books, c, "2026-04-01", 10000)
    return c, _pay(books, c, "2026-04-05", 12000)


def test_an_overpayment_is_refunded_in_two_parts(books, overpaid):
    # given
    c, receipt = overpaid
    assert ledger_balances(books) == {"1120": 12000, "1200": -2000, "4200": -10000}
    # when: 15.00 is paid back, then the other 5.00 from the cash account
    first = _refund(books, 1500, payment_id=receipt.pk)
    second = _refund(books, 500, day="2026-04-11", payment_id=receipt.pk, bank_account="1110")
    # then: the credit is gone; the bank paid 15.00 and the cash 5.00; numbered RFD
    receipt.refresh_from_db()
    assert receipt.unallocated == 0
    assert (first.number, second.number) == ("RFD-2026-00001", "RFD-2026-00002")
    assert (first.source_functional, second.bank_account) == (1500, "1110")
    assert selectors.customer_credit(books, c.pk) == 0
    assert ledger_balances(books) == {"1110": -500, "1120": 10500, "4200": -10000}
    posted = selectors.postings(books, first.journal_entry_id)
    assert {(p.account.code, p.debit, p.credit) for p in posted} == {
        ("1200", 1500, 0),
        ("1120", 0, 1500),
    }
    # and the customer's statement shows the refunds as debits, closing at zero
    _, lines = reports.statement(
        books, party_id=c.pk, start=date(2026, 4, 1), end=date(2026, 4, 30)
    )
    assert [(ln.kind, ln.debit, ln.credit) for ln in lines][-2:] == [
        ("refund", 1500, 0),
        ("refund", 500, 0),
    ]
    assert lines[-1].balance == 0


def test_an_open_credit_note_is_refunded(books):
    # given: an invoice of 100.00 paid in full, then a credit note of 40.00 on it
    c = customer(books)
    inv = _invoice(books, c, "2026-04-01", 10000)
    _pay(books, c, "2026-04-02", 10000)
    cn = issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=inv.pk,
            kind=DocKind.CREDIT_NOTE,
            quantities={1: Decimal("0.4")},
        ),
    )
    assert cn.open_amount == 4000
    # when: 25.00 of it is paid back
    _refund(books, 2500, credit_note_id=cn.pk)
    # then: 15.00 stays open on the credit note and on receivables (a credit balance)
    cn.refresh_from_db()
    assert (cn.open_amount, cn.settled_functional) == (1500, 2500)
    assert ledger_balances(books) == {"1120": 10000 - 2500, "1200": -1500, "4200": -6000}


def test_a_foreign_credit_refunded_at_another_rate_realises_the_difference(books):
    # given: 100.00 USD kept as credit at 0.90 (90.00 EUR); the rate is 0.95 on 1 April
    for day, rate in ((date(2026, 3, 1), "0.90"), (date(2026, 4, 1), "0.95")):
        set_exchange_rate(
            tenant=books, actor=None, day=day, base="USD", quote="EUR", rate=Decimal(rate)
        )
    c = customer(books, "US1", currency="USD")
    receipt = _pay(books, c, "2026-03-10", 10000, currency="USD")
    # when: it is all paid back on 10 April (95.00 EUR leave the bank)
    r = _refund(books, 10000, payment_id=receipt.pk)
    # then: the credit leaves at 90.00; the 5.00 more is an exchange loss
    assert (r.currency, r.rate, r.source_functional) == ("USD", Decimal("0.95"), 9000)
    assert ledger_balances(books) == {"1120": 9000 - 9500, "8000": 500}


def test_undoing_a_credit_application_reverses_its_exchange_difference(books):
    # given: 100.00 USD of credit (90.00 EUR) applied to an invoice booked at 95.00 EUR
    for day, rate in ((date(2026, 3, 1), "0.90"), (date(2026, 4, 1), "0.95")):
        set_exchange_rate(
            tenant=books, actor=None, day=day, base="USD", quote="EUR", rate=Decimal(rate)
        )
    c = customer(books, "US1", currency="USD")
    receipt = _pay(books, c, "2026-03-10", 10000, currency="USD")
    inv = _invoice(books, c, "2026-04-02", 10000)
    before = ledger_balances(books)
    app = services.apply_credit(
        tenant=books,
        actor=None,
        document_id=inv.pk,
        payment_id=receipt.pk,
        amount=10000,
        day=date(2026, 4, 3),
    )
    assert ledger_balances(books) == {"1120": 9000, "4200": -9500, "8000": 500}
    # when
    undone = services.unapply_credit(
        tenant=books, actor=None, credit_id=app.pk, day=date(2026, 4, 4)
    )
    # then: open amounts and the ledger are as before the application, by a reversing entry
    inv.refresh_from_db()
    receipt.refresh_from_db()
    assert (inv.open_amount, inv.settled_functional, receipt.unallocated) == (10000, 0, 10000)
    assert undone.reversal_entry is not None and undone.reversed_on == date(2026, 4, 4)
    assert ledger_balances(books) == before
    # (the application netted to 1200 Cr 5.00 / 8000 Dr 5.00: credit and receivable share 1200)
    reversal = selectors.postings(books, undone.reversal_entry_id)
    assert {(p.account.code, p.debit, p.credit) for p in reversal} == {
        ("1200", 500, 0),
        ("8000", 0, 500),
    }
    # and the credit, applied again in full, takes its whole 90.00 again
    again = services.apply_credit(
        tenant=books,
        actor=None,
        document_id=inv.pk,
        payment_id=receipt.pk,
        amount=10000,
        day=date(2026, 4, 5),
    )
    assert again.source_functional == 9000
    assert ledger_balances(books) == {"1120": 9000, "4200": -9500, "8000": 500}


def test_refunds_of_too_much_or_the_wrong_credit_are_refused(books, books_b, overpaid):
    # given: RCT-1 with 20.00 of credit; a draft credit note; a supplier payment; B's receipt
    _c, receipt = overpaid
    inv = Document.objects.for_tenant(books).get(kind=DocKind.INVOICE)
    draft_cn = services.create_from(
        tenant=books, actor=None, source_id=inv.pk, kind=DocKind.CREDIT_NOTE
    )
    s = supplier(books)
    advance = _pay(books, s, "2026-04-06", 3000, direction="out")
    cb = customer(books_b, "B-C")
    b_receipt = _pay(books_b, cb, "2026-04-02", 3000)
    before, before_b = _state(books), _state(books_b)
    cases = [
        ({"payment_id": receipt.pk, "amount": 2001}, "amount"),  # more than the credit
        ({"payment_id": receipt.pk, "amount": 0}, "amount"),
        ({"payment_id": receipt.pk, "amount": -5}, "amount"),
        ({"amount": 100}, "payment_id"),  # no source
        ({"payment_id": receipt.pk, "credit_note_id": inv.pk, "amount": 100}, "payment_id"),
        ({"payment_id": receipt.pk, "amount": 100, "currency": "USD"}, "currency"),
        ({"payment_id": receipt.pk, "amount": 100, "bank_account": "9999"}, "bank_account"),
        ({"payment_id": advance.pk, "amount": 100}, "payment_id"),  # money we paid out
        ({"payment_id": b_receipt.pk, "amount": 100}, "payment_id"),  # another tenant's
        ({"credit_note_id": draft_cn.pk, "amount": 100}, "credit_note_id"),  # not issued
        ({"credit_note_id": inv.pk, "amount": 100}, "credit_note_id"),  # not a credit note
    ]
    for kw, field in cases:
        with pytest.raises(DomainError) as err:
            _refund(books, **kw)
        assert field in err.value.fields, (kw, err.value.fields)
        assert err.value.status == 400
    # then: nothing was written anywhere, not even a refund number
    assert _state(books) == before
    assert _state(books_b) == before_b
    assert _refund(books, 2000, payment_id=receipt.pk).number == "RFD-2026-00001"


def test_a_credit_is_undone_once_on_or_after_its_day(books, books_b, overpaid):
    c, receipt = overpaid
    inv = _invoice(books, c, "2026-04-06", 5000)
    app = services.apply_credit(
        tenant=books,
        actor=None,
        document_id=inv.pk,
        payment_id=receipt.pk,
        amount=2000,
        day=date(2026, 4, 7),
    )
    before = _state(books)
    with pytest.raises(DomainError) as err:
        services.unapply_credit(tenant=books, actor=None, credit_id=app.pk, day=date(2026, 4, 6))
    assert "date" in err.value.fields
    with pytest.raises(NotFound):
        services.unapply_credit(tenant=books_b, actor=None, credit_id=app.pk)
    first = Document.objects.for_tenant(books).exclude(pk=inv.pk).get(kind=DocKind.INVOICE)
    with pytest.raises(NotFound):  # not an application of this invoice
        services.unapply_credit(tenant=books, actor=None, credit_id=app.pk, document_id=first.pk)
    assert _state(books) == before
    services.unapply_credit(tenant=books, actor=None, credit_id=app.pk, day=date(2026, 4, 8))
    after = _state(books)
    with pytest.raises(Conflict):
        services.unapply_credit(tenant=books, actor=None, credit_id=app.pk, day=date(2026, 4, 9))
    assert _state(books) == after
    # and the credit restored can be refunded
    assert _refund(books, 2000, payment_id=receipt.pk).amount == 2000


def _post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{BASE}{url}", data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.fixture
def applied(books, overpaid):
    """5.00 of RCT-1's credit applied on 7 April to a 50.00 invoice of 6 April."""
    c, receipt = overpaid
    inv = _invoice(books, c, "2026-04-06", 5000)
    app = services.apply_credit(
        tenant=books,
        actor=None,
        document_id=inv.pk,
        payment_id=receipt.pk,
        amount=500,
        day=date(2026, 4, 7),
    )
    return receipt, inv, app


def test_refunds_and_undo_through_the_api(fin_api_a, fin_api_b, api_a, books, applied):
    receipt, inv, app = applied
    url = f"/payments/{receipt.pk}/refunds"
    undo = f"/documents/{inv.pk}/credits/{app.pk}/unapply"
    before = _state(books)
    # another tenant's user gets 404, a reader 403, and too much a 400 with the field
    assert _post(fin_api_b, url, {"amount": 100}).status_code == 404
    assert _post(fin_api_b, undo, {}).status_code == 404
    assert fin_api_b.get(f"{BASE}/payments/{receipt.pk}").status_code == 404
    assert _post(api_a, url, {"amount": 100}).status_code == 403
    assert _post(api_a, undo, {}).status_code == 403
    r = _post(fin_api_a, url, {"amount": 1501, "date": "2026-04-10"})
    assert r.status_code == 400
    assert r.json()["error"]["fields"]["amount"] == ["only 1500 of credit left on RCT-2026-00001"]
    r = _post(fin_api_a, url, {"amount": 100, "currency": "USD"})
    assert r.status_code == 400 and "currency" in r.json()["error"]["fields"]
    r = _post(fin_api_a, f"/documents/{inv.pk}/refunds", {"amount": 100})
    assert r.status_code == 400 and "credit_note_id" in r.json()["error"]["fields"]
    assert _state(books) == before
    # when: 10.00 is refunded, twice with one key
    body = {"amount": 1000, "date": "2026-04-10", "reference": "IBAN DE.."}
    r = _post(fin_api_a, url, body, key="rf-1")
    assert r.status_code == 201, r.content
    assert _post(fin_api_a, url, body, key="rf-1").json() == r.json()
    refund = r.json()
    assert (refund["number"], refund["source"], refund["amount"]) == (
        "RFD-2026-00001",
        receipt.number,
        1000,
    )
    assert {(p["account"], p["debit"], p["credit"]) for p in refund["postings"]} == {
        ("1200", 1000, 0),
        ("1120", 0, 1000),
    }
    # and the application is undone, twice with one key, a third time refused
    r = _post(fin_api_a, undo, {"date": "2026-04-11"}, key="un-1")
    assert r.status_code == 200, r.content
    assert r.json()["reversed_on"] == "2026-04-11"
    assert _post(fin_api_a, undo, {"date": "2026-04-11"}, key="un-1").json() == r.json()
    assert _post(fin_api_a, undo, {"date": "2026-04-11"}).status_code == 409
    # then: one refund, 10.00 of credit left, the invoice fully open again
    assert fin_api_a.get(f"{BASE}/payments/{receipt.pk}").json()["unallocated"] == 1000
    assert [x["number"] for x in fin_api_a.get(f"{BASE}/refunds").json()["items"]] == [
        "RFD-2026-00001"
    ]
    assert fin_api_b.get(f"{BASE}/refunds/{refund['id']}").status_code == 404
    d = fin_api_a.get(f"{BASE}/documents/{inv.pk}").json()
    assert d["open_amount"] == 5000 and d["credits"][0]["reversed_on"] == "2026-04-11"


def _u(path: str, tenant: str = "client-a") -> str:
    return f"/t/{tenant}/commerce/{path}"


def test_refund_and_undo_on_the_pages(fin_web_a, web_a, books, clerk_b, applied):
    receipt, inv, app = applied
    page = fin_web_a.get(_u(f"payments/{receipt.pk}/")).content.decode()
    assert 'id="refund-form"' in page and 'value="15.00"' in page
    before = _state(books)
    # too much: a message and nothing written; another tenant: 404; a reader: 403
    r = fin_web_a.post(_u(f"payments/{receipt.pk}/refund/"), {"amount": "15.01"}, follow=True)
    assert "only 1500 of credit left" in r.content.decode()
    b = Client()
    b.force_login(clerk_b)
    assert (
        b.post(_u(f"payments/{receipt.pk}/refund/", "client-b"), {"amount": "1"}).status_code == 404
    )
    r = b.post(_u(f"documents/{inv.pk}/unapply/", "client-b"), {"credit": app.pk})
    assert r.status_code == 404
    assert web_a.post(_u(f"payments/{receipt.pk}/refund/"), {"amount": "1"}).status_code == 403
    assert web_a.post(_u(f"documents/{inv.pk}/unapply/"), {"credit": app.pk}).status_code == 403
    assert _state(books) == before
    # when: 15.00 is refunded and the credit undone from the invoice page
    r = fin_web_a.post(
        _u(f"payments/{receipt.pk}/refund/"), {"amount": "15.00", "date": "2026-04-10"}
    )
    assert r.status_code == 302
    page = fin_web_a.get(_u(f"documents/{inv.pk}/")).content.decode()
    assert f'name="credit" value="{app.pk}"' in page
    r = fin_web_a.post(
        _u(f"documents/{inv.pk}/unapply/"), {"credit": app.pk, "date": "2026-04-11"}, follow=True
    )
    assert "undone" in r.content.decode()
    # then
    receipt.refresh_from_db()
    inv.refresh_from_db()
    assert (receipt.unallocated, inv.open_amount) == (500, 5000)
    assert Refund.objects.for_tenant(books).get().amount == 1500
