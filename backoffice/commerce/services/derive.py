"""Drafting the next document of a flow from an issued one (order -> delivery -> invoice,
purchase order -> goods receipt -> bill, invoice -> credit note, bill -> debit note)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from backoffice.commerce import selectors
from backoffice.commerce.error_codes import ErrorCode
from backoffice.commerce.models import DERIVATIONS, DocKind, DocStatus, Document
from backoffice.commerce.services._common import amount_words, is_minor_units
from backoffice.commerce.services.documents import NOTE_KINDS, LineSpec, create_document
from backoffice.core import numbers
from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy.models import Organization, User


def _check_prices(kind: str, prices: Mapping[int, int], line_nos: set[int]) -> None:
    bad = {
        f"unit_prices.{no}": (
            ["no such line on the source document"] if no not in line_nos else [amount_words(price)]
        )
        for no, price in prices.items()
        if no not in line_nos or not is_minor_units(price)
    }
    if kind == DocKind.DEBIT_NOTE and prices:
        bad = {f"unit_prices.{no}": ["a debit note takes the bill's prices"] for no in prices}
    if bad:
        raise DomainError("Some prices are not valid.", code=ErrorCode.INVALID_LINES, fields=bad)


def _check_derivable(kind: str, source: Document) -> None:
    if source.kind not in DERIVATIONS.get(kind, set()):
        raise DomainError(
            f"A {kind} cannot be made from a {source.kind}.", fields={"kind": ["not allowed"]}
        )
    if source.status != DocStatus.ISSUED:
        raise DomainError("Issue the source document first.", fields={"source_id": ["draft"]})


def _asked(quantities: Mapping[int, Decimal | int | str], line_nos: set[int]) -> dict[int, Decimal]:
    """The quantities asked for, by source line number, checked."""
    asked: dict[int, Decimal] = {}
    bad: dict[str, list[str]] = {}
    for no, value in quantities.items():
        try:
            asked[no] = numbers.to_decimal(value, numbers.QUANTITY, minimum=0)
        except numbers.NumberError as exc:
            bad[f"quantities.{no}"] = [str(exc)]
            continue
        if no not in line_nos:
            bad[f"quantities.{no}"] = ["no such line on the source document"]
    if bad:
        raise DomainError(
            "Some quantities are not valid.", code=ErrorCode.INVALID_QUANTITY, fields=bad
        )
    return asked


def _derived_lines(
    tenant: Organization,
    source: Document,
    kind: str,
    asked: Mapping[int, Decimal] | None,
    prices: Mapping[int, int],
) -> list[LineSpec]:
    """The lines to take: what is asked (default: what remains) of each source line."""
    remaining = selectors.remaining(tenant, source, kind)
    stock_only = kind in (DocKind.DELIVERY, DocKind.GOODS_RECEIPT)
    specs = []
    for line in (
        source.lines.select_related("product").prefetch_related("taxes").order_by("line_no")
    ):
        if stock_only and (line.product is None or not line.product.is_stock):
            continue
        left = remaining[line.pk]
        wanted = asked.get(line.line_no) if asked is not None else left
        if wanted is None or wanted == 0:
            continue
        if wanted > left:
            raise DomainError(
                f"Line {line.line_no}: only {left.normalize():f} left to take.",
                code=ErrorCode.OVER_SOURCE,
                fields={f"quantities.{line.line_no}": [f"at most {left.normalize():f}"]},
            )
        specs.append(
            LineSpec(
                product_id=line.product_id,
                quantity=wanted,
                unit_price=prices.get(line.line_no, line.unit_price),
                description=line.description,
                tax_codes=[t.code for t in line.taxes.all()],
                source_line_id=line.pk,
            )
        )
    if not specs:
        raise DomainError(
            "Nothing left to take from this document.", fields={"source_id": ["done"]}
        )
    return specs


def create_from(
    *,
    tenant: Organization,
    actor: User | None,
    source_id: int,
    kind: str,
    day: date | None = None,
    quantities: Mapping[int, Decimal | int | str] | None = None,
    reference: str = "",
    location_id: int | None = None,
    unit_prices: Mapping[int, int] | None = None,
) -> Document:
    """Derive a draft from an issued document (order -> delivery -> invoice, ...).

    `quantities` maps source line numbers to the quantity to take (default: what remains);
    `unit_prices` maps source line numbers to another unit price (minor units of the
    document currency), e.g. the supplier's price on a bill for goods received.
    """
    source = Document.objects.for_tenant(tenant).filter(pk=source_id).first()
    if source is None:
        raise NotFound("No such document.")
    prices = dict(unit_prices or {})
    line_nos = set(source.lines.values_list("line_no", flat=True))
    _check_prices(kind, prices, line_nos)
    _check_derivable(kind, source)
    asked = _asked(quantities or {}, line_nos)
    specs = _derived_lines(tenant, source, kind, asked if quantities else None, prices)
    return create_document(
        tenant=tenant,
        actor=actor,
        kind=kind,
        party_id=source.party_id,
        day=day or source.date,
        lines=specs,
        currency=source.currency,
        rate=source.rate if kind in NOTE_KINDS or day is None else None,
        location_id=location_id or source.location_id,
        reference=reference or source.reference,
        prices_include_tax=source.prices_include_tax,
        source_id=source.pk,
    )
