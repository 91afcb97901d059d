"""Issuing documents and recording payments cost the same number of queries whatever the
number of lines or documents (issue 13): a query per line would come back unnoticed otherwise.

Each case warms up first (balance, stock-level and counter rows exist), then compares a
small and a large document or payment on the same tenant.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.commerce import services
from backoffice.commerce.tests.factories import customer, doc, issue, record_payment, supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(books):
    services.create_tax_rate(tenant=books, actor=None, code="STD", name="Standard", rate="19")
    services.create_tax_rate(tenant=books, actor=None, code="RED", name="Reduced", rate="7")
    products = [
        services.create_product(
            tenant=books,
            actor=None,
            sku=f"P{i}",
            name=f"Product {i}",
            sale_price=1000 + i,
            cost=600 + i,
            sales_taxes=["STD" if i % 2 else "RED"],
            purchase_taxes=["STD"],
        )
        for i in range(6)
    ]
    for p in products:
        services.adjust_stock(
            tenant=books, actor=None, product_id=p.pk, quantity=1000, day=date(2026, 1, 1)
        )
    return products


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def _document_costs(books, kind, party, products) -> tuple[int, int]:
    """(queries to create + issue a 2-line document, the same for a 6-line one)."""
    issue(books, doc(books, kind, party, "2026-02-01", *[(p, 1) for p in products]))

    def make(n):
        return lambda: issue(
            books, doc(books, kind, party, "2026-02-02", *[(p, 2) for p in products[:n]])
        )

    return _queries(make(2)), _queries(make(6))


def test_issuing_an_invoice_costs_the_same_for_two_lines_or_six(books, catalogue):
    small, large = _document_costs(books, "invoice", customer(books), catalogue)
    assert large == small


def test_issuing_a_bill_costs_the_same_for_two_lines_or_six(books, catalogue):
    small, large = _document_costs(books, "bill", supplier(books), catalogue)
    assert large == small


def test_a_payment_costs_the_same_for_one_open_invoice_or_four(books, catalogue):
    buyer = customer(books)
    invoices = [
        issue(books, doc(books, "invoice", buyer, "2026-02-01", (catalogue[0], 1)))
        for _ in range(6)
    ]
    record_payment(books, buyer, "2026-02-03", invoices[0].gross)  # warm up
    one = _queries(lambda: record_payment(books, buyer, "2026-02-04", invoices[1].gross))
    four = _queries(
        lambda: record_payment(books, buyer, "2026-02-05", sum(i.gross for i in invoices[2:6]))
    )
    assert four == one
