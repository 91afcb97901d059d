"""A contract's month drafted: items billed, usage priced line by line, credits measured,
and the commerce invoice drafted in the provider's books for review.

Line order on the statement: usage (per charge and version, in version order), recurring
fees, the setup fee, the minimum-commitment true-up, service-level credits, earn-backs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backoffice.billing import metering, pricing, service_levels
from backoffice.billing.models import (
    BillingInvoice,
    BillingRun,
    Charge,
    Contract,
    ContractEngagement,
    ContractVersion,
    Metric,
    ServiceLevel,
    ServiceLevelMetric,
    UsageLine,
)
from backoffice.commerce import services as commerce
from backoffice.commerce.models import Document
from backoffice.tenancy.models import User

Kind = UsageLine.Kind
Q3 = Decimal("0.001")


def _units(value: Decimal) -> Decimal:
    return value.quantize(Q3, rounding=ROUND_HALF_UP)


def overlapping(contract: Contract, period: date) -> list[ContractVersion]:
    end = metering.month_end(period)
    return [
        v
        for v in ContractVersion.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .order_by("effective_from")
        if v.effective_from <= end and (v.effective_to is None or v.effective_to >= period)
    ]


def _spec(charge: Charge) -> pricing.ChargeSpec:
    tiers = tuple(
        pricing.Tier(t.from_units, t.up_to, t.unit_rate, t.flat_fee) for t in charge.tiers.all()
    )
    return pricing.ChargeSpec(
        charge.model,
        charge.unit_rate,
        charge.per_units,
        charge.free_units,
        charge.package_size,
        tiers,
    )


def _charge_units(charge: Charge, groups: Sequence[metering.UsageGroup]) -> Decimal:
    total = Decimal(0)
    for g in groups:
        if g.version_id != charge.version_id:
            continue
        if charge.engagement_id is not None and g.engagement_id != charge.engagement_id:
            continue
        if charge.min_priority is not None and g.priority < charge.min_priority:
            continue
        total += g.units(charge.metric)
    return _units(total)


def _line(kind: str, description: str, amount: int, **kw: Any) -> UsageLine:
    return UsageLine(kind=kind, description=description[:300], amount=amount, **kw)


def usage_lines(
    versions: Sequence[ContractVersion], groups: Sequence[metering.UsageGroup]
) -> list[UsageLine]:
    """One line per charge and version; a charge's versions share one tier ladder, priced
    in version order (late items of an older version first)."""
    charges = [
        (v, c)
        for v in versions
        for c in v.charges.select_related("engagement").prefetch_related("tiers").order_by("id")
    ]
    counted = {(c.pk): _charge_units(c, groups) for _, c in charges}
    period_units: dict[str, Decimal] = defaultdict(Decimal)
    for _, c in charges:
        period_units[c.code] += counted[c.pk]
    offset: dict[str, Decimal] = defaultdict(Decimal)
    out = []
    for v, c in charges:
        units = counted[c.pk]
        priced = pricing.price_segment(
            _spec(c), offset=offset[c.code], units=units, period_units=period_units[c.code]
        )
        offset[c.code] += units
        if not units and not priced.amount:
            continue
        label = Metric(c.metric).label.lower()
        out.append(
            _line(
                Kind.USAGE,
                f"{c.name}: {units.normalize():f} {label} (rate card v{v.number})",
                priced.amount,
                version=v,
                charge=c,
                metric=c.metric,
                quantity=units,
                detail={
                    "model": c.model,
                    "unit_rate": c.unit_rate,
                    "per_units": c.per_units,
                    "free_units": str(c.free_units),
                    "billable_units": str(priced.billable),
                    "ladder_from": str(offset[c.code] - units),
                    "packages": priced.packages,
                    "tiers": [t.as_dict() for t in priced.tiers],
                    "exact": str(priced.exact),
                    "engagement": c.engagement.name if c.engagement else None,
                    "min_priority": c.min_priority,
                },
            )
        )
    return out


def fee_lines(
    contract: Contract, versions: Sequence[ContractVersion], period: date
) -> list[UsageLine]:
    """Recurring fees, prorated by the days each version is in force in the month."""
    end = metering.month_end(period)
    days_in_month = end.day
    out = []
    for v in versions:
        if not v.recurring_fee:
            continue
        first = max(v.effective_from, period)
        last = min(v.effective_to or end, end)
        days = (last - first).days + 1
        amount = pricing.prorate(v.recurring_fee, days, days_in_month)
        label = v.recurring_label or "Recurring fee"
        shown = f"{label} ({days} of {days_in_month} days)" if days < days_in_month else label
        out.append(
            _line(
                Kind.RECURRING,
                f"{shown}, rate card v{v.number}",
                amount,
                version=v,
                quantity=Decimal(days),
                detail={"fee": v.recurring_fee, "days": days, "days_in_period": days_in_month},
            )
        )
    return out


def setup_line(contract: Contract, period: date) -> list[UsageLine]:
    """The setup fee, on the contract's first invoice (a constraint keeps it to one)."""
    if (
        UsageLine.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract, kind=Kind.SETUP)
        .exists()
    ):
        return []
    v = (
        ContractVersion.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract, effective_from__lte=metering.month_end(period), setup_fee__gt=0)
        .order_by("effective_from")
        .first()
    )
    if v is None:
        return []
    return [_line(Kind.SETUP, "Setup fee", v.setup_fee, version=v, quantity=Decimal(1))]


