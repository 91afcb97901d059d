"""Pricing: pure functions from units to money. No database, no dates.

A charge prices a *segment* of the period's units: the units at positions
[offset, offset + units) of the period's ladder. A period with one rate card is one
segment from 0; a rate change mid-month makes two segments of the same ladder, each priced
at its own version's rates, so tiers count the whole month's units and a started tier or
package is never billed twice. Segments add up: pricing [0, a) and [a, a + b) gives the
same units and tiers as pricing [0, a + b) at one rate card.

Free units are taken off the bottom of the ladder before any tier: position p is billable
position p - free_units.

Rounding, the one rule: a line's exact amount (units x rate ÷ per_units, plus tier flat
fees) is rounded half-up to a whole minor unit once, at the line. Service-level credits
are rounded the same way, each on its own, and the pool cap is rounded before it is
applied. Rates are integer minor units per `per_units` units (e.g. per 1,000 characters).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from backoffice.ledger.money import round_half_up

ZERO = Decimal(0)


class PricingError(ValueError):
    """A rate card that cannot price anything (the services refuse it before it is saved)."""


@dataclass(frozen=True)
class Tier:
    from_units: Decimal
    up_to: Decimal | None  # None: open-ended (the last tier)
    unit_rate: int
    flat_fee: int = 0


@dataclass(frozen=True)
class ChargeSpec:
    model: str  # per_unit | graduated | volume | package
    unit_rate: int = 0  # per unit (per_units units), or per package
    per_units: int = 1
    free_units: Decimal = ZERO
    package_size: Decimal | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class TierUse:
    """Units of one tier priced in a segment, for the usage statement."""

    from_units: Decimal
    up_to: Decimal | None
    units: Decimal
    unit_rate: int
    flat_fee: int

    def as_dict(self) -> dict[str, object]:
        return {
            "from": str(self.from_units),
            "to": None if self.up_to is None else str(self.up_to),
            "units": str(self.units),
            "unit_rate": self.unit_rate,
            "flat_fee": self.flat_fee,
        }


@dataclass(frozen=True)
class Priced:
    units: Decimal  # units in the segment
    billable: Decimal  # after free units
    exact: Decimal  # before rounding, minor units
    amount: int  # rounded half-up
    tiers: tuple[TierUse, ...] = field(default=())
    packages: int = 0


def check_tiers(tiers: Sequence[Tier]) -> list[str]:
    """What is wrong with a tier ladder, in words (empty when it is sound): it starts at
    zero, each tier starts where the one before ends, only the last is open-ended, prices
    are not negative."""
    problems: list[str] = []
    if not tiers:
        return ["a tiered charge needs at least one tier"]
    expected = ZERO
    for n, t in enumerate(tiers, start=1):
        if t.unit_rate < 0 or t.flat_fee < 0:
            problems.append(f"tier {n}: prices cannot be negative")
        if t.from_units != expected:
            what = "a gap" if t.from_units > expected else "an overlap"
            problems.append(f"tier {n} starts at {t.from_units}, not {expected} ({what})")
        if t.up_to is None:
            if n != len(tiers):
                problems.append(f"tier {n} is open-ended but is not the last")
            break
        if t.up_to <= t.from_units:
            problems.append(f"tier {n} ends at or before its start")
            break
        expected = t.up_to
    if tiers and tiers[-1].up_to is not None:
        problems.append("the last tier must be open-ended")
    return problems


def _billable_range(spec: ChargeSpec, offset: Decimal, units: Decimal) -> tuple[Decimal, Decimal]:
    lo = max(ZERO, offset - spec.free_units)
    hi = max(ZERO, offset + units - spec.free_units)
    return lo, hi


def _overlap(lo: Decimal, hi: Decimal, t: Tier) -> Decimal:
    top = hi if t.up_to is None else min(hi, t.up_to)
    return max(ZERO, top - max(lo, t.from_units))


def _graduated(spec: ChargeSpec, lo: Decimal, hi: Decimal) -> tuple[Decimal, list[TierUse]]:
    exact, used = ZERO, []
    for t in spec.tiers:
        n = _overlap(lo, hi, t)
        fee = t.flat_fee if lo <= t.from_units < hi else 0
        if n or fee:
            exact += n * t.unit_rate / spec.per_units + fee
            used.append(TierUse(t.from_units, t.up_to, n, t.unit_rate, fee))
    return exact, used


def volume_tier(tiers: Sequence[Tier], total: Decimal) -> Tier:
    """The tier the period's total billable units fall in (all units take its rate)."""
    for t in tiers:
        if t.up_to is None or total <= t.up_to:
            return t
    raise PricingError("the tiers do not reach the total")


def price_segment(
    spec: ChargeSpec, *, offset: Decimal, units: Decimal, period_units: Decimal | None = None
) -> Priced:
    """Price `units` at positions [offset, offset + units) of the period's ladder.

    `period_units` (default offset + units) is the period's total, which picks the volume
    tier; the other models need only the segment.
    """
    if units < 0 or offset < 0:
        raise PricingError("units cannot be negative")
    lo, hi = _billable_range(spec, offset, units)
    billable = hi - lo
    used: list[TierUse] = []
    packages = 0
    if spec.model == "per_unit":
        exact = billable * spec.unit_rate / spec.per_units
    elif spec.model == "graduated":
        exact, used = _graduated(spec, lo, hi)
    elif spec.model == "volume":
        total = (offset + units if period_units is None else period_units) - spec.free_units
        t = volume_tier(spec.tiers, max(ZERO, total))
        fee = t.flat_fee if lo == 0 and hi > 0 else 0
        exact = billable * t.unit_rate / spec.per_units + fee
        if billable or fee:
            used = [TierUse(t.from_units, t.up_to, billable, t.unit_rate, fee)]
    elif spec.model == "package":
        size = spec.package_size
        if not size or size <= 0:
            raise PricingError("a package charge needs a package size")
        packages = math.ceil(hi / size) - math.ceil(lo / size)
        exact = Decimal(packages * spec.unit_rate)
    else:
        raise PricingError(f"unknown charge model {spec.model}")
    return Priced(units, billable, exact, round_half_up(exact), tuple(used), packages)


def true_up(minimum: int, charged: int) -> int:
    """The minimum commitment's true-up: what the period's charges fall short of it."""
    return max(0, minimum - charged)


def prorate(fee: int, days: int, period_days: int) -> int:
    """A period fee for the days a version was in force (half-up)."""
    if days >= period_days:
        return fee
    return round_half_up(Decimal(fee) * days / period_days)


@dataclass(frozen=True)
class Credit:
    key: object
    exact: Decimal
    amount: int  # after the pool cap


def sla_credits(
    *,
    fee: int,
    at_risk_percent: Decimal,
    pool_cap_percent: Decimal,
    missed: Sequence[tuple[object, Decimal]],
) -> list[Credit]:
    """Credits for the missed service levels (key, allocation %): fee x at-risk % x
    allocation % each, rounded half-up; together at most fee x pool cap %, the levels
    taken in the order given (the last ones are cut when the pool runs out)."""
    cap = round_half_up(Decimal(fee) * pool_cap_percent / 100)
    out: list[Credit] = []
    left = cap
    for key, allocation in missed:
        exact = Decimal(fee) * at_risk_percent / 100 * allocation / 100
        amount = min(round_half_up(exact), left)
        left -= amount
        out.append(Credit(key, exact, amount))
    return out
