"""Documents: list, read, draft, edit, issue, cancel, derive; as UBL and PDF; credit."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.commerce import files, selectors, services
from backoffice.commerce.api._common import allowed, caller, created, router
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
    party_id: int | None = None,
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
    a = allowed(request, MANAGE)

    def create() -> dict:
        d = services.create_document(
            tenant=a.tenant,
            actor=a.user,
            kind=payload.kind,
            party_id=payload.party_id,
            day=payload.date,
            lines=_specs(payload.lines),
            currency=payload.currency,
            rate=payload.rate,
            location_id=payload.location_id,
            reference=payload.reference,
            notes=payload.notes,
            prices_include_tax=payload.prices_include_tax,
            due_date=payload.due_date,
        )
        return doc_out(d)

    return created(request, create)


@router.patch("/documents/{document_id}", response=DocumentOut)
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatch) -> dict:
    """Edit a draft; an issued document answers 409 (correct it with a credit note)."""
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)
    d = services.update_document(
        tenant=a.tenant,
        actor=a.user,
        document_id=document_id,
        lines=_specs(payload.lines) if payload.lines is not None else None,
        day=payload.date,
        reference=payload.reference,
        notes=payload.notes,
    )
    return doc_out(d)


@router.post("/documents/{document_id}/issue", response=DocumentOut)
def issue_document(request: HttpRequest, document_id: int) -> dict:
    """Number, move stock, post to the ledger. Issuing twice answers 409."""
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)
    return doc_out(services.issue_document(tenant=a.tenant, actor=a.user, document_id=document_id))


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
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)

    def create() -> dict:
        d = services.create_from(
            tenant=a.tenant,
            actor=a.user,
            source_id=document_id,
            kind=payload.kind,
            day=payload.date,
            quantities=payload.quantities,
            unit_prices=payload.unit_prices,
            reference=payload.reference,
            location_id=payload.location_id,
        )
        return doc_out(d)

    return created(request, create)


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
    a = caller(request)
    selectors.access_document_by_id(a, document_id, perm=MANAGE)

    def create() -> dict:
        c = services.apply_credit(
            tenant=a.tenant,
            actor=a.user,
            document_id=document_id,
            amount=payload.amount,
            payment_id=payload.payment_id,
            credit_note_id=payload.credit_note_id,
            day=payload.date,
        )
        return credit_out(c)

    return created(request, create)


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
            day=payload.date,
        )
        return 200, credit_out(c)

    return run_idempotent(request, undo)
