"""Refused input: a clear error and nothing written."""

from __future__ import annotations

import pytest

from backoffice.commerce import selectors, services
from backoffice.commerce.models import DocKind, Document, Payment, StockMove
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    ledger_balances,
    record_payment,
    stock_item,
    supplier,
)
from backoffice.core.errors import Conflict, DomainError
from backoffice.ledger.models import JournalEntry

pytestmark = pytest.mark.django_db


def _counts(t):
    return (
        Document.objects.for_tenant(t).count(),
        StockMove.objects.for_tenant(t).count(),
        Payment.objects.for_tenant(t).count(),
        JournalEntry.objects.for_tenant(t).count(),
    )


@pytest.mark.parametrize("qty", [0, -1, "-0.5", "abc", "0.0001"])
def test_zero_negative_or_malformed_quantities_are_refused(books, qty):
    # given
    c = customer(books)
    widget = stock_item(books, "W", sale_price=100)
    before = _counts(books)
    # when / then
    with pytest.raises(DomainError) as exc:
        doc(books, DocKind.INVOICE, c, "2026-01-05", (widget, qty))
    assert "lines[0].quantity" in exc.value.fields
    assert _counts(books) == before


def test_delivering_more_than_in_stock_is_refused_unless_the_tenant_allows_negative(books):
    # given: 3 widgets in stock at 10.00
    c = customer(books)
    widget = stock_item(books, "W", sale_price=2000, cost=1000)
    services.adjust_stock(tenant=books, actor=None, product_id=widget.pk, quantity=3)
    before = _counts(books)
    draft = doc(books, DocKind.INVOICE, c, "2026-01-05", (widget, 5))
    # when / then: issuing the invoice of 5 is refused, nothing moves, nothing posts
    with pytest.raises(DomainError) as exc:
        issue(books, draft)
    assert exc.value.code == "insufficient_stock"
    assert "3" in exc.value.message
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.number == ""
    assert _counts(books)[1:] == before[1:]
    assert selectors.on_hand(books, widget.pk) == 3
    # when: the tenant allows negative stock
    services.update_settings(tenant=books, actor=None, allow_negative_stock=True)
    issue(books, draft)
    # then: stock goes to -2; the gapless number was not used up by the refusal
    assert selectors.on_hand(books, widget.pk) == -2
    draft.refresh_from_db()
    assert draft.number == "INV-2026-00001"


def test_payment_larger_than_open_amount_needs_an_overpayment_choice(books):
    c = customer(books)
    issue(books, doc(books, DocKind.INVOICE, c, "2026-01-05", (None, 1, 10000, [])))
    before = _counts(books)
    with pytest.raises(DomainError) as exc:
        record_payment(books, c, "2026-01-09", 10001)
    assert exc.value.code == "overpayment"
    assert "keep_overpayment" in exc.value.fields
    assert _counts(books) == before
    # and the receipt number was not consumed
    p = record_payment(books, c, "2026-01-09", 10000)
    assert p.number == "RCT-2026-00001"


def test_duplicate_supplier_bill_number_is_refused(books):
    s = supplier(books)
    issue(books, doc(books, DocKind.BILL, s, "2026-01-05", (None, 1, 5000, []), reference="A-1"))
    before = _counts(books)
    with pytest.raises(Exception) as exc:
        issue(
            books, doc(books, DocKind.BILL, s, "2026-01-06", (None, 1, 5000, []), reference="A-1")
        )
    assert isinstance(exc.value, DomainError)
    assert exc.value.code == "duplicate_reference"
    assert _counts(books) == before


def test_issued_invoice_cannot_be_edited_or_issued_again(books):
    c = customer(books)
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-01-05", (None, 1, 10000, [])))
    balances = ledger_balances(books)
    with pytest.raises(Conflict) as exc:
        services.update_document(
            tenant=books,
            actor=None,
            document_id=inv.pk,
            lines=[services.LineSpec(description="x", quantity=2, unit_price=1)],
        )
    assert exc.value.code == "document_immutable"
    assert "credit note" in exc.value.message
    with pytest.raises(Conflict):
        issue(books, inv)
    inv.refresh_from_db()
    assert (inv.gross, inv.lines.count()) == (10000, 1)
    assert ledger_balances(books) == balances


def test_another_tenants_party_or_product_is_refused(books, books_b):
    # given: client B's customer and product
    other_c = customer(books_b, "B1")
    other_p = stock_item(books_b, "BW", sale_price=100)
    mine = customer(books)
    before = _counts(books)
    # when / then
    with pytest.raises(DomainError) as exc:
        doc(books, DocKind.INVOICE, other_c, "2026-01-05", (None, 1, 100, []))
    assert exc.value.fields == {"party_id": ["no such party"]}
    with pytest.raises(DomainError) as exc:
        doc(books, DocKind.INVOICE, mine, "2026-01-05", (other_p, 1, 100))
    assert "lines[0].product_id" in exc.value.fields
    with pytest.raises(DomainError):
        services.adjust_stock(tenant=books, actor=None, product_id=other_p.pk, quantity=1)
    assert _counts(books) == before


def test_invalid_tax_id_is_refused_and_valid_one_is_compacted(books):
    with pytest.raises(DomainError) as exc:
        customer(books, "DE1", country="DE", tax_id="DE 136 695 977")
    assert exc.value.code == "invalid_tax_id"
    p = customer(books, "DE2", country="DE", tax_id="DE 136 695 976")
    assert (p.tax_id, p.tax_scheme) == ("DE136695976", "eu.vat")
    us = supplier(books, "US1", country="US", tax_id="04-2103594")
    assert us.tax_scheme.startswith("us.")


def test_unknown_posting_account_rolls_everything_back(books):
    # given: the receivable rule points at an account that was since deactivated
    from backoffice.ledger.models import Account
    from backoffice.ledger.services import update_account

    services.set_posting_account(
        tenant=books, actor=None, key="invoice.receivable", account_code="1400"
    )
    acc = Account.objects.for_tenant(books).get(code="1400")
    update_account(tenant=books, actor=None, account_id=acc.pk, is_active=False)
    c = customer(books)
    draft = doc(books, DocKind.INVOICE, c, "2026-01-05", (None, 1, 10000, []))
    before = _counts(books)
    # when / then
    with pytest.raises(DomainError) as exc:
        issue(books, draft)
    assert exc.value.code == "posting_refused"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert _counts(books) == before


def test_postgres_refuses_any_write_to_an_issued_document(books):
    # given
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the guard is a PostgreSQL trigger")
    c = customer(books)
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-01-05", (None, 1, 10000, [])))
    # when / then: a raw update of the total or a line, or a delete, is refused
    for sql in [
        f"UPDATE commerce_document SET gross = 1 WHERE id = {inv.pk}",
        f"UPDATE commerce_documentline SET unit_price = 1 WHERE document_id = {inv.pk}",
        f"DELETE FROM commerce_document WHERE id = {inv.pk}",
    ]:
        with (
            pytest.raises(DatabaseError, match=r"immutable|cannot be deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    # and settling it is still allowed
    record_payment(books, c, "2026-01-09", 4000)
    inv.refresh_from_db()
    assert inv.settled == 4000
