"""What the portal's project services share: the tenants a change must see, and the one
check of a priced line (a quote's line, a standard rate), in words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from backoffice.billing import pricing
from backoffice.billing.models import ChargeModel, Metric
from backoffice.core.rls import set_rls_tenants
from backoffice.portal.projects import selectors
from backoffice.tenancy.selectors import TenantAccess

Errors = dict[str, list[str]]
MAX_MONEY = 10**15
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@dataclass(frozen=True)
class TierIn:
    from_units: Decimal | int | str
    up_to: Decimal | int | str | None
    unit_rate: int
    flat_fee: int = 0


@dataclass(frozen=True)
class LineIn:
    """A priced charge: what a quote line and a standard rate are made of (money in the
    smallest unit of the currency, e.g. cents)."""

    code: str
    name: str
    metric: str
    model: str = ChargeModel.PER_UNIT
    unit_rate: int = 0
    per_units: int = 1
    free_units: Decimal | int | str = 0
    package_size: Decimal | int | str | None = None
    tiers: Sequence[TierIn] = field(default=())


def see_both(access: TenantAccess) -> None:
    """Let row-level security show the provider's and the clients' rows this change needs
    (inside the caller's transaction)."""
    set_rls_tenants(selectors.visible_tenant_ids(access))


def units(value: Any, key: str, label: str, errors: Errors, *, allow_none: bool = False) -> Any:
    if value is None or value == "":
        if allow_none:
            return None
        value = 0
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[key] = [f"{label}: not a number"]
        return None
    if not d.is_finite() or d < 0 or d >= Decimal(10) ** 15 or -d.as_tuple().exponent > 3:  # type: ignore[operator]
        errors[key] = [f"{label}: a number of units, not negative, at most 3 decimals"]
        return None
    return d


def price(value: Any, key: str, label: str, errors: Errors) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors[key] = [f"{label}: not an amount"]
        return 0
    if value < 0:
        errors[key] = [f"{label}: a price cannot be negative"]
        return 0
    if value > MAX_MONEY:
        errors[key] = [f"{label}: too large"]
        return 0
    return value


def _tiers(line: LineIn, where: str, label: str, errors: Errors) -> list[pricing.Tier]:
    tiers = []
    for n, t in enumerate(line.tiers):
        key = f"{where}.tiers"
        lo = units(t.from_units, key, f"{label}, tier {n + 1}", errors)
        hi = units(t.up_to, key, f"{label}, tier {n + 1}", errors, allow_none=True)
        rate = price(t.unit_rate, key, f"{label}, tier {n + 1} price", errors)
        fee = price(t.flat_fee, key, f"{label}, tier {n + 1} fee", errors)
        if lo is not None:
            tiers.append(pricing.Tier(lo, hi, rate, fee))
    return tiers


def check_line(n: int, line: LineIn, errors: Errors, prefix: str = "lines") -> None:
    """Every problem of one priced line, added to `errors` in words."""
    where = f"{prefix}[{n}]"
    label = f"Line {n + 1}" + (f" ({line.name.strip()})" if line.name.strip() else "")
    if not line.code.strip():
        errors[f"{where}.code"] = [f"{label}: a short code is required"]
    elif (
        len(line.code.strip()) > 50
        or not line.code.strip().replace("-", "").replace("_", "").isalnum()
    ):
        errors[f"{where}.code"] = [f"{label}: the code is letters, digits and dashes"]
    if not line.name.strip():
        errors[f"{where}.name"] = [f"{label}: a name is required"]
    if line.metric not in Metric.values:
        errors[f"{where}.metric"] = [f"{label}: choose what is counted"]
    if line.model not in ChargeModel.values:
        errors[f"{where}.model"] = [f"{label}: choose how it is priced"]
        return
    price(line.unit_rate, f"{where}.unit_rate", f"{label} price", errors)
    if (
        isinstance(line.per_units, bool)
        or not isinstance(line.per_units, int)
        or line.per_units < 1
    ):
        errors[f"{where}.per_units"] = [f"{label}: priced per 1 unit or more"]
    units(line.free_units, f"{where}.free_units", f"{label} free units", errors)
    size = units(line.package_size, f"{where}.package_size", label, errors, allow_none=True)
    if line.model == ChargeModel.PACKAGE and not size:
        errors[f"{where}.package_size"] = [f"{label}: a package price needs a package size"]
    if line.model != ChargeModel.PACKAGE and size is not None:
        errors[f"{where}.package_size"] = [f"{label}: only package prices have a package size"]
    tiers = _tiers(line, where, label, errors)
    if line.model in (ChargeModel.GRADUATED, ChargeModel.VOLUME):
        problems = pricing.check_tiers(tiers)
        if problems and f"{where}.tiers" not in errors:
            errors[f"{where}.tiers"] = [f"{label}: {p}" for p in problems]
    elif line.tiers:
        errors[f"{where}.tiers"] = [f"{label}: only tiered prices have tiers"]


def tiers_json(line: LineIn) -> list[dict[str, Any]]:
    return [
        {
            "from_units": str(Decimal(str(t.from_units))),
            "up_to": None if t.up_to in (None, "") else str(Decimal(str(t.up_to))),
            "unit_rate": t.unit_rate,
            "flat_fee": t.flat_fee,
        }
        for t in line.tiers
    ]


def tiers_of(rows: Any) -> tuple[TierIn, ...]:
    return tuple(
        TierIn(t["from_units"], t.get("up_to"), int(t["unit_rate"]), int(t.get("flat_fee", 0)))
        for t in rows or []
    )


def line_of(row: Any) -> LineIn:
    """A stored quote line or standard rate as a `LineIn` (to copy it elsewhere)."""
    return LineIn(
        code=row.code,
        name=row.name,
        metric=row.metric,
        model=row.model,
        unit_rate=row.unit_rate,
        per_units=row.per_units,
        free_units=row.free_units,
        package_size=row.package_size,
        tiers=tiers_of(row.tiers),
    )


def decimal_or_none(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
