"""Documents and receipts as files, the same response for the pages and the API."""

from django.http import HttpResponse

from backoffice.commerce import pdf, ubl
from backoffice.commerce.models import Document, Payment
from backoffice.tenancy.models import Organization


def _file(body: bytes, content_type: str, disposition: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = disposition
    return response


def document_pdf(tenant: Organization, doc: Document) -> HttpResponse:
    """Any document as PDF, shown in the browser."""
    body = pdf.document_pdf(tenant, doc)
    return _file(body, "application/pdf", f'inline; filename="{doc.number or doc.pk}.pdf"')


def document_ubl(tenant: Organization, doc: Document) -> HttpResponse:
    """An issued invoice or credit note as UBL 2.1 XML, downloaded."""
    body = ubl.export(tenant, doc)
    return _file(body, "application/xml", f'attachment; filename="{doc.number}.xml"')


def receipt_pdf(tenant: Organization, payment: Payment) -> HttpResponse:
    """A receipt (money in) or payment advice (money out) as PDF, shown in the browser."""
    body = pdf.receipt_pdf(tenant, payment)
    return _file(body, "application/pdf", f'inline; filename="{payment.number}.pdf"')
