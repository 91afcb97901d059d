"""Documents carry the tenant's letterhead: legal name, address, tax id and logo."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.base import ContentFile

from backoffice.commerce import pdf, services
from backoffice.commerce.models import DocKind
from backoffice.commerce.tests.factories import customer, doc, issue, stock_item

pytestmark = pytest.mark.django_db

TINY_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
    b'<rect width="4" height="4"/></svg>'
)


def test_invoice_pdf_has_the_tenants_letterhead(books, settings, tmp_path):
    # given a tenant with its details and a logo in local storage
    settings.MEDIA_ROOT = tmp_path
    books.legal_name = "Client A Trading GmbH"
    books.address = "Hauptstraße 1\n10115 Berlin"
    books.tax_id = "DE136695976"
    books.logo.save("logo.svg", ContentFile(TINY_SVG), save=True)
    c = customer(books, "C1")
    item = stock_item(books, "W", sale_price=1000)
    services.adjust_stock(tenant=books, actor=None, product_id=item.pk, quantity=5)
    invoice = issue(books, doc(books, DocKind.INVOICE, c, "2026-03-02", (item, 1)))
    # when the PDF is rendered
    with mock.patch.object(pdf, "render_to_string", wraps=pdf.render_to_string) as render:
        body = pdf.document_pdf(books, invoice)
    # then the HTML behind it names the tenant and embeds the logo, and a PDF comes out
    template, context = render.call_args.args
    html = pdf.render_to_string(template, context)
    assert "Client A Trading GmbH" in html
    assert "Hauptstraße 1<br>10115 Berlin" in html
    assert "Tax ID DE136695976" in html
    assert 'src="file://' in html and "logo" in html
    assert body.startswith(b"%PDF")
