"""A quote's estimated monthly cost at the request's expected volume, priced by billing's
pricing (`billing.pricing.price_segment`, the function a billing run uses).

The expected volume counts items ("4,000 invoices a month"), so it prices the charges that
count items completed; a charge that counts something else (pages, characters, minutes…)
cannot be derived from it and is listed as not estimated. Then, as a month's bill: the
minimum a month tops the charges up (`pricing.true_up`), and the monthly fee is added. The
setup fee is once, not monthly, and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from backoffice.billing import pricing
from backoffice.billing.models import Metric
from backoffice.portal.projects.models import Quote, QuoteLine


@dataclass(frozen=True)
class EstimatedLine:
    name: str
    units: int
    amount: int


@dataclass(frozen=True)
class Estimate:
    volume: int
    volume_unit: str
    currency: str
    lines: tuple[EstimatedLine, ...]
    not_estimated: tuple[str, ...]  # names of the charges counted in other units
    charges: int
    minimum_top_up: int
    monthly_fee: int
    total: int = field(default=0)


def _dec(value: object, default: Decimal | None = None) -> Decimal | None:
    if value is None or value == "":
        return default
    return Decimal(str(value))


def _spec(line: QuoteLine) -> pricing.ChargeSpec:
    tiers = tuple(
        pricing.Tier(
            _dec(t.get("from_units"), Decimal(0)) or Decimal(0),
            _dec(t.get("up_to")),
            int(t.get("unit_rate", 0)),
            int(t.get("flat_fee", 0)),
        )
        for t in line.tiers or []
    )
    return pricing.ChargeSpec(
        model=line.model,
        unit_rate=line.unit_rate,
        per_units=line.per_units,
        free_units=Decimal(line.free_units or 0),
        package_size=Decimal(line.package_size) if line.package_size else None,
        tiers=tiers,
    )


def monthly_estimate(
    quote: Quote, lines: list[QuoteLine], *, volume: int | None, volume_unit: str = ""
) -> Estimate | None:
    """The estimate for `volume` items a month; None without a volume."""
    if not volume or volume <= 0:
        return None
    priced, skipped = [], []
    for line in lines:
        if line.metric != Metric.ITEMS:
            skipped.append(line.name)
            continue
        units = Decimal(volume)
        amount = pricing.price_segment(_spec(line), offset=Decimal(0), units=units).amount
        priced.append(EstimatedLine(line.name, volume, amount))
    charges = sum(p.amount for p in priced)
    top_up = pricing.true_up(quote.minimum_commitment, charges)
    return Estimate(
        volume=volume,
        volume_unit=volume_unit,
        currency=quote.currency,
        lines=tuple(priced),
        not_estimated=tuple(skipped),
        charges=charges,
        minimum_top_up=top_up,
        monthly_fee=quote.recurring_fee,
        total=charges + top_up + quote.recurring_fee,
    )
