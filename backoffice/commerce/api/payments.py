"""Payments (receipts and payments made) and refunds of customer credit."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Status
from ninja.pagination import paginate

from backoffice.api.pagination import Page
from backoffice.api.params import Id
from backoffice.commerce import files, selectors, services
from backoffice.commerce.api._common import allowed, arguments, caller, create, router
from backoffice.commerce.api.schemas import PaymentIn, PaymentOut, RefundIn, RefundOut
from backoffice.commerce.api.shapes import payment_out, refund_out
from backoffice.tenancy.roles import Perm


@router.get("/payments", response=list[PaymentOut])
@paginate(Page)
def list_payments(request: HttpRequest, direction: str = "", party_id: Id | None = None) -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [
        payment_out(p) for p in selectors.payments(a.tenant, direction=direction, party_id=party_id)
    ]


@router.get("/payments/{payment_id}", response=PaymentOut)
def get_payment(request: HttpRequest, payment_id: int) -> dict:
    return payment_out(selectors.access_payment_by_id(caller(request), payment_id))


@router.get("/payments/{payment_id}/pdf", response={200: None})
def payment_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The receipt (money in) or payment advice (money out) as PDF."""
    a = caller(request)
    return files.receipt_pdf(a.tenant, selectors.access_payment_by_id(a, payment_id))


@router.post("/payments", response={201: PaymentOut})
def record_payment(request: HttpRequest, payload: PaymentIn) -> Status:
    """Record money received (with a receipt number) or paid; see `keep_overpayment`."""
    allocations = (
        [(x.document_id, x.amount) for x in payload.allocations]
        if payload.allocations is not None
        else None
    )
    kwargs = arguments(payload, exclude={"allocations"})
    return create(request, services.record_payment, payment_out, allocations=allocations, **kwargs)


@router.get("/refunds", response=list[RefundOut])
@paginate(Page)
def list_refunds(request: HttpRequest, party_id: Id | None = None) -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [refund_out(r) for r in selectors.refunds(a.tenant, party_id=party_id)]


@router.get("/refunds/{refund_id}", response=RefundOut)
def get_refund(request: HttpRequest, refund_id: int) -> dict:
    return refund_out(selectors.access_refund_by_id(caller(request), refund_id))


def _refund(
    request: HttpRequest,
    payload: RefundIn,
    *,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> Status:
    a = caller(request)
    if payment_id is not None:
        selectors.access_payment_by_id(a, payment_id, perm=Perm.MANAGE_COMMERCE)
    if credit_note_id is not None:
        selectors.access_document_by_id(a, credit_note_id, perm=Perm.MANAGE_COMMERCE)
    ids = {"payment_id": payment_id, "credit_note_id": credit_note_id}
    return create(request, services.refund_credit, refund_out, **ids, **arguments(payload))


@router.post("/payments/{payment_id}/refunds", response={201: RefundOut})
def refund_payment(request: HttpRequest, payment_id: int, payload: RefundIn) -> Status:
    """Pay back (part of) a receipt's unallocated rest, a customer's overpayment."""
    return _refund(request, payload, payment_id=payment_id)


@router.post("/documents/{document_id}/refunds", response={201: RefundOut})
def refund_credit_note(request: HttpRequest, document_id: int, payload: RefundIn) -> Status:
    """Pay back (part of) what is open on an issued credit note."""
    return _refund(request, payload, credit_note_id=document_id)
