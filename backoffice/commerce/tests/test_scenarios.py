"""Bookkeeping scenarios with the numbers worked out by hand.

The books are client A's (functional currency EUR, general chart): 1120 bank, 1200
receivables, 1300 inventory, 2100 payables, 2200 VAT, 4100 sales, 4200 service revenue,
5000 cost of goods sold, 8000 exchange differences. Amounts are cents; debit > 0.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backoffice.commerce import reports, selectors, services
from backoffice.commerce.models import DocKind, Document, ProductKind
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    ledger_balances,
    record_payment,
    stock_item,
    supplier,
)
from backoffice.ledger.services import set_exchange_rate

pytestmark = pytest.mark.django_db


def _setup(books):
    services.create_tax_rate(tenant=books, actor=None, code="VAT19", name="Standard", rate="19")
    services.create_tax_rate(tenant=books, actor=None, code="VAT7", name="Reduced", rate="7")
    widget = stock_item(
        books, "WIDGET", sale_price=5000, cost=3000, sales_taxes=["VAT19"], purchase_taxes=["VAT19"]
    )
    book = stock_item(
        books, "BOOK", sale_price=2000, cost=1200, sales_taxes=["VAT7"], purchase_taxes=["VAT7"]
    )
    setup = stock_item(
        books, "SETUP", kind=ProductKind.SERVICE, sale_price=10000, sales_taxes=["VAT19"]
    )
    return widget, book, setup


def test_procure_to_pay_and_order_to_cash_with_stock_two_rates_and_partial_payment(books):
    # given: two tax rates (19 % and 7 %), two stock items and a service
    widget, book, setup = _setup(books)
    s = supplier(books)
    c = customer(books)

    # procure to pay --------------------------------------------------------------------
    # when: a purchase order for 10 widgets at 30.00 and 20 books at 12.00 is received
    po = issue(books, doc(books, DocKind.PURCHASE_ORDER, s, "2026-01-05", (widget, 10), (book, 20)))
    gr = services.create_from(
        tenant=books, actor=None, source_id=po.pk, kind=DocKind.GOODS_RECEIPT, day=date(2026, 1, 6)
    )
    issue(books, gr)
    # then: the stock is in at cost, and nothing is posted yet
    assert selectors.on_hand(books, widget.pk) == 10
    assert selectors.on_hand(books, book.pk) == 20
    assert ledger_balances(books) == {}

    # when: the supplier's bill arrives for the goods received
    bill = services.create_from(
        tenant=books,
        actor=None,
        source_id=gr.pk,
        kind=DocKind.BILL,
        day=date(2026, 1, 7),
        reference="S-881",
    )
    bill = issue(books, bill)
    # then: net 300.00 + 240.00 = 540.00; VAT 19 % of 300.00 = 57.00, 7 % of 240.00 = 16.80
    assert (bill.net, bill.tax, bill.gross) == (54000, 7380, 61380)
    assert ledger_balances(books) == {"1300": 54000, "2200": 7380, "2100": -61380}
    assert bill.journal_entry is not None

    # when: we pay the bill in full, and a second bill (no order) brings 10 widgets at 36.00
    record_payment(books, s, "2026-01-20", 61380, direction="out")
    bill2 = issue(
        books, doc(books, DocKind.BILL, s, "2026-01-21", (widget, 10, 3600), reference="S-905")
    )
    # then: 360.00 + 19 % = 428.40 stays payable; widgets now 20 at an average of 33.00
    assert bill2.gross == 42840
    [w] = selectors.stock_on_hand(books, product_id=widget.pk)
    assert (w.quantity, w.value) == (20, 66000)

    # order to cash ---------------------------------------------------------------------
    # when: a customer orders 4 widgets at 50.00, 5 books at 20.00 and one setup at 100.00
    so = issue(
        books, doc(books, DocKind.SALES_ORDER, c, "2026-02-02", (widget, 4), (book, 5), (setup, 1))
    )
    delivery = services.create_from(
        tenant=books, actor=None, source_id=so.pk, kind=DocKind.DELIVERY, day=date(2026, 2, 3)
    )
    delivery = issue(books, delivery)
    # then: only the stock lines are delivered: 4 widgets at 33.00 and 5 books at 12.00 leave
    assert delivery.lines.count() == 2
    assert selectors.on_hand(books, widget.pk) == 16
    assert selectors.on_hand(books, book.pk) == 15

    # when: the order is invoiced
    inv = issue(
        books,
        services.create_from(
            tenant=books, actor=None, source_id=so.pk, kind=DocKind.INVOICE, day=date(2026, 2, 4)
        ),
    )
    # then: net 200 + 100 + 100 = 400.00; VAT 19 % of 300.00 = 57.00 and 7 % of 100.00 = 7.00
    assert (inv.net, inv.tax, inv.gross) == (40000, 6400, 46400)
    assert inv.number == "INV-2026-00001"
    # and cost of goods sold is 4 x 33.00 + 5 x 12.00 = 192.00, stock not moved twice
    assert selectors.on_hand(books, widget.pk) == 16
    assert ledger_balances(books) == {
        "1120": -61380,
        "1200": 46400,
        "1300": 54000 + 36000 - 19200,
        "2100": -42840,
        "2200": 7380 + 6840 - 6400,
        "4100": -30000,
        "4200": -10000,
        "5000": 19200,
    }

    # when: the customer pays 200.00 of it
    receipt = record_payment(books, c, "2026-02-20", 20000)
    # then: 264.00 stays open, the receipt is numbered in its own series
    inv.refresh_from_db()
    assert inv.open_amount == 26400
    assert receipt.number == "RCT-2026-00001"

    # when: one widget comes back and is credited (50.00 + 19 % = 59.50)
    cn = services.create_from(
        tenant=books,
        actor=None,
        source_id=inv.pk,
        kind=DocKind.CREDIT_NOTE,
        quantities={1: 1},
        day=date(2026, 2, 21),
    )
    cn = issue(books, cn)
    # then: the credit note reduces what is open; the widget returns to stock at 33.00
    inv.refresh_from_db()
    assert cn.gross == 5950
    assert inv.open_amount == 26400 - 5950
    final = ledger_balances(books)
    assert final == {
        "1120": -61380 + 20000,  # paid the first bill, received 200.00
        "1200": 46400 - 20000 - 5950,  # = 204.50 still owed by the customer
        "1300": 54000 + 36000 - 19200 + 3300,  # = 741.00
        "2100": -42840,  # the second bill
        "2200": 7380 + 6840 - 6400 + 950,  # input VAT 142.20 - output VAT 54.50
        "4100": -30000 + 5000,
        "4200": -10000,
        "5000": 19200 - 3300,
    }
    assert sum(final.values()) == 0
    # and stock: 17 widgets at 33.00 = 561.00, 15 books at 12.00 = 180.00: the inventory account
    stock = {r.sku: (r.quantity, r.value) for r in selectors.stock_on_hand(books)}
    assert stock == {"BOOK": (15, 18000), "WIDGET": (17, 56100)}
    assert sum(v for _, v in stock.values()) == final["1300"]
    # and every posted document links to its journal entry
    for d in Document.objects.for_tenant(books).filter(kind__in=["invoice", "bill", "credit_note"]):
        assert d.journal_entry_id is not None
        assert d.journal_entry.source_ref == d.number


def test_foreign_currency_invoice_paid_at_another_rate_posts_the_exchange_difference(books):
    # given: a US customer; 1 USD = 0.90 EUR on 1 March and 0.95 EUR on 31 March
    set_exchange_rate(
        tenant=books,
        actor=None,
        day=date(2026, 3, 1),
        base="USD",
        quote="EUR",
        rate=Decimal("0.90"),
    )
    set_exchange_rate(
        tenant=books,
        actor=None,
        day=date(2026, 3, 31),
        base="USD",
        quote="EUR",
        rate=Decimal("0.95"),
    )
    c = customer(books, "US1", currency="USD", country="US")
    # when: we invoice 1,000.00 USD of consulting (no tax) on 1 March
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-03-01", (None, 1, 100000, [])))
    # then: the receivable is booked at 900.00 EUR
    assert inv.rate == Decimal("0.90")
    assert inv.gross_functional == 90000
    assert ledger_balances(books) == {"1200": 90000, "4200": -90000}
    # when: the customer pays 1,000.00 USD on 31 March, worth 950.00 EUR
    record_payment(books, c, "2026-03-31", 100000, currency="USD")
    # then: the receivable is cleared at 900.00 and the 50.00 EUR gain is realised
    assert ledger_balances(books) == {"1120": 95000, "4200": -90000, "8000": -5000}
    inv.refresh_from_db()
    assert inv.open_amount == 0


def test_partial_foreign_payment_then_the_rest_clears_the_receivable_exactly(books):
    # given: a 1,000.00 USD invoice booked at 0.90 (900.00 EUR)
    set_exchange_rate(
        tenant=books,
        actor=None,
        day=date(2026, 3, 1),
        base="USD",
        quote="EUR",
        rate=Decimal("0.90"),
    )
    c = customer(books, "US1", currency="USD")
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-03-01", (None, 1, 100000, [])))
    # when: 300.00 USD arrive at 0.85 (255.00 EUR), then 700.00 USD at 0.92 (644.00 EUR)
    record_payment(books, c, "2026-03-10", 30000, rate="0.85")
    record_payment(books, c, "2026-03-20", 70000, rate="0.92")
    # then: receivable cleared (270.00 + 630.00); loss 15.00, gain 14.00: net loss 1.00
    assert ledger_balances(books) == {"1120": 25500 + 64400, "4200": -90000, "8000": 100}
    inv.refresh_from_db()
    assert inv.open_amount == 0 and inv.settled_functional == 90000


def test_overpayment_kept_as_customer_credit(books):
    # given: an invoice of 100.00 (no tax)
    c = customer(books)
    issue(books, doc(books, DocKind.INVOICE, c, "2026-04-01", (None, 1, 10000, [])))
    # when: the customer pays 120.00 and we choose to keep the excess as credit
    p = record_payment(books, c, "2026-04-05", 12000, keep_overpayment=True)
    # then: 20.00 is the customer's credit, a credit balance on receivables
    assert p.unallocated == 2000
    assert selectors.customer_credit(books, c.pk) == 2000
    assert ledger_balances(books) == {"1120": 12000, "1200": -2000, "4200": -10000}


def test_bill_at_another_price_than_received_posts_the_price_difference(books):
    # given: 10 widgets ordered and received at 30.00: stock 300.00, nothing posted yet
    widget, _, _ = _setup(books)
    s = supplier(books)
    c = customer(books)
    po = issue(books, doc(books, DocKind.PURCHASE_ORDER, s, "2026-05-04", (widget, 10)))
    gr = issue(
        books,
        services.create_from(tenant=books, actor=None, source_id=po.pk, kind=DocKind.GOODS_RECEIPT),
    )
    assert gr.lines.get().cost_value == 30000
    # when: the supplier bills 6 of them at 32.00 (6 x 2.00 = 12.00 more than received)
    bill = issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=gr.pk,
            kind=DocKind.BILL,
            quantities={1: 6},
            unit_prices={1: 3200},
            reference="S-1",
        ),
    )
    # then: net 192.00 + 19 % = 228.48 payable; inventory takes the received 6 x 30.00 =
    # 180.00 and the 12.00 goes to the price-difference account (5000 by default)
    assert (bill.net, bill.tax, bill.gross) == (19200, 3648, 22848)
    posted = ledger_balances(books)
    assert posted == {"1300": 18000, "5000": 1200, "2200": 3648, "2100": -22848}
    # when: the other 4 are billed at 29.50 (4 x 0.50 = 2.00 less than received)
    issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=gr.pk,
            kind=DocKind.BILL,
            unit_prices={1: 2950},
            reference="S-2",
        ),
    )
    # then: net 118.00 + 19 % = 140.42; inventory 120.00, price difference -2.00
    posted = ledger_balances(books)
    assert posted == {
        "1300": 18000 + 12000,
        "5000": 1200 - 200,
        "2200": 3648 + 2242,
        "2100": -22848 - 14042,
    }
    # and the inventory account equals the valuation report: 10 x 30.00 = 300.00
    [row] = reports.valuation(books)
    assert (row.quantity, row.value) == (10, 30000) and row.value == posted["1300"]
    # when: 4 are sold (cost 4 x 30.00 = 120.00)
    issue(books, doc(books, DocKind.INVOICE, c, "2026-05-20", (widget, 4)))
    # then: both still agree at 6 x 30.00 = 180.00
    [row] = reports.valuation(books)
    assert row.value == ledger_balances(books)["1300"] == 18000


def test_bill_from_an_order_at_another_price_than_received(books):
    # given: a sales-tax-free product; 5 ordered at 10.00 and received
    w = stock_item(books, "W", cost=1000)
    s = supplier(books)
    po = issue(books, doc(books, DocKind.PURCHASE_ORDER, s, "2026-05-04", (w, 5)))
    issue(
        books,
        services.create_from(tenant=books, actor=None, source_id=po.pk, kind=DocKind.GOODS_RECEIPT),
    )
    # when: the bill is made from the order at 10.40 (5 x 0.40 = 2.00 more)
    issue(
        books,
        services.create_from(
            tenant=books, actor=None, source_id=po.pk, kind=DocKind.BILL, unit_prices={1: 1040}
        ),
    )
    # then: inventory 50.00 like the stock, 2.00 price difference, 52.00 payable
    assert ledger_balances(books) == {"1300": 5000, "5000": 200, "2100": -5200}
    assert reports.valuation(books)[0].value == 5000


def test_bill_then_debit_note_then_the_debit_note_settles_the_next_bill(books):
    # given: 19 % VAT and a widget bought at 30.00; 6400 other costs
    widget, _, _ = _setup(books)
    s = supplier(books)
    # when: S1 bills 10 widgets at 30.00 and 50.00 of freight (no tax)
    bill = issue(
        books,
        doc(books, DocKind.BILL, s, "2026-06-01", (widget, 10), (None, 1, 5000, []), reference="A"),
    )
    # then: net 350.00, VAT 19 % of 300.00 = 57.00, 407.00 payable
    assert (bill.net, bill.tax, bill.gross) == (35000, 5700, 40700)
    assert ledger_balances(books) == {"1300": 30000, "6400": 5000, "2200": 5700, "2100": -40700}
    # when: the bill is paid, then 4 widgets go back and half the freight is credited
    record_payment(books, s, "2026-06-02", 40700, direction="out")
    dn = issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=bill.pk,
            kind=DocKind.DEBIT_NOTE,
            quantities={1: 4, 2: Decimal("0.5")},
            day=date(2026, 6, 5),
        ),
    )
    # then: net 120.00 + 25.00 = 145.00, VAT 22.80, 167.80 the supplier owes us; the
    # widgets leave at the bill's 30.00 each
    assert (dn.net, dn.tax, dn.gross, dn.open_amount) == (14500, 2280, 16780, 16780)
    assert ledger_balances(books) == {
        "1120": -40700,
        "1300": 30000 - 12000,
        "2100": 16780,
        "2200": 5700 - 2280,
        "6400": 5000 - 2500,
    }
    # when: S1 bills 5 more widgets at 32.00 (+ 19 % = 190.40) and the debit note is applied
    later = issue(
        books, doc(books, DocKind.BILL, s, "2026-06-10", (widget, 5, 3200), reference="B")
    )
    services.apply_credit(
        tenant=books,
        actor=None,
        document_id=later.pk,
        credit_note_id=dn.pk,
        amount=16780,
        day=date(2026, 6, 10),
    )
    # then: 190.40 - 167.80 = 22.60 is still owed to S1 and nothing else is open
    later.refresh_from_db()
    dn.refresh_from_db()
    assert (later.open_amount, dn.open_amount) == (2260, 0)
    final = ledger_balances(books)
    assert final == {
        "1120": -40700,  # paid the first bill
        "1300": 18000 + 16000,  # 6 widgets at 30.00 and 5 at 32.00
        "2100": -2260,  # = what is open on the second bill
        "2200": 3420 + 3040,  # input VAT 57.00 - 22.80 + 30.40
        "6400": 2500,  # half the freight
    }
    assert sum(final.values()) == 0
    # and the stock valuation is the inventory account: 11 widgets worth 340.00
    assert [(r.quantity, r.value) for r in reports.valuation(books)] == [(11, final["1300"])]
    assert reports.open_items_total(books, side="payable") == -final["2100"]


def test_invoice_overpaid_refunded_and_a_credit_application_undone(books):
    # given: C1 is invoiced 100.00 of services (no tax) and pays 150.00, 50.00 kept as credit
    c = customer(books)
    issue(books, doc(books, DocKind.INVOICE, c, "2026-07-01", (None, 1, 10000, [])))
    receipt = record_payment(books, c, "2026-07-05", 15000, keep_overpayment=True)
    assert ledger_balances(books) == {"1120": 15000, "1200": -5000, "4200": -10000}
    # when: a second invoice of 80.00 takes 30.00 of the credit
    second = issue(books, doc(books, DocKind.INVOICE, c, "2026-07-10", (None, 1, 8000, [])))
    app = services.apply_credit(
        tenant=books,
        actor=None,
        document_id=second.pk,
        payment_id=receipt.pk,
        amount=3000,
        day=date(2026, 7, 10),
    )
    # then: 50.00 open on the invoice, 20.00 of credit left: 1200 holds 30.00
    assert ledger_balances(books) == {"1120": 15000, "1200": 3000, "4200": -18000}
    # when: 15.00 of the credit is paid back
    services.refund_credit(
        tenant=books, actor=None, payment_id=receipt.pk, amount=1500, day=date(2026, 7, 15)
    )
    # then: the bank paid it out against receivables: 5.00 of credit left
    assert ledger_balances(books) == {"1120": 13500, "1200": 4500, "4200": -18000}
    # when: the 30.00 application is undone and the credit then left (35.00) refunded
    services.unapply_credit(tenant=books, actor=None, credit_id=app.pk, day=date(2026, 7, 20))
    receipt.refresh_from_db()
    assert receipt.unallocated == 3500
    services.refund_credit(
        tenant=books, actor=None, payment_id=receipt.pk, amount=3500, day=date(2026, 7, 21)
    )
    # then: the second invoice is fully open; the bank kept 150.00 - 15.00 - 35.00 = 100.00
    second.refresh_from_db()
    receipt.refresh_from_db()
    assert (second.open_amount, receipt.unallocated) == (8000, 0)
    final = ledger_balances(books)
    assert final == {"1120": 10000, "1200": 8000, "4200": -18000}
    assert sum(final.values()) == 0
    assert final["1200"] == reports.open_items_total(books, side="receivable")
    assert selectors.customer_credit(books, c.pk) == 0
    # and the customer's statement closes at the 80.00 owed
    _, lines = reports.statement(
        books, party_id=c.pk, start=date(2026, 7, 1), end=date(2026, 7, 31)
    )
    assert [(ln.kind, ln.debit, ln.credit, ln.balance) for ln in lines] == [
        ("invoice", 10000, 0, 10000),
        ("receipt", 0, 15000, -5000),
        ("invoice", 8000, 0, 3000),
        ("refund", 1500, 0, 4500),
        ("refund", 3500, 0, 8000),
    ]
