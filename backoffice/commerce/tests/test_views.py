"""Commerce pages render for the tenant's own data and 404 for another tenant's."""

from __future__ import annotations

import pytest

from backoffice.commerce import services
from backoffice.commerce.models import DocKind, Document
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    record_payment,
    stock_item,
    supplier,
)

pytestmark = pytest.mark.django_db


def _u(path: str, tenant: str = "client-a") -> str:
    return f"/t/{tenant}/commerce/{path}"


def test_a_bookkeeper_drafts_issues_and_is_paid_through_the_pages(fin_web_a, books):
    # given
    services.create_tax_rate(tenant=books, actor=None, code="VAT19", name="Std", rate="19")
    c = customer(books)
    w = stock_item(books, "WIDGET", sale_price=1000, cost=400, sales_taxes=["VAT19"])
    services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=10)
    # when: the form is posted with one product line and one free line
    r = fin_web_a.post(
        _u("documents/new/"),
        {
            "kind": "invoice",
            "party": c.pk,
            "date": "2026-06-01",
            "product": [w.pk, ""],
            "description": ["", "Delivery fee"],
            "quantity": ["3", "1"],
            "unit_price": ["", "5.00"],
            "tax": ["", "-"],
        },
    )
    # then: a draft of 3 x 10.00 + 19 % and 5.00 untaxed
    d = Document.objects.for_tenant(books).get()
    assert r.status_code == 302 and r.url.endswith(f"/documents/{d.pk}/")
    assert (d.net, d.tax, d.gross, d.status) == (3500, 570, 4070, "draft")
    # when: issued and paid from the detail page
    fin_web_a.post(_u(f"documents/{d.pk}/issue/"))
    fin_web_a.post(_u(f"documents/{d.pk}/pay/"), {"amount": "40.70", "date": "2026-06-05"})
    d.refresh_from_db()
    assert d.number == "INV-2026-00001" and d.open_amount == 0
    page = fin_web_a.get(_u(f"documents/{d.pk}/")).content.decode()
    assert "INV-2026-00001" in page and "Postings" in page and "RCT-2026-00001" in page
    # and every list and report renders, CSV included
    for path in [
        "",
        "parties/",
        "products/",
        "stock/",
        "documents/",
        "payments/",
        "settings/",
        "documents/new/?kind=bill",
        "reports/receivables/",
        "reports/payables/",
        "reports/valuation/",
        "reports/sales/?group=product",
        "reports/purchases/",
        f"reports/statement/?party={c.pk}",
        f"parties/{c.pk}/",
    ]:
        assert fin_web_a.get(_u(path)).status_code == 200, path
    csv = fin_web_a.get(_u("reports/sales/?format=csv&start=2026-01-01&end=2026-12-31"))
    assert csv["Content-Type"].startswith("text/csv")
    assert "2026-06,35.00,5.70,40.70" in csv.content.decode()
    xlsx = fin_web_a.get(_u("reports/sales/?format=xlsx&start=2026-01-01&end=2026-12-31"))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert ["2026-06", "35.00", "5.70", "40.70"] in [
        [str(c) for c in row] for row in sheet.iter_rows(values_only=True)
    ]


def test_another_tenants_objects_are_404_on_every_page(fin_web_a, books, books_b):
    # given: client B's party, document and payment
    c = customer(books_b, "B-C")
    p = stock_item(books_b, "B-W", sale_price=100)
    services.adjust_stock(tenant=books_b, actor=None, product_id=p.pk, quantity=5)
    inv = issue(books_b, doc(books_b, DocKind.INVOICE, c, "2026-01-05", (p, 1)))
    draft = doc(books_b, DocKind.INVOICE, c, "2026-01-05", (p, 1))
    pay = record_payment(books_b, c, "2026-01-06", 50)
    # when / then: A's user asks for them by id, under A's slug
    for path in [
        f"parties/{c.pk}/",
        f"documents/{inv.pk}/",
        f"payments/{pay.pk}/",
        f"reports/statement/?party={c.pk}",
    ]:
        assert fin_web_a.get(_u(path)).status_code == 404, path
    for action in ["issue", "cancel", "derive", "pay"]:
        assert fin_web_a.post(_u(f"documents/{draft.pk}/{action}/")).status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"
    # and under B's slug they are 404 too (not a member)
    assert fin_web_a.get(_u(f"documents/{inv.pk}/", "client-b")).status_code == 404
    # and A's lists do not show them
    for path in ["parties/", "products/", "documents/", "payments/", "stock/"]:
        assert "B-" not in fin_web_a.get(_u(path)).content.decode(), path


def test_readers_cannot_change_anything(web_a, books):
    c = customer(books)
    d = doc(books, DocKind.INVOICE, c, "2026-01-05", (None, 1, 100, []))
    assert web_a.get(_u("documents/")).status_code == 200
    assert web_a.post(_u(f"documents/{d.pk}/issue/")).status_code == 403
    assert web_a.get(_u("documents/new/")).status_code == 403


def test_a_bill_is_made_from_a_receipt_at_the_suppliers_price_on_the_page(fin_web_a, books):
    # given: 2 widgets received at 15.00
    s = supplier(books)
    w = stock_item(books, "W", cost=1500)
    po = issue(books, doc(books, DocKind.PURCHASE_ORDER, s, "2026-05-04", (w, 2)))
    gr = issue(
        books,
        services.create_from(tenant=books, actor=None, source_id=po.pk, kind=DocKind.GOODS_RECEIPT),
    )
    page = fin_web_a.get(_u(f"documents/{gr.pk}/")).content.decode()
    assert 'name="price-1"' in page and "15.00" in page
    # when: a bad price is posted, nothing is written and the field is named
    before = Document.objects.for_tenant(books).count()
    r = fin_web_a.post(
        _u(f"documents/{gr.pk}/derive/"), {"kind": "bill", "price-1": "-3.00"}, follow=True
    )
    assert "Unit prices 1: must not be negative" in r.content.decode()
    r = fin_web_a.post(
        _u(f"documents/{gr.pk}/derive/"), {"kind": "bill", "price-1": "1.234"}, follow=True
    )
    assert "Unit prices 1: " in r.content.decode()
    assert Document.objects.for_tenant(books).count() == before
    # when: the supplier's 16.50 and invoice number are posted, and the bill issued
    r = fin_web_a.post(
        _u(f"documents/{gr.pk}/derive/"),
        {"kind": "bill", "price-1": "16.50", "reference": "S-9", "date": "2026-05-06"},
    )
    bill = Document.objects.for_tenant(books).get(kind=DocKind.BILL)
    assert r.status_code == 302 and r.url.endswith(f"/documents/{bill.pk}/")
    assert (bill.reference, bill.net, bill.source_id) == ("S-9", 3300, gr.pk)
    fin_web_a.post(_u(f"documents/{bill.pk}/issue/"))
    # then: the page shows 30.00 to inventory and 3.00 to the price-difference account
    page = fin_web_a.get(_u(f"documents/{bill.pk}/")).content.decode()
    assert "1300 Inventory" in page and "30.00" in page and "3.00" in page
    assert "5000 Cost of goods sold" in page
