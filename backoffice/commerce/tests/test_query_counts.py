"""Issuing documents and recording payments cost the same number of queries whatever the
number of lines or documents (issue 13): a query per line would come back unnoticed otherwise.

Each case warms up first (balance, stock-level and counter rows exist), then compares a
small and a large document or payment on the same tenant.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.commerce.tests.factories import customer, doc, issue, record_payment, supplier

pytestmark = pytest.mark.django_db


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
