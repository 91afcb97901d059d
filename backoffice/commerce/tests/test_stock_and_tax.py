"""Valuation, transfers and tax rounding, with small hand-worked numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backoffice.commerce import selectors, services
from backoffice.commerce.models import DocKind
from backoffice.commerce.tax import LineInput, compute
from backoffice.commerce.tests.factories import customer, doc, issue, stock_item

D = Decimal


def test_tax_per_line_and_per_document_rounding():
    # given: three lines of 0.07 at 7 %: 0.49 cents of tax each
    lines = [LineInput(D(1), 7, [(1, D(7))]) for _ in range(3)]
    # when
    per_line = compute(lines, prices_include_tax=False, per_document=False)
    per_doc = compute(lines, prices_include_tax=False, per_document=True)
    # then: per line each 0.49 rounds to 0 (total 0); per document 1.47 rounds once to 1
    assert (per_line.net, per_line.tax, per_line.gross) == (21, 0, 21)
    assert (per_doc.net, per_doc.tax, per_doc.gross) == (21, 1, 22)
    # and where the roundings agree (0.10 at 19 %: 1.9 -> 2 per line, 5.7 -> 6), so do totals
    tens = [LineInput(D(1), 10, [(1, D(19))]) for _ in range(3)]
    assert compute(tens, prices_include_tax=False, per_document=False).tax == 6
    assert compute(tens, prices_include_tax=False, per_document=True).tax == 6


def test_prices_including_tax_keep_the_gross_and_split_several_taxes():
    # given: 119.00 including 19 % VAT, and 110.00 including 7 % + 3 % (two taxes on one line)
    one = compute(
        [LineInput(D(1), 11900, [(1, D(19))])], prices_include_tax=True, per_document=False
    )
    two = compute(
        [LineInput(D(1), 11000, [(1, D(7)), (2, D(3))])],
        prices_include_tax=True,
        per_document=False,
    )
    # then: 100.00 + 19.00; 100.00 + 7.00 + 3.00
    assert (one.net, one.tax, one.gross) == (10000, 1900, 11900)
    assert (two.net, two.gross, two.taxes) == (10000, 11000, {1: 700, 2: 300})


@pytest.mark.django_db
def test_fifo_values_deliveries_from_the_oldest_layer(books):
    # given: FIFO; 10 in at 10.00, then 10 in at 13.00
    services.update_settings(tenant=books, actor=None, valuation="fifo")
    w = stock_item(books, "W", sale_price=2000, cost=1000)
    services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=10, unit_cost=1000)
    services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=10, unit_cost=1300)
    c = customer(books)
    # when: 12 are sold, then 5 more
    first = issue(books, doc(books, DocKind.DELIVERY, c, "2026-01-05", (w, 12)))
    second = issue(books, doc(books, DocKind.DELIVERY, c, "2026-01-06", (w, 5)))
    # then: 10 x 10.00 + 2 x 13.00 = 126.00; then 5 x 13.00 = 65.00; 3 left worth 39.00
    assert first.lines.get().cost_value == 12600
    assert second.lines.get().cost_value == 6500
    [row] = selectors.stock_on_hand(books)
    assert (row.quantity, row.value) == (3, 3900)


@pytest.mark.django_db
def test_moving_average_and_transfer_between_locations(books):
    # given: 10 in at 10.00 and 10 in at 13.00 -> average 11.50
    w = stock_item(books, "W", cost=1000)
    main = services.default_location(books)
    shelf = services.create_location(tenant=books, actor=None, warehouse_code="MAIN", code="SHELF")
    for day, cost in ((1, 1000), (2, 1300)):
        services.adjust_stock(
            tenant=books,
            actor=None,
            product_id=w.pk,
            quantity=10,
            unit_cost=cost,
            day=date(2026, 1, day),
        )
    # when: 4 move to the shelf
    out, into = services.transfer_stock(
        tenant=books,
        actor=None,
        product_id=w.pk,
        quantity=4,
        from_location_id=main.pk,
        to_location_id=shelf.pk,
        day=date(2026, 1, 3),
    )
    # then: 46.00 moves with them; total value unchanged
    assert (out.value, into.value) == (-4600, 4600)
    rows = {
        r.location: (r.quantity, r.value) for r in selectors.stock_on_hand(books, by_location=True)
    }
    assert rows == {"MAIN/STOCK": (16, 23000 - 4600), "MAIN/SHELF": (4, 4600)}
    # and taking more than the shelf holds is refused
    with pytest.raises(services.DomainError):
        services.transfer_stock(
            tenant=books,
            actor=None,
            product_id=w.pk,
            quantity=5,
            from_location_id=shelf.pk,
            to_location_id=main.pk,
        )


@pytest.mark.django_db
def test_numbers_are_gapless_per_series_and_year(books):
    c = customer(books)
    a = issue(books, doc(books, DocKind.INVOICE, c, "2026-12-31", (None, 1, 100, [])))
    b = issue(books, doc(books, DocKind.INVOICE, c, "2027-01-01", (None, 1, 100, [])))
    q = issue(books, doc(books, DocKind.QUOTE, c, "2027-01-02", (None, 1, 100, [])))
    e = issue(books, doc(books, DocKind.INVOICE, c, "2027-01-03", (None, 1, 100, [])))
    assert [a.number, b.number, q.number, e.number] == [
        "INV-2026-00001",
        "INV-2027-00001",
        "QT-2027-00001",
        "INV-2027-00002",
    ]


@pytest.mark.django_db
def test_per_document_rounding_posts_the_difference_to_the_rounding_account(books):
    # given: per-document rounding; three lines of 0.08 including 7 % VAT
    from backoffice.commerce.tests.factories import ledger_balances

    services.update_settings(tenant=books, actor=None, tax_rounding="document")
    services.create_tax_rate(tenant=books, actor=None, code="VAT7", name="Red", rate="7")
    c = customer(books)
    # when
    inv = issue(
        books,
        doc(
            books,
            DocKind.INVOICE,
            c,
            "2026-01-05",
            *[(None, 1, 8, ["VAT7"]) for _ in range(3)],
            prices_include_tax=True,
        ),
    )
    # then: tax is 3 x 0.5234 = 1.5701 -> 2 cents, net 24 - 2 = 22; the lines' own nets are
    # 7 + 7 + 7 = 21 (each 8 - 1), so 1 cent of revenue sits on the rounding account
    assert (inv.net, inv.tax, inv.gross) == (22, 2, 24)
    assert ledger_balances(books) == {"1200": 24, "4200": -21, "2200": -2, "7900": -1}


def _running_equals_moves(tenant) -> dict[str, tuple[Decimal, int]]:
    from django.db.models import Sum

    from backoffice.commerce.models import ProductValuation, StockMove

    sums = {
        r["product__sku"]: (r["q"], r["v"])
        for r in StockMove.objects.for_tenant(tenant)
        .values("product__sku")
        .annotate(q=Sum("quantity"), v=Sum("value"))
    }
    running = {
        r.product.sku: (r.quantity, r.value)
        for r in ProductValuation.objects.for_tenant(tenant).select_related("product")
    }
    assert running == sums
    _levels_equal_moves(tenant)
    return running


def _levels_equal_moves(tenant) -> dict[tuple[str, str], Decimal]:
    """The quantity-on-hand rows equal the moves summed per product and location."""
    from django.db.models import Sum

    from backoffice.commerce.models import StockLevel, StockMove

    sums = {
        (r["product__sku"], r["location__code"]): r["q"]
        for r in StockMove.objects.for_tenant(tenant)
        .values("product__sku", "location__code")
        .annotate(q=Sum("quantity"))
    }
    levels = {
        (r.product.sku, r.location.code): r.quantity
        for r in StockLevel.objects.for_tenant(tenant).select_related("product", "location")
    }
    assert levels == sums
    return levels


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["average", "fifo"])
def test_running_valuation_row_equals_the_moves_after_every_kind_of_move(books, method):
    # given: 10 in at 10.00, 10 in at 13.00 (average 11.50), a second location
    services.update_settings(tenant=books, actor=None, valuation=method)
    w = stock_item(books, "W", sale_price=2000, cost=1000)
    main = services.default_location(books)
    shelf = services.create_location(tenant=books, actor=None, warehouse_code="MAIN", code="SHELF")
    for day, cost in ((1, 1000), (2, 1300)):
        services.adjust_stock(
            tenant=books,
            actor=None,
            product_id=w.pk,
            quantity=10,
            unit_cost=cost,
            day=date(2026, 1, day),
        )
    # when: 4 move to the shelf, 6 are invoiced (stock moved by the invoice), 1 comes back,
    # 2 are written off
    services.transfer_stock(
        tenant=books,
        actor=None,
        product_id=w.pk,
        quantity=4,
        from_location_id=main.pk,
        to_location_id=shelf.pk,
        day=date(2026, 1, 3),
    )
    c = customer(books)
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-01-05", (w, 6)))
    issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=inv.pk,
            kind="credit_note",
            quantities={1: 1},
            day=date(2026, 1, 6),
        ),
    )
    services.adjust_stock(
        tenant=books, actor=None, product_id=w.pk, quantity=-2, day=date(2026, 1, 7)
    )
    # then: 13 left (4 on the shelf); the running row and the levels equal the sums of the moves
    running = _running_equals_moves(books)
    assert _levels_equal_moves(books) == {("W", "STOCK"): Decimal(9), ("W", "SHELF"): Decimal(4)}
    expected = {
        # average: 6 x 11.50 = 69.00 out, 1 back at 11.50, 2 x 11.50 out: 230 - 69 + 11.5 - 23
        "average": 14950,
        # FIFO: the transfer takes 4 x 10.00 and puts them back as a new layer; the invoice
        # takes the other 6 x 10.00, 1 comes back at 10.00; the write-off finds the first
        # layer used up and takes 2 x 13.00: 230 - 40 + 40 - 60 + 10 - 26
        "fifo": 15400,
    }[method]
    assert running == {"W": (Decimal(13), expected)}


@pytest.mark.django_db
def test_moving_average_delivery_reads_one_row_not_the_history(
    books, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given: a long history of receipts
    w = stock_item(books, "W", cost=1000)
    for i in range(30):
        services.adjust_stock(
            tenant=books, actor=None, product_id=w.pk, quantity=1, unit_cost=1000 + i
        )
    # when: one unit leaves
    with CaptureQueriesContext(connection) as ctx:
        move = services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=-1)
    # then: its value is the average (10.145 -> 10.15) and no query summed the move values
    assert move.value == -1015
    assert not [q for q in ctx.captured_queries if 'SUM("commerce_stockmove"."value")' in q["sql"]]
    _running_equals_moves(books)


@pytest.mark.django_db(transaction=True)
def test_migration_0006_fills_the_running_rows_from_the_moves(books, books_b):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # given: moves in two tenants
    for t, qty in ((books, 3), (books_b, 5)):
        w = stock_item(t, "W", cost=700)
        services.adjust_stock(tenant=t, actor=None, product_id=w.pk, quantity=qty)
        services.adjust_stock(tenant=t, actor=None, product_id=w.pk, quantity=-1)
    try:
        # when: the schema goes back before 0006 (the rows are dropped) and forward again
        executor = MigrationExecutor(connection)
        executor.migrate([("commerce", "0005_credit_application")])
        executor = MigrationExecutor(connection)
        executor.migrate([("commerce", "0006_product_valuation")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # then: each tenant's row is the sum of its moves
    assert _running_equals_moves(books) == {"W": (Decimal(2), 1400)}
    assert _running_equals_moves(books_b) == {"W": (Decimal(4), 2800)}


@pytest.mark.django_db(transaction=True)
def test_migration_0007_fills_the_stock_levels_from_the_moves(books, books_b):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # given: moves at two locations in one tenant, one location in the other
    main = services.default_location(books)
    shelf = services.create_location(tenant=books, actor=None, warehouse_code="MAIN", code="SHELF")
    for t, qty in ((books, 3), (books_b, 5)):
        w = stock_item(t, "W", cost=700)
        services.adjust_stock(tenant=t, actor=None, product_id=w.pk, quantity=qty)
        services.adjust_stock(tenant=t, actor=None, product_id=w.pk, quantity=-1)
        if t == books:
            services.transfer_stock(
                tenant=t,
                actor=None,
                product_id=w.pk,
                quantity=1,
                from_location_id=main.pk,
                to_location_id=shelf.pk,
            )
    try:
        # when: the schema goes back before 0007 (the rows are dropped) and forward again
        executor = MigrationExecutor(connection)
        executor.migrate([("commerce", "0006_product_valuation")])
        executor = MigrationExecutor(connection)
        executor.migrate([("commerce", "0007_stock_level")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    # then: each tenant's rows are the sums of its moves per location
    assert _levels_equal_moves(books) == {("W", "STOCK"): Decimal(1), ("W", "SHELF"): Decimal(1)}
    assert _levels_equal_moves(books_b) == {("W", "STOCK"): Decimal(4)}
