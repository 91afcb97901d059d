"""Payments: money received from customers (receipts) and paid to suppliers, allocated to
open invoices and bills; what is left over stays on the party as credit (or advance)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import partial

from django.db import transaction

from backoffice.commerce import events, locks, posting
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import (
    Allocation,
    DocKind,
    DocStatus,
    Document,
    Party,
    Payment,
    PaymentDirection,
)
from backoffice.commerce.services._common import (
    actor_or_none,
    amount_words,
    check_functional,
    document_party,
    exchange_rate,
    functional_share,
    is_minor_units,
    settle_all,
)
from backoffice.commerce.services._tail import Entry, post_and_record
from backoffice.core.dates import check_date
from backoffice.core.errors import DomainError, NotFound
from backoffice.ledger import money
from backoffice.tenancy.models import Organization, User

PAYMENT_SERIES = {PaymentDirection.RECEIVED: "RCT", PaymentDirection.MADE: "PAY"}


def _check_payment(direction: str, amount: int) -> None:
    if direction not in PaymentDirection.values:
        raise DomainError("Unknown direction.", fields={"direction": ["in or out"]})
    if not is_minor_units(amount, positive=True):
        raise DomainError(
            "A payment is a positive amount.",
            code=ErrorCode.INVALID_AMOUNT,
            fields={"amount": [amount_words(amount, positive=True)]},
        )


def _refuse_overpayment(amount: int, allocated: int, currency: str) -> None:
    def shown(minor: int) -> str:
        return f"{money.format_minor(minor, currency)} {currency}"

    raise DomainError(
        f"The payment exceeds what is open by {shown(amount - allocated)}; allocate less or "
        "keep the overpayment as credit.",
        code=ErrorCode.OVERPAYMENT,
        fields={
            "amount": [f"{shown(allocated)} open, {shown(amount)} paid"],
            "keep_overpayment": ["set to keep the excess as credit"],
        },
    )


def record_payment(
    *,
    tenant: Organization,
    actor: User | None,
    direction: str,
    party_id: int,
    day: date,
    amount: int,
    currency: str | None = None,
    rate: Decimal | str | None = None,
    allocations: Sequence[tuple[int, int]] | None = None,
    keep_overpayment: bool = False,
    bank_account: str = "",
    reference: str = "",
) -> Payment:
    """Money in from a customer (a receipt) or out to a supplier, allocated to open items.

    Without `allocations` the oldest open documents are paid first. What is left over is
    refused unless `keep_overpayment`, when it stays on the party as credit (or advance).
    A rate different from the documents' posts the realised exchange difference.
    """
    _check_payment(direction, amount)
    check_date(day)
    kind = DocKind.INVOICE if direction == PaymentDirection.RECEIVED else DocKind.BILL
    party = document_party(tenant, party_id, kind)
    cur = (currency or party.currency).upper()
    money.exponent(cur)
    pay_rate = exchange_rate(tenant, cur, day, rate)
    check_functional(tenant, amount, cur, pay_rate)
    rule = posting.rules(tenant)
    if bank_account and not posting.account_exists(tenant, bank_account):
        raise DomainError("Unknown bank account.", fields={"bank_account": ["no such account"]})
    with transaction.atomic():
        series = PAYMENT_SERIES[PaymentDirection(direction)]
        number = locks.next_number(tenant, series, day.year)
        plan = _plan_allocations(tenant, party, kind, cur, amount, allocations)
        allocated = sum(a for _, a in plan)
        if amount > allocated and not keep_overpayment:
            _refuse_overpayment(amount, allocated, cur)
        payment = Payment.objects.create(
            tenant=tenant,
            direction=direction,
            series=series,
            number=number,
            party=party,
            date=day,
            currency=cur,
            rate=pay_rate,
            amount=amount,
            unallocated=amount - allocated,
            bank_account=bank_account or rule["payment.bank"],
            reference=reference,
            created_by=actor_or_none(actor),
        )
        entry = Entry(
            day=day,
            memo=f"{payment.get_direction_display()} {number} {party.name}",
            source_ref=number,
            journal=_allocate(tenant, payment, plan, rule),
            idempotency_key=f"commerce:payment:{payment.pk}",
        )
        event = partial(events.payment_recorded, payment, plan=plan)
        post_and_record(tenant=tenant, actor=actor, obj=payment, entry=entry, event=event)
    return payment


def _allocate(
    tenant: Organization,
    payment: Payment,
    plan: list[tuple[Document, int]],
    rule: Mapping[str, str],
) -> posting.Journal:
    """Settle the planned documents, write the allocations; the payment's journal.

    The receivable (payable) is cleared at each document's own value, the bank moves at
    the payment's rate, the rest kept is credit (advance); what does not balance is a
    realised exchange difference.
    """
    received = payment.direction == PaymentDirection.RECEIVED
    convert = partial(money.convert, rate=payment.rate, currency=payment.currency)
    j = posting.Journal.new()
    bank_f = convert(payment.amount, to=tenant.currency)
    rows = []
    settlements = []
    for doc, part in plan:
        share = functional_share(doc, part)
        settlements.append((doc, part, share))
        rows.append(
            Allocation(
                tenant=tenant, payment=payment, document=doc, amount=part, amount_functional=share
            )
        )
        if received:
            j.credit(rule["invoice.receivable"], share)
        else:
            j.debit(rule["bill.payable"], share)
    settle_all(tenant, settlements)
    Allocation.objects.bulk_create(rows)
    if payment.unallocated:
        left_f = convert(payment.unallocated, to=tenant.currency)
        if received:
            j.credit(rule["payment.customer_credit"], left_f)
        else:
            j.debit(rule["payment.supplier_advance"], left_f)
    if received:
        j.debit(payment.bank_account, bank_f)
    else:
        j.credit(payment.bank_account, bank_f)
    j.balance_to(rule["fx.difference"])
    return j


def _plan_allocations(
    tenant: Organization,
    party: Party,
    kind: str,
    currency: str,
    amount: int,
    allocations: Sequence[tuple[int, int]] | None,
) -> list[tuple[Document, int]]:
    """What the payment settles: the allocations asked for (checked), or else the oldest
    open documents first. The documents are locked (see `locks`)."""
    open_docs = locks.open_documents(
        tenant, party=party, kind=kind, status=DocStatus.ISSUED, currency=currency
    )
    if allocations is None:
        plan = []
        left = amount
        for doc in sorted(
            (d for d in open_docs if d.open_amount > 0), key=lambda d: (d.date, d.pk)
        ):
            if left <= 0:
                break
            part = min(left, doc.open_amount)
            plan.append((doc, part))
            left -= part
        return plan
    ids = [doc_id for doc_id, _ in allocations]
    docs = {d.pk: d for d in open_docs.filter(pk__in=ids)}
    return _checked_plan(docs, kind, currency, amount, allocations)


def _checked_plan(
    docs: Mapping[int, Document],
    kind: str,
    currency: str,
    amount: int,
    allocations: Sequence[tuple[int, int]],
) -> list[tuple[Document, int]]:
    errors: dict[str, list[str]] = {}
    plan = []
    for i, (doc_id, part) in enumerate(allocations):
        doc = docs.get(doc_id)
        if doc is None:
            errors[f"allocations[{i}].document_id"] = [
                f"no issued {kind} in {currency} of this party with id {doc_id}"
            ]
        elif not is_minor_units(part, positive=True):
            errors[f"allocations[{i}].amount"] = [amount_words(part, positive=True)]
        elif part > doc.open_amount:
            errors[f"allocations[{i}].amount"] = [f"{doc.number} has {doc.open_amount} open"]
        else:
            plan.append((doc, part))
    if len({doc_id for doc_id, _ in allocations}) != len(allocations):
        errors["allocations"] = ["a document appears twice"]
    if sum(p for _, p in plan) > amount:
        errors["allocations"] = ["allocations exceed the payment"]
    if errors:
        raise DomainError(
            "The allocations are not valid.", code=ErrorCode.INVALID_ALLOCATIONS, fields=errors
        )
    return plan


def pay_document(
    *,
    tenant: Organization,
    actor: User | None,
    document_id: int,
    amount: int,
    day: date,
    keep_overpayment: bool = False,
) -> Payment:
    """Record a payment of one invoice (money in) or bill (money out) in its currency.

    Up to what is open is allocated to it; more is refused unless `keep_overpayment`.
    """
    doc = Document.objects.for_tenant(tenant).filter(pk=document_id).first()
    if doc is None:
        raise NotFound("No such document.")
    return record_payment(
        tenant=tenant,
        actor=actor,
        direction=(
            PaymentDirection.RECEIVED.value
            if doc.kind == DocKind.INVOICE
            else PaymentDirection.MADE.value
        ),
        party_id=doc.party_id,
        day=day,
        amount=amount,
        currency=doc.currency,
        allocations=[(doc.pk, min(amount, doc.open_amount))] if amount > 0 else [],
        keep_overpayment=keep_overpayment,
    )
