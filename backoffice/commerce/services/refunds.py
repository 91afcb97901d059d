"""Refunds: customer credit paid back, from a receipt's kept rest or an open credit note."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import NoReturn

from django.db import transaction
from django.utils import timezone

from backoffice.commerce import events, locks, posting
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import (
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
    check_functional,
    exchange_rate,
    functional_share,
    is_minor_units,
    settle,
)
from backoffice.commerce.services._tail import Entry, post_and_record
from backoffice.commerce.services.credit import payment_credit_share
from backoffice.core.dates import check_date
from backoffice.core.errors import DomainError
from backoffice.ledger import money
from backoffice.tenancy.models import Organization, User

REFUND_SERIES = "RFD"


def _refuse(fields: dict[str, list[str]]) -> NoReturn:
    raise DomainError("The refund is not valid.", code=ErrorCode.INVALID_REFUND, fields=fields)


def _check_request(
    tenant: Organization,
    amount: int,
    payment_id: int | None,
    credit_note_id: int | None,
    bank_account: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if not is_minor_units(amount, positive=True):
        errors["amount"] = [amount_words(amount, positive=True)]
    if (payment_id is None) == (credit_note_id is None):
        errors["payment_id"] = ["give a receipt or a credit note, not both"]
    if bank_account and not posting.account_exists(tenant, bank_account):
        errors["bank_account"] = ["no such active account in the chart"]
    if errors:
        _refuse(errors)


@dataclass(frozen=True)
class _Credit:
    """What a refund pays back: an open credit note or a receipt's kept rest."""

    note: Document | None
    payment: Payment | None

    @property
    def source(self) -> Document | Payment:
        found = self.note or self.payment
        assert found is not None
        return found

    @property
    def available(self) -> int:
        if self.note is not None:
            return self.note.open_amount
        assert self.payment is not None
        return self.payment.unallocated


def _credit(tenant: Organization, payment_id: int | None, credit_note_id: int | None) -> _Credit:
    """The open credit note or the receipt the refund comes from, under its lock."""
    if credit_note_id is not None:
        note = locks.documents(
            tenant,
            [credit_note_id],
            related=("party",),
            kind=DocKind.CREDIT_NOTE,
            status=DocStatus.ISSUED,
        ).get(credit_note_id)
        if note is None:
            _refuse({"credit_note_id": [f"no issued credit note with id {credit_note_id}"]})
        return _Credit(note, None)
    payment = locks.payment(
        tenant, payment_id, related=("party",), direction=PaymentDirection.RECEIVED
    )
    if payment is None:
        _refuse({"payment_id": [f"no receipt with id {payment_id}"]})
    return _Credit(None, payment)


def _take(
    tenant: Organization, credit: _Credit, amount: int, rule: Mapping[str, str]
) -> tuple[int, str]:
    """Take `amount` off the credit; its functional value and the account it sat on."""
    if credit.note is not None:
        source_f = functional_share(credit.note, amount)
        settle(credit.note, amount, source_f)
        return source_f, rule["invoice.receivable"]
    payment = credit.payment
    assert payment is not None
    source_f = payment_credit_share(tenant, payment, amount)
    payment.unallocated -= amount
    payment.save(update_fields=["unallocated"])
    return source_f, rule["payment.customer_credit"]


def _check_amount(
    source: Document | Payment, available: int, amount: int, currency: str | None
) -> None:
    errors: dict[str, list[str]] = {}
    if currency and currency.upper() != source.currency:
        errors["currency"] = [f"{source.number} is in {source.currency}"]
    if amount > available:
        errors["amount"] = [f"only {available} of credit left on {source.number}"]
    if errors:
        _refuse(errors)


def refund_credit(
    *,
    tenant: Organization,
    actor: User | None,
    amount: int,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    day: date | None = None,
    currency: str | None = None,
    rate: Decimal | str | None = None,
    bank_account: str = "",
    reference: str = "",
) -> Refund:
    """Pay a customer's credit back: a receipt's unallocated rest (`payment_id`) or what is
    open on an issued credit note (`credit_note_id`), fully or partly, in its currency.

    The credit leaves `payment.customer_credit` (the receivable, for a credit note) at its own
    value and the bank pays `amount` at the refund's rate; the difference is a realised
    exchange difference. More than the credit left is refused and nothing is written.
    """
    _check_request(tenant, amount, payment_id, credit_note_id, bank_account)
    refund_day = check_date(day or timezone.localdate())
    with transaction.atomic():
        number = locks.next_number(tenant, REFUND_SERIES, refund_day.year)
        credit = _credit(tenant, payment_id, credit_note_id)
        source, available = credit.source, credit.available
        _check_amount(source, available, amount, currency)
        refund_rate = exchange_rate(tenant, source.currency, refund_day, rate)
        check_functional(tenant, amount, source.currency, refund_rate)
        rule = posting.rules(tenant)
        source_f, source_account = _take(tenant, credit, amount, rule)
        refund = Refund.objects.create(
            tenant=tenant,
            series=REFUND_SERIES,
            number=number,
            party=source.party,
            payment=credit.payment,
            credit_note=credit.note,
            date=refund_day,
            currency=source.currency,
            rate=refund_rate,
            amount=amount,
            source_functional=source_f,
            bank_account=bank_account or rule["payment.bank"],
            reference=reference.strip()[:60],
            created_by=actor_or_none(actor),
        )
        j = posting.Journal.new()
        j.debit(source_account, source_f)
        j.credit(
            refund.bank_account,
            money.convert(amount, rate=refund_rate, currency=refund.currency, to=tenant.currency),
        )
        j.balance_to(rule["fx.difference"])
        entry = Entry(
            day=refund_day,
            memo=f"Refund {number} of {source.number} to {source.party.name}",
            source_ref=number,
            journal=j,
            idempotency_key=f"commerce:refund:{refund.pk}",
        )
        event = partial(events.credit_refunded, refund, source=source, left=available - amount)
        post_and_record(tenant=tenant, actor=actor, obj=refund, entry=entry, event=event)
    return refund
