"""What creating and issuing a document costs in queries, and the batched stock path
(several lines of one product in one document) giving the same answers as one move at a
time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.commerce import selectors, services
from backoffice.commerce.models import DocKind, StockLevel, StockMove
from backoffice.commerce.tests.factories import customer, doc, issue, ledger_balances, stock_item
from backoffice.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _invoice_queries(tenant, party, lines: list[services.LineSpec], day: date) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        d = services.create_document(
            tenant=tenant, actor=None, kind="invoice", party_id=party.pk, day=day, lines=lines
        )
        services.issue_document(tenant=tenant, actor=None, document_id=d.pk)
    return [q["sql"] for q in ctx.captured_queries]


def test_invoice_queries_do_not_grow_with_its_lines_or_the_stock_history(books):
    # given: two taxes, stock items with some history, services; one invoice issued already
    # (the counter, running rows and stock levels exist)
    for code, rate in (("VAT19", "19"), ("VAT7", "7")):
        services.create_tax_rate(tenant=books, actor=None, code=code, name=code, rate=rate)
    c = customer(books)
    stock = [
        stock_item(books, f"S{i}", sale_price=1000, cost=600, sales_taxes=["VAT7"])
        for i in range(6)
    ]
    svc = [
        stock_item(books, f"V{i}", kind="service", sale_price=5000, sales_taxes=["VAT19"])
        for i in range(4)
    ]
    for p in stock:
        for _ in range(5):
            services.adjust_stock(tenant=books, actor=None, product_id=p.pk, quantity=100)

    def spec(p, q=1):
        return services.LineSpec(product_id=p.pk, quantity=q)

    _invoice_queries(books, c, [spec(p) for p in stock[:3]] + [spec(svc[0])], date(2026, 1, 2))
    # when: an invoice of 2 lines, then one of 10 lines (6 stock, 4 service)
    small = _invoice_queries(books, c, [spec(stock[0]), spec(svc[0])], date(2026, 1, 3))
    large = _invoice_queries(
        books, c, [spec(p, 2) for p in stock] + [spec(p) for p in svc], date(2026, 1, 4)
    )
    # then: the same number of queries (no query per line), a few tens in all (of which the
    # ledger posting and the audit events take what their own apps need), and the stock
    # check reads the stock level instead of summing the moves
    assert len(large) == len(small)
    assert len(large) <= 50
    own = [
        q
        for q in large
        if "ledger_" not in q and "audit_" not in q and not q.startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(own) <= 24
    assert not [q for q in large if 'SUM("commerce_stockmove"' in q]


def test_two_lines_of_one_product_are_checked_together_against_the_stock(books):
    # given: 5 in stock
    c = customer(books)
    w = stock_item(books, "W", sale_price=2000, cost=1000)
    services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=5)
    draft = doc(books, DocKind.INVOICE, c, "2026-01-05", (w, 3), (w, 3))
    # when / then: 3 + 3 is refused although each line alone would fit; nothing moved
    with pytest.raises(DomainError) as exc:
        issue(books, draft)
    assert exc.value.code == "insufficient_stock"
    assert "Only 2 pcs" in exc.value.message
    assert StockMove.objects.for_tenant(books).count() == 1
    assert StockLevel.objects.for_tenant(books).get().quantity == 5
    # and 3 + 2 goes through, leaving none
    ok = doc(books, DocKind.INVOICE, c, "2026-01-05", (w, 3), (w, 2))
    issue(books, ok)
    assert StockLevel.objects.for_tenant(books).get().quantity == 0
    assert selectors.on_hand(books, w.pk) == 0


@pytest.mark.parametrize(
    ("method", "costs", "balance"),
    [
        # FIFO: 8 x 10.00 from the first layer, then 2 x 10.00 + 2 x 13.00
        ("fifo", [8000, 4600], 10400),
        # average 11.50: 8 x 11.50, then 4 x 11.50 from the row the first line left
        ("average", [9200, 4600], 9200),
    ],
)
def test_lines_of_one_product_in_one_invoice_are_valued_one_after_the_other(
    books, method, costs, balance
):
    # given: 10 in at 10.00, then 10 in at 13.00
    services.update_settings(tenant=books, actor=None, valuation=method)
    w = stock_item(books, "W", sale_price=2000, cost=1000)
    for day, cost in ((1, 1000), (2, 1300)):
        services.adjust_stock(
            tenant=books,
            actor=None,
            product_id=w.pk,
            quantity=10,
            unit_cost=cost,
            day=date(2026, 1, day),
        )
    # when: one invoice takes 8 and then 4
    inv = issue(books, doc(books, DocKind.INVOICE, customer(books), "2026-01-05", (w, 8), (w, 4)))
    # then: each line's cost as if it had been invoiced alone, in line order; 8 left
    assert [ln.cost_value for ln in inv.lines.order_by("line_no")] == costs
    assert ledger_balances(books)["5000"] == sum(costs)
    [row] = selectors.stock_on_hand(books)
    assert row.quantity == Decimal(8)
    assert row.value == balance
