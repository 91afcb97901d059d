"""Checks and conversions the services share: actors, quantities, rates, parties, shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import SALES_KINDS, Document, Party
from backoffice.core import numbers
from backoffice.core.errors import DomainError
from backoffice.ledger import money
from backoffice.ledger.money import round_half_up
from backoffice.tenancy.models import Organization, User


def actor_or_none(actor: User | None) -> User | None:
    """The user to store as creator: None for system work and anonymous callers."""
    return actor if actor is not None and actor.is_authenticated else None


def parse_quantity(
    value: Any, field_name: str = "quantity", *, allow_negative: bool = False
) -> Decimal:
    """A quantity as entered: a finite non-zero number of at most 3 decimals that the
    quantity columns hold (`core.numbers`: "1e30" is too large, not a crash)."""
    try:
        return numbers.to_decimal(
            value, numbers.QUANTITY, positive=not allow_negative, nonzero=allow_negative
        )
    except numbers.NumberError as exc:
        words = str(exc)
        # a quantity's size or sign has its own code; "not a number" and decimals the plain one
        code = None if words == "not a number" or "decimal" in words else ErrorCode.INVALID_QUANTITY
        raise DomainError(f"Quantity: {words}.", code=code, fields={field_name: [words]}) from exc


def is_minor_units(value: Any, *, positive: bool = False) -> bool:
    """An integer amount of minor units (not a bool), non-negative or `positive`, and no
    larger than one amount may be (`core.numbers.MAX_AMOUNT`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return (value > 0 if positive else value >= 0) and value <= numbers.MAX_AMOUNT


def amount_words(value: Any, *, positive: bool = False) -> str:
    """Why `value` is not an amount (for a field message), in words."""
    try:
        numbers.check_amount(value, field="amount", positive=positive)
    except DomainError as exc:
        return str(exc.fields["amount"][0])
    return "not an amount"


def exchange_rate(
    tenant: Organization, currency: str, day: date, given: Decimal | str | None
) -> Decimal:
    """The exchange rate to the tenant's currency: the one given, else the ledger's on `day`."""
    if given is not None:
        return numbers.parse_decimal(given, numbers.RATE, field="rate", positive=True)
    found = money.rate_on(tenant, currency, day)
    if found is None:
        raise DomainError(
            f"No exchange rate {currency}/{tenant.currency} on or before {day}; enter one in "
            "the ledger or give the rate.",
            code=ErrorCode.NO_RATE,
            fields={"rate": ["no rate for the document date"]},
        )
    return found


def check_functional(tenant: Organization, amount: int, currency: str, rate: Decimal) -> None:
    """Refuse an amount that, at `rate`, no amount may be in the tenant's currency."""
    scale = Decimal(10) ** (money.exponent(tenant.currency) - money.exponent(currency))
    if abs(amount * rate * scale) > numbers.MAX_AMOUNT:
        raise DomainError(
            f"At this rate the amount is too large in {tenant.currency}.",
            fields={"rate": [f"the amount in {tenant.currency} would be too large"]},
        )


def document_party(tenant: Organization, party_id: int, kind: str) -> Party:
    """The party of a document of `kind`: a customer for sales, a supplier for purchases."""
    found = Party.objects.for_tenant(tenant).filter(pk=party_id).first()
    if found is None:
        raise DomainError("Unknown party.", fields={"party_id": ["no such party"]})
    if kind in SALES_KINDS and not found.is_customer:
        raise DomainError(
            f"{found.name} is not a customer.", fields={"party_id": ["not a customer"]}
        )
    if kind not in SALES_KINDS and not found.is_supplier:
        raise DomainError(
            f"{found.name} is not a supplier.", fields={"party_id": ["not a supplier"]}
        )
    return found


def functional(tenant: Organization, doc: Document, amount: int) -> int:
    """`amount` of the document's currency in the tenant's, at the document's rate."""
    return money.convert(amount, rate=doc.rate, currency=doc.currency, to=tenant.currency)


def functional_share(doc: Document, amount: int) -> int:
    """Functional value of settling `amount` of `doc`: the rest when it closes the document."""
    if amount >= doc.open_amount:
        return doc.gross_functional - doc.settled_functional
    return round_half_up(Decimal(amount) * doc.gross_functional / doc.gross)


def settle(doc: Document, amount: int, share: int) -> None:
    """Settle `amount` (functional `share`) of an issued document, and save that."""
    doc.settled += amount
    doc.settled_functional += share
    doc.save(update_fields=["settled", "settled_functional"])


def settle_all(tenant: Organization, settlements: list[tuple[Document, int, int]]) -> None:
    """Settle several documents (document, amount, functional share) in one statement:
    a payment may clear hundreds of invoices, and a query each would grow with them."""
    for doc, amount, share in settlements:
        doc.settled += amount
        doc.settled_functional += share
    bulk_update(tenant, [doc for doc, _, _ in settlements], ["settled", "settled_functional"])


def bulk_update(tenant: Organization, rows: Sequence[Any], fields: list[str]) -> None:
    """One UPDATE of `fields` for all the rows (of one tenant-owned model, all `tenant`'s).

    `UPDATE t SET f = CASE id WHEN %s THEN CAST(%s AS type) ... END WHERE tenant_id = %s AND
    id IN (...)`: what `QuerySet.bulk_update` sends, without building an expression per row
    (which cost more than the statement on this path).
    """
    if not rows:
        return
    meta = type(rows[0])._meta
    quote = connection.ops.quote_name
    sets, params = [], []
    for name in fields:
        f = meta.get_field(name)
        cast = f"CAST(%s AS {f.db_type(connection)})"
        whens = " ".join(f"WHEN %s THEN {cast}" for _ in rows)
        sets.append(f"{quote(f.column)} = CASE {quote(meta.pk.column)} {whens} END")
        for row in rows:
            params += [row.pk, f.get_db_prep_save(getattr(row, name), connection)]
    marks = ", ".join("%s" for _ in rows)
    # The rows are found by primary key; `tenant_id + 0` still checks their tenant but keeps
    # the planner off the tenant index, which it may otherwise AND in when statistics are
    # missing or stale, reading every index entry of the tenant's history.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "
        f"WHERE {quote(meta.pk.column)} IN ({marks}) AND tenant_id + 0 = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(row.pk for row in rows), tenant.pk])
        if cursor.rowcount != len(rows):
            raise RuntimeError(f"{meta.db_table}: {cursor.rowcount} of {len(rows)} rows updated")