def minimum_line(version: ContractVersion | None, charged: int) -> list[UsageLine]:
    if version is None or not version.minimum_commitment:
        return []
    amount = pricing.true_up(version.minimum_commitment, charged)
    if not amount:
        return []
    return [
        _line(
            Kind.MINIMUM,
            "Minimum commitment true-up",
            amount,
            version=version,
            quantity=Decimal(1),
            detail={"minimum": version.minimum_commitment, "charged": charged},
        )
    ]


def credit_lines(
    contract: Contract, version: ContractVersion | None, period: date, fee: int
) -> list[UsageLine]:
    """Credits for the service levels the month missed, and earn-backs of last month's
    credits for the levels it met (when the level allows earning back)."""
    if version is None:
        return []
    levels = list(version.service_levels.select_related("engagement").order_by("id"))
    missed, measured = [], {}
    for sl in levels:
        m = service_levels.measure(
            client_id=contract.client_id,
            engagement_id=sl.engagement_id,
            metric=sl.metric,
            period=period,
            tz=contract.timezone,
        )
        measured[sl.pk] = m
        if not m.meets(sl.target_percent):
            missed.append((sl, sl.allocation_percent))
    credits = pricing.sla_credits(
        fee=fee,
        at_risk_percent=version.at_risk_percent,
        pool_cap_percent=version.pool_cap_percent,
        missed=missed,
    )
    out = []
    for credit in credits:
        level = credit.key
        assert isinstance(level, ServiceLevel)
        m = measured[level.pk]
        out.append(
            _line(
                Kind.SLA_CREDIT,
                f"Service-level credit: {level.engagement.name}, "
                f"{ServiceLevelMetric(level.metric).label} {m.percent}% "
                f"against {level.target_percent}%",
                -credit.amount,
                version=version,
                service_level=level,
                metric=level.metric,
                quantity=Decimal(1),
                detail={
                    "engagement_id": level.engagement_id,
                    "measured_percent": str(m.percent),
                    "good": m.good,
                    "total": m.total,
                    "target_percent": str(level.target_percent),
                    "allocation_percent": str(level.allocation_percent),
                    "at_risk_percent": str(version.at_risk_percent),
                    "pool_cap_percent": str(version.pool_cap_percent),
                    "fee": fee,
                    "exact": str(credit.exact),
                    "capped": credit.amount < pricing.round_half_up(credit.exact),
                },
            )
        )
    met = [sl for sl in levels if sl.earn_back and measured[sl.pk].total and sl not in dict(missed)]
    return out + _earn_backs(contract, version, period, met)


def _earn_backs(
    contract: Contract, version: ContractVersion, period: date, met: list[ServiceLevel]
) -> list[UsageLine]:
    if not met:
        return []
    previous = (period - timedelta(days=1)).replace(day=1)
    lines = UsageLine.objects.for_tenant(contract.tenant_id)
    out = []
    for sl in met:
        earlier = (
            lines.filter(
                contract=contract,
                invoice__period=previous,
                kind=Kind.SLA_CREDIT,
                metric=sl.metric,
                detail__engagement_id=sl.engagement_id,
            )
            .exclude(amount=0)
            .first()
        )
        if (
            earlier is None
            or lines.filter(kind=Kind.EARN_BACK, detail__credit_line=earlier.pk).exists()
        ):
            continue
        out.append(
            _line(
                Kind.EARN_BACK,
                f"Credit earned back: {sl.engagement.name} met {sl.target_percent}%",
                -earlier.amount,
                version=version,
                service_level=sl,
                metric=sl.metric,
                quantity=Decimal(1),
                detail={"credit_line": earlier.pk, "engagement_id": sl.engagement_id},
            )
        )
    return out


def in_force(versions: Sequence[ContractVersion], day: date) -> ContractVersion | None:
    for v in versions:
        if v.effective_from <= day and (v.effective_to is None or day <= v.effective_to):
            return v
    return versions[-1] if versions else None


