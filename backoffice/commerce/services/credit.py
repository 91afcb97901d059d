"""Credit a party already has, applied to an open invoice or bill, and undone again.

The credit is a payment's unallocated rest (a customer's overpayment, a supplier advance)
or what is open on an issued credit note (for an invoice) or debit note (for a bill).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import NoReturn

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backoffice.commerce import events, locks, posting
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import (
    CREDIT_KINDS,
    CreditApplication,
    DocKind,
    DocStatus,
    Document,
    Payment,
    PaymentDirection,
    Refund,
)
from backoffice.commerce.services._common import (
    actor_or_none,
    amount_words,
    functional_share,
    is_minor_units,
    settle,
)
from backoffice.commerce.services._tail import Entry, post_and_record
from backoffice.core.dates import check_optional_date
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger import money
from backoffice.tenancy.models import Organization, User


def _refuse(fields: dict[str, list[str]]) -> NoReturn:
    raise DomainError("The credit cannot be applied.", code=ErrorCode.INVALID_CREDIT, fields=fields)


def _check_request(amount: int, payment_id: int | None, credit_note_id: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if not is_minor_units(amount, positive=True):
        errors["amount"] = [amount_words(amount, positive=True)]
    if (payment_id is None) == (credit_note_id is None):
        errors["payment_id"] = ["give a payment or a credit note, not both"]
    if errors:
        _refuse(errors)


def _open_target(docs: Mapping[int, Document], document_id: int) -> Document:
    doc = docs.get(document_id)
    if doc is None:
        raise NotFound("No such document.")
    if (
        doc.kind not in (DocKind.INVOICE, DocKind.BILL)
        or doc.status != DocStatus.ISSUED
        or doc.open_amount <= 0
    ):
        raise DomainError(
            "Credit applies to an issued invoice or bill with something open.",
            code=ErrorCode.INVALID_CREDIT,
            fields={"document_id": ["not an open issued invoice or bill"]},
        )
    return doc


def _note_credit(doc: Document, note: Document | None, note_id: int) -> Document:
    """The credit (debit) note whose open amount is the credit, checked against `doc`."""
    note_kind = CREDIT_KINDS[doc.kind]
    if (
        note is None
        or note_id == doc.pk
        or note.kind != note_kind
        or note.status != DocStatus.ISSUED
        or note.party_id != doc.party_id
        or note.currency != doc.currency
    ):
        _refuse(
            {
                "credit_note_id": [
                    f"no issued {DocKind(note_kind).label.lower()} in {doc.currency} of this "
                    f"party with id {note_id}"
                ]
            }
        )
    return note


def _payment_credit(tenant: Organization, doc: Document, payment_id: int | None) -> Payment:
    """The payment whose unallocated rest is the credit, under its lock (see `locks`)."""
    direction = PaymentDirection.RECEIVED if doc.kind == DocKind.INVOICE else PaymentDirection.MADE
    payment = locks.payment(
        tenant, payment_id, party_id=doc.party_id, currency=doc.currency, direction=direction
    )
    if payment is None:
        _refuse(
            {
                "payment_id": [
                    f"no {'receipt' if direction == 'in' else 'payment'} in {doc.currency} of "
                    f"this party with id {payment_id}"
                ]
            }
        )
    return payment


def _check_amount(amount: int, available: int, doc: Document) -> None:
    errors: dict[str, list[str]] = {}
    if amount > available:
        errors["amount"] = [f"only {available} of credit left"]
    if amount > doc.open_amount:
        errors.setdefault("amount", []).append(f"{doc.number} has {doc.open_amount} open")
    if errors:
        _refuse(errors)


def apply_credit(
    *,
    tenant: Organization,
    actor: User | None,
    document_id: int,
    amount: int,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    day: date | None = None,
) -> CreditApplication:
    """Apply credit the party already has to an open invoice (or bill).

    The credit is a payment's unallocated rest (`payment_id`: a customer's overpayment, or a
    supplier advance for a bill) or what is left on an issued credit note (`credit_note_id`:
    a credit note for an invoice, a supplier's debit note for a bill), of the same party and
    currency. Both sides settle by `amount`; the ledger moves the credit off
    `payment.customer_credit` (`payment.supplier_advance`) or the receivable (payable) and
    clears the document's receivable (payable) at the document's rate, the difference being
    a realised exchange difference. Nothing is written on a refusal. `unapply_credit` undoes it.
    """
    _check_request(amount, payment_id, credit_note_id)
    check_optional_date(day, field="date")
    with transaction.atomic():
        ids = [document_id] if credit_note_id is None else [document_id, credit_note_id]
        docs = locks.documents(tenant, ids)
        doc = _open_target(docs, document_id)
        rule = posting.rules(tenant)
        payment = note = None
        if credit_note_id is not None:
            note = _note_credit(doc, docs.get(credit_note_id), credit_note_id)
            _check_amount(amount, note.open_amount, doc)
            source_f = functional_share(note, amount)
            settle(note, amount, source_f)
        else:
            payment = _payment_credit(tenant, doc, payment_id)
            _check_amount(amount, payment.unallocated, doc)
            source_f = payment_credit_share(tenant, payment, amount)
            payment.unallocated -= amount
            payment.save(update_fields=["unallocated"])
        target_f = functional_share(doc, amount)
        settle(doc, amount, target_f)
        app = CreditApplication.objects.create(
            tenant=tenant,
            document=doc,
            payment=payment,
            credit_note=note,
            date=day or timezone.localdate(),
            amount=amount,
            source_functional=source_f,
            target_functional=target_f,
            created_by=actor_or_none(actor),
        )
        source = payment.number if payment is not None else str(note)
        entry = Entry(
            day=app.date,
            memo=f"Credit {source} applied to {doc.number} {doc.party.name}",
            source_ref=doc.number,
            journal=_credit_journal(rule, app),
            idempotency_key=f"commerce:credit:{app.pk}",
        )
        event = partial(events.credit_applied, app, source=source)
        post_and_record(tenant=tenant, actor=actor, obj=app, entry=entry, event=event)
    return app


def _credit_journal(rule: Mapping[str, str], app: CreditApplication) -> posting.Journal:
    """The ledger lines of a credit application (`unapply_credit` posts them negated).

    The credit leaves its own account at its value; the document's receivable (payable) is
    cleared at the document's; what does not balance is a realised exchange difference.
    """
    sales = app.document.kind == DocKind.INVOICE
    target = rule["invoice.receivable"] if sales else rule["bill.payable"]
    if app.payment_id is None:
        source = target  # an open credit (debit) note sits on the receivable (payable)
    else:
        source = rule["payment.customer_credit" if sales else "payment.supplier_advance"]
    sign = 1 if sales else -1
    j = posting.Journal.new()
    j.debit(source, sign * app.source_functional)
    j.credit(target, sign * app.target_functional)
    j.balance_to(rule["fx.difference"])
    return j


def payment_credit_share(tenant: Organization, payment: Payment, amount: int) -> int:
    """Functional value of `amount` of a payment's kept credit; the exact rest when it ends it.

    The credit kept is what is unallocated now plus what was applied (and not undone) or
    refunded since; those took their own functional shares.
    """
    convert = partial(money.convert, rate=payment.rate, currency=payment.currency)
    if amount < payment.unallocated:
        return convert(amount, to=tenant.currency)
    used = [
        CreditApplication.objects.for_tenant(tenant)
        .filter(payment=payment, reversed_at__isnull=True)
        .aggregate(a=Sum("amount"), f=Sum("source_functional")),
        Refund.objects.for_tenant(tenant)
        .filter(payment=payment)
        .aggregate(a=Sum("amount"), f=Sum("source_functional")),
    ]
    kept = payment.unallocated + sum(u["a"] or 0 for u in used)
    return convert(kept, to=tenant.currency) - sum(u["f"] or 0 for u in used)


def unapply_credit(
    *,
    tenant: Organization,
    actor: User | None,
    credit_id: int,
    document_id: int | None = None,
    day: date | None = None,
) -> CreditApplication:
    """Undo a credit application: the document and the credit (payment rest, credit or
    debit note) get their open amounts back, and the application's posting, if it made one,
    is reversed on `day`. The application stays, marked undone; it is undone once.
    `document_id`, when given, is the document the application must belong to.
    """
    check_optional_date(day, field="date")
    with transaction.atomic():
        peek = CreditApplication.objects.for_tenant(tenant).filter(pk=credit_id).first()
        if peek is None or (document_id is not None and peek.document_id != document_id):
            raise NotFound("No such credit application.")
        ids = [i for i in (peek.document_id, peek.credit_note_id) if i is not None]
        docs = locks.documents(tenant, ids)
        payment = locks.payment(tenant, peek.payment_id) if peek.payment_id else None
        app = locks.credit_application(tenant, credit_id)
        undo_day = day or timezone.localdate()
        _check_undo(app, undo_day)
        doc = app.document = docs[app.document_id]
        settle(doc, -app.amount, -app.target_functional)
        if payment is not None:
            payment.unallocated += app.amount
            payment.save(update_fields=["unallocated"])
            source = payment.number
        else:
            note = docs[app.credit_note_id or 0]
            settle(note, -app.amount, -app.source_functional)
            source = note.number
        j = _credit_journal(posting.rules(tenant), app)
        j.lines = {account: -amount for account, amount in j.lines.items()}
        app.reversed_on = undo_day
        app.reversed_at = timezone.now()
        app.reversed_by = actor_or_none(actor)
        entry = Entry(
            day=undo_day,
            memo=f"Credit {source} taken back from {doc.number} {doc.party.name}",
            source_ref=doc.number,
            journal=j,
            idempotency_key=f"commerce:credit:{app.pk}:undo",
        )
        post_and_record(
            tenant=tenant,
            actor=actor,
            obj=app,
            entry=entry,
            entry_field="reversal_entry",
            save=["reversed_on", "reversed_at", "reversed_by"],
            event=partial(events.credit_unapplied, app, source=source, day=undo_day),
        )
    return app


def _check_undo(app: CreditApplication, undo_day: date) -> None:
    if app.reversed_at is not None:
        raise Conflict(
            f"This credit was already undone on {app.reversed_on}.",
            code=ErrorCode.CREDIT_UNDONE,
            fields={"credit_id": [f"undone on {app.reversed_on}"]},
        )
    if undo_day < app.date:
        raise DomainError(
            "A credit is undone on or after the day it was applied.",
            code=ErrorCode.INVALID_CREDIT,
            fields={"date": [f"on or after {app.date}"]},
        )
