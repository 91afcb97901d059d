"""PDF of documents and receipts: an HTML template rendered by WeasyPrint (Debian fonts).

WeasyPrint is imported on first use so that the rest of the app works where its system
libraries (Pango) are missing; then only the PDF endpoints fail, with a clear error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from backoffice.commerce import selectors
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import Document, Payment
from backoffice.core.errors import DomainError
from backoffice.tenancy.models import Organization


def _render(template: str, context: dict[str, Any]) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the host
        raise DomainError(
            "PDF output needs WeasyPrint and Pango on this server.",
            code=ErrorCode.PDF_UNAVAILABLE,
            status=503,
        ) from exc
    tenant = context["t"]
    context["logo_uri"] = _logo_uri(tenant)
    html = render_to_string(template, context)
    return bytes(HTML(string=html).write_pdf())


def _logo_uri(tenant: Organization) -> str:
    """A file URI WeasyPrint can read, for tenants whose logo is in local storage."""
    if not tenant.logo:
        return ""
    try:
        return Path(tenant.logo.path).as_uri()
    except (NotImplementedError, ValueError):
        return tenant.logo.url


def document_pdf(tenant: Organization, doc: Document) -> bytes:
    lines = doc.lines.select_related("product").prefetch_related("taxes").order_by("line_no")
    return _render(
        "commerce/pdf/document.html",
        {"t": tenant, "d": doc, "lines": lines, "party": doc.party},
    )


def receipt_pdf(tenant: Organization, payment: Payment) -> bytes:
    return _render(
        "commerce/pdf/receipt.html",
        {
            "t": tenant,
            "p": payment,
            "party": payment.party,
            "allocations": payment.allocations.select_related("document").order_by("id"),
            "credit": selectors.customer_credit(tenant, payment.party.pk),
        },
    )