def build_lines(
    contract: Contract, period: date, groups: Sequence[metering.UsageGroup]
) -> list[UsageLine]:
    """Every line of a month's statement, numbered, not saved (and no invoice set)."""
    versions = overlapping(contract, period)
    billed = {g.version_id for g in groups}
    priced_versions = sorted(
        {*versions, *ContractVersion.objects.for_tenant(contract.tenant_id).filter(pk__in=billed)},
        key=lambda v: v.effective_from,
    )
    lines = usage_lines(priced_versions, groups) + fee_lines(contract, versions, period)
    charged = sum(ln.amount for ln in lines)
    setup = setup_line(contract, period)
    current = in_force(versions, metering.month_end(period))
    minimum = minimum_line(current, charged)
    fee = charged + sum(ln.amount for ln in minimum)
    lines += setup + minimum + credit_lines(contract, current, period, fee)
    for n, ln in enumerate(lines, start=1):
        ln.line_no = n
        ln.tenant_id, ln.client_id, ln.contract = contract.tenant_id, contract.client_id, contract
    return lines


def scope_of(contract: Contract, until: datetime) -> metering.Scope:
    """What the contract bills up to `until`: its engagements, all its versions."""
    engagement_ids = list(
        ContractEngagement.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .values_list("engagement_id", flat=True)
    )
    versions = list(
        ContractVersion.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .order_by("effective_from")
    )
    metrics = frozenset(
        Charge.objects.for_tenant(contract.tenant_id)
        .filter(version__in=versions)
        .values_list("metric", flat=True)
    )
    return metering.Scope(contract, engagement_ids, versions, until, metrics)


def totals(lines: Sequence[UsageLine]) -> tuple[int, int]:
    """(charges, credits): positive lines, and the negative ones as a positive amount."""
    return (
        sum(ln.amount for ln in lines if ln.amount > 0),
        -sum(ln.amount for ln in lines if ln.amount < 0),
    )


def commerce_lines(contract: Contract, lines: Sequence[UsageLine]) -> list[commerce.LineSpec]:
    """The positive lines as the commerce invoice's lines (one unit at the line's amount, so
    the invoice is exactly the statement). A charge's product books its revenue."""
    taxes = [contract.tax_code] if contract.tax_code else []
    return [
        commerce.LineSpec(
            product_id=ln.charge.product_id if ln.charge is not None else None,
            quantity=1,
            unit_price=ln.amount,
            description=ln.description,
            tax_codes=taxes,
        )
        for ln in lines
        if ln.amount > 0
    ]


def draft_invoice(
    *,
    contract: Contract,
    period: date,
    run: BillingRun | None,
    actor: User | None,
) -> tuple[BillingInvoice, int]:
    """The contract's invoice for `period` with its billed items, lines and commerce draft
    (the caller holds the transaction and has checked it does not exist)."""
    inv = BillingInvoice.objects.create(
        tenant_id=contract.tenant_id,
        client_id=contract.client_id,
        contract=contract,
        run=run,
        period=period,
        currency=contract.currency,
    )
    _, until = metering.period_window(contract, period)
    count = metering.bill_items(invoice=inv, scope=scope_of(contract, until))
    lines = build_lines(contract, period, metering.usage(inv))
    for ln in lines:
        ln.invoice = inv
    UsageLine.objects.bulk_create(lines)
    inv.charges_total, inv.credits_total = totals(lines)
    inv.document = sync_document(inv, contract, lines, actor=actor)
    inv.save(update_fields=["charges_total", "credits_total", "document"])
    return inv, count


def sync_document(
    inv: BillingInvoice, contract: Contract, lines: Sequence[UsageLine], *, actor: User | None
) -> Document | None:
    """Draft (or redraft) the commerce invoice from the statement's positive lines."""
    specs = commerce_lines(contract, lines)
    tenant = contract.tenant
    if inv.document_id is not None:
        if not specs:
            commerce.cancel_document(tenant=tenant, actor=actor, document_id=inv.document_id)
            return None
        return commerce.update_document(
            tenant=tenant, actor=actor, document_id=inv.document_id, lines=specs
        )
    if not specs:
        return None
    end = metering.month_end(inv.period)
    return commerce.create_document(
        tenant=tenant,
        actor=actor,
        kind="invoice",
        party_id=contract.customer_id,
        day=end,
        currency=contract.currency,
        due_date=end + timedelta(days=contract.payment_terms_days),
        reference=f"{contract.code} {inv.period:%Y-%m}"[:60],
        lines=specs,
    )
