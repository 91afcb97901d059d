"""Documents: list, read, draft, edit, issue, cancel, derive; as UBL and PDF; credit."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.api.params import Id
from backoffice.commerce import files, selectors, services
from backoffice.commerce.api._common import allowed, arguments, caller, create, router
from backoffice.commerce.api.schemas import (
    CreditIn,
    CreditOut,
    CreditSourceOut,
    DeriveIn,
    DocumentIn,
    DocumentOut,
    DocumentPatch,
    DocumentSummaryOut,
    LineIn,
    UnapplyIn,
)
from backoffice.commerce.api.shapes import credit_out, doc_out, doc_summary
from backoffice.commerce.models import Document
from backoffice.tenancy.roles import Perm

MANAGE = Perm.MANAGE_COMMERCE


def _specs(lines: list[LineIn]) -> list[services.LineSpec]:
    return [
        services.LineSpec(
            product_id=ln.product_id,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            description=ln.description,
            tax_codes=ln.tax_codes,
        )
        for ln in lines
    ]


@router.get("/documents", response=list[DocumentSummaryOut])
@paginate(Page)
def list_documents(
    request: HttpRequest,
    kind: str = "",
    status: str = "",
    party_id: Id | None = None,
    search: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    open_only: bool = False,
) -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    qs = selectors.documents(
        a.tenant,
        kind=kind,
        status=status,
        party_id=party_id,
        search=search,
        start=start,
        end=end,
        open_only=open_only,
    )
    return [doc_summary(d) for d in qs]


@router.get("/documents/{document_id}", response=DocumentOut)
def get_document(request: HttpRequest, document_id: int) -> dict:
    return doc_out(selectors.access_document_by_id(caller(request), document_id))


@router.post("/documents", response={201: DocumentOut})
def create_document(request: HttpRequest, payload: DocumentIn) -> Status:
    """Create a draft (quote, order, delivery, invoice, credit note, PO, receipt, bill)."""
    kwargs = arguments(payload, exclude={"lines"})
    return create(request, services.create_document, doc_out, lines=_specs(payload.lines), **kwargs)


@router.patch("/documents/{document_id}", response=DocumentOut)
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatch) -> dict:
    """Edit a draft; an issued document answers 409 (correct it with a credit note)."""
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)
    lines = _specs(payload.lines) if payload.lines is not None else None
    kwargs = arguments(payload, exclude={"lines"})
    return doc_out(
        services.update_document(
            tenant=a.tenant, actor=a.user, document_id=document_id, lines=lines, **kwargs
        )
    )


def _change(request: HttpRequest, document_id: int, service: Callable[..., Document]) -> dict:
    """Run `service` on one of the caller's documents; the document as it is afterwards."""
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)
    return doc_out(service(tenant=a.tenant, actor=a.user, document_id=document_id))


@router.post("/documents/{document_id}/issue", response=DocumentOut)
def issue_document(request: HttpRequest, document_id: int) -> dict:
    """Number, move stock, post to the ledger. Issuing twice answers 409."""
    return _change(request, document_id, services.issue_document)


@router.get("/documents/{document_id}/ubl", response={200: None})
def document_ubl(request: HttpRequest, document_id: int) -> HttpResponse:
    """The issued invoice or credit note as UBL 2.1 XML (Peppol BIS Billing 3.0 shape)."""
    a = caller(request)
    return files.document_ubl(a.tenant, selectors.access_document_by_id(a, document_id))


@router.get("/documents/{document_id}/pdf", response={200: None})
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The document as PDF (invoice, credit note, order, ...), with the tenant's details."""
    a = caller(request)
    return files.document_pdf(a.tenant, selectors.access_document_by_id(a, document_id))


@router.post("/documents/{document_id}/cancel", response=DocumentOut)
def cancel_document(request: HttpRequest, document_id: int) -> dict:
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)
    return doc_out(services.cancel_document(tenant=a.tenant, actor=a.user, document_id=document_id))


@router.post("/documents/{document_id}/derive", response={201: DocumentOut})
def derive_document(request: HttpRequest, document_id: int, payload: DeriveIn) -> Status:
    """Draft the next document of the flow (order -> delivery -> invoice -> credit note).

    `quantities` and `unit_prices` are keyed by the source's line numbers; a bill of goods
    received at another price posts the difference to `bill.price_difference`.
    """
    selectors.access_document_by_id(caller(request), document_id, perm=MANAGE)
    kwargs = arguments(payload)
    return create(request, services.create_from, doc_out, source_id=document_id, **kwargs)


@router.get("/documents/{document_id}/credit-sources", response=list[CreditSourceOut])
def credit_sources(request: HttpRequest, document_id: int) -> list[dict]:
    """Credit the party has that could settle this invoice or bill (same currency)."""
    a = caller(request)
    d = selectors.access_document_by_id(a, document_id)
    return [c.__dict__ for c in selectors.credit_sources(a.tenant, d)]


@router.post("/documents/{document_id}/credits", response={201: CreditOut})
def apply_credit(request: HttpRequest, document_id: int, payload: CreditIn) -> Status:
    """Apply a receipt's unallocated rest (`payment_id`) or an open credit note
    (`credit_note_id`) of the same party to this invoice (a payment's rest or an open debit
    note to a bill)."""
    selectors.access_document_by_id(caller(request), document_id, perm=MANAGE)
    kwargs = arguments(payload)
    return create(request, services.apply_credit, credit_out, document_id=document_id, **kwargs)


@router.post("/documents/{document_id}/credits/{credit_id}/unapply", response={200: CreditOut})
def unapply_credit(
    request: HttpRequest, document_id: int, credit_id: int, payload: UnapplyIn
) -> Status:
    """Undo a credit application of this document: both sides get their open amounts back and
    its posting is reversed on `date`. Undoing it again answers 409."""
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)

    def undo() -> tuple[int, dict]:
        c = services.unapply_credit(
            tenant=a.tenant,
            actor=a.user,
            credit_id=credit_id,
            document_id=document_id,
            **arguments(payload),
        )
        return 200, credit_out(c)

    return run_idempotent(request, undo)
