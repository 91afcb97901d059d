"""Contracts and their rate-card versions: every rule checked here, in words, before
anything is written; the database constraints stand behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from backoffice.billing import events, pricing
from backoffice.billing.error_codes import ErrorCode
from backoffice.billing.models import (
    BilledItem,
    Charge,
    ChargeModel,
    ChargeTier,
    Contract,
    ContractEngagement,
    ContractVersion,
    Metric,
    ServiceLevel,
    ServiceLevelMetric,
)
from backoffice.commerce import services as commerce
from backoffice.commerce.models import Party, Product, TaxRate
from backoffice.core.dates import check_date, check_optional_date
from backoffice.core.errors import Conflict, DomainError, NotFound
from backoffice.ledger import money
from backoffice.ledger.models import Account
from backoffice.tenancy.models import Organization, User
from backoffice.work.models import BusinessCalendar, Engagement

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class TierIn:
    from_units: Decimal | int
    up_to: Decimal | int | None
    unit_rate: int
    flat_fee: int = 0


@dataclass(frozen=True)
class ChargeIn:
    code: str
    name: str
    metric: str
    model: str = ChargeModel.PER_UNIT
    unit_rate: int = 0
    per_units: int = 1
    free_units: Decimal | int = 0
    package_size: Decimal | int | None = None
    engagement_id: int | None = None
    min_priority: int | None = None
    product_id: int | None = None
    tiers: Sequence[TierIn] = field(default=())


@dataclass(frozen=True)
class ServiceLevelIn:
    engagement_id: int
    metric: str
    target_percent: Decimal | int | str
    allocation_percent: Decimal | int | str
    earn_back: bool = False


def keeps_books(org: Organization) -> bool:
    """Whether an organization keeps its books on the platform (it has a chart)."""
    return Account.objects.for_tenant(org).exists()


def _client_of(tenant: Organization, client_id: int) -> Organization:
    if not tenant.is_provider:
        raise DomainError("Only the provider bills its clients.", status=403, code="forbidden")
    client = Organization.objects.filter(pk=client_id, provider=tenant).first()
    if client is None:
        raise NotFound("No such client.", fields={"client_id": ["no such client"]})
    return client


def _check_currency(client: Organization, currency: str) -> str:
    cur = (currency or "").upper()
    money.exponent(cur)
    lacking = cur != client.currency and keeps_books(client)
    if lacking and money.rate_on(client, cur, date.today()) is None:
        raise DomainError(
            f"{client.name} keeps its books in {client.currency} and has no exchange rate "
            f"for {cur}: add the rate in their ledger, or bill in {client.currency}.",
            code=ErrorCode.CURRENCY_NOT_IN_CLIENT_BOOKS,
            fields={"currency": [f"the client's books have no rate for {cur}"]},
        )
    return cur


def _customer(tenant: Organization, actor: User | None, client: Organization, cur: str) -> Party:
    """The client as a customer in the provider's books (made on first use)."""
    party = Party.objects.for_tenant(tenant).filter(code=client.slug[:30]).first()
    if party is None:
        party = commerce.create_party(
            tenant=tenant, actor=actor, code=client.slug[:30], name=client.name, currency=cur
        )
    return party


def _engagements(client: Organization, ids: Sequence[int]) -> list[Engagement]:
    found = list(Engagement.objects.for_tenant(client).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise DomainError(
            "Some engagements are not this client's.",
            code=ErrorCode.INVALID_CONTRACT,
            fields={"engagement_ids": ["not engagements of this client"]},
        )
    taken = (
        ContractEngagement.objects.unscoped("an engagement is billed by one contract, any tenant")
        .filter(engagement_id__in=ids)
        .select_related("contract")
        .first()
    )
    if taken is not None:
        raise Conflict(
            f"An engagement is already covered by contract {taken.contract.code}.",
            code=ErrorCode.ENGAGEMENT_COVERED,
            fields={"engagement_ids": ["already covered by another contract"]},
        )
    return found


def create_contract(
    *,
    tenant: Organization,
    actor: User | None,
    client_id: int,
    code: str,
    name: str,
    currency: str,
    engagement_ids: Sequence[int],
    payment_terms_days: int = 30,
    calendar_id: int | None = None,
    bill_cancelled_items: bool = False,
    tax_code: str = "",
    retainer_account: str = "",
) -> Contract:
    """A client's contract over some of its engagements (each covered by one contract)."""
    client = _client_of(tenant, client_id)
    errors: Errors = {}
    if not code.strip():
        errors["code"] = ["required"]
    if not name.strip():
        errors["name"] = ["required"]
    if not 0 <= payment_terms_days <= 365:
        errors["payment_terms_days"] = ["between 0 and 365 days"]
    if tax_code and not TaxRate.objects.for_tenant(tenant).filter(code=tax_code).exists():
        errors["tax_code"] = ["no such tax rate"]
    if (
        retainer_account
        and not Account.objects.for_tenant(tenant)
        .filter(code=retainer_account, type="liability")
        .exists()
    ):
        errors["retainer_account"] = ["not a liability account of your chart"]
    if errors:
        raise DomainError(
            "The contract is not valid.", code=ErrorCode.INVALID_CONTRACT, fields=errors
        )
    cur = _check_currency(client, currency)
    calendar = None
    if calendar_id is not None:
        calendar = BusinessCalendar.objects.for_tenant(client).filter(pk=calendar_id).first()
        if calendar is None:
            raise DomainError(
                "No such business calendar of this client.",
                code=ErrorCode.INVALID_CONTRACT,
                fields={"calendar_id": ["not this client's calendar"]},
            )
    if Contract.objects.for_tenant(tenant).filter(code=code.strip()).exists():
        raise Conflict("A contract with this code exists.", fields={"code": ["already used"]})
    with transaction.atomic():
        engagements = _engagements(client, list(engagement_ids))
        contract = Contract.objects.create(
            tenant=tenant,
            client=client,
            code=code.strip(),
            name=name.strip(),
            currency=cur,
            payment_terms_days=payment_terms_days,
            timezone=calendar.timezone if calendar else client.timezone,
            calendar=calendar,
            bill_cancelled_items=bill_cancelled_items,
            customer=_customer(tenant, actor, client, cur),
            tax_code=tax_code,
            retainer_account=retainer_account,
        )
        ContractEngagement.objects.bulk_create(
            [
                ContractEngagement(tenant=tenant, client=client, contract=contract, engagement=e)
                for e in engagements
            ]
        )
        ids = sorted(e.pk for e in engagements)
        events.record(tenant=tenant, actor=actor, event=events.contract_created(contract, ids))
    return contract


# --- versions ---------------------------------------------------------------------------


def _decimal(value: Any, where: str, errors: Errors, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        errors[where] = ["not a number"]
        return None
    if not d.is_finite() or d < 0 or d.as_tuple().exponent < -3 or d >= Decimal(10) ** 15:  # type: ignore[operator]
        errors[where] = ["a number of units, not negative, at most 3 decimals"]
        return None
    return d


def _money(value: Any, where: str, errors: Errors) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**15:
        errors[where] = ["an amount, not negative"]
        return 0
    return value


def _check_charge(
    n: int, c: ChargeIn, covered: set[int], products: set[int], errors: Errors
) -> pricing.ChargeSpec | None:
    where = f"charges[{n}]"
    label = f"charge {n + 1} ({c.name or c.code})"
    if not c.code.strip():
        errors[f"{where}.code"] = ["required"]
    if c.metric not in Metric.values:
        errors[f"{where}.metric"] = [f"{label}: unknown metric"]
    if c.model not in ChargeModel.values:
        errors[f"{where}.model"] = [f"{label}: unknown charge model"]
        return None
    rate = _money(c.unit_rate, f"{where}.unit_rate", errors)
    if not isinstance(c.per_units, int) or c.per_units < 1:
        errors[f"{where}.per_units"] = [f"{label}: price per 1 unit or more"]
    free = _decimal(c.free_units, f"{where}.free_units", errors) or Decimal(0)
    size = _decimal(c.package_size, f"{where}.package_size", errors, allow_none=True)
    if c.model == ChargeModel.PACKAGE and not size:
        errors[f"{where}.package_size"] = [f"{label}: a package charge needs a package size"]
    if c.model != ChargeModel.PACKAGE and c.package_size is not None:
        errors[f"{where}.package_size"] = [f"{label}: only package charges have a package size"]
    if c.engagement_id is not None and c.engagement_id not in covered:
        errors[f"{where}.engagement_id"] = [f"{label}: not an engagement of this contract"]
    if c.min_priority is not None and not 0 <= c.min_priority <= 9:
        errors[f"{where}.min_priority"] = [f"{label}: a priority from 0 to 9"]
    if c.product_id is not None and c.product_id not in products:
        errors[f"{where}.product_id"] = [f"{label}: no such product"]
    tiers = []
    for t in c.tiers:
        lo = _decimal(t.from_units, f"{where}.tiers", errors) or Decimal(0)
        hi = _decimal(t.up_to, f"{where}.tiers", errors, allow_none=True)
        if not isinstance(t.unit_rate, int) or not isinstance(t.flat_fee, int):
            errors[f"{where}.tiers"] = [f"{label}: tier prices are amounts"]
            return None
        tiers.append(pricing.Tier(lo, hi, t.unit_rate, t.flat_fee))
    if c.model in (ChargeModel.GRADUATED, ChargeModel.VOLUME):
        problems = pricing.check_tiers(tiers)
        if problems:
            errors[f"{where}.tiers"] = [f"{label}: {p}" for p in problems]
    elif tiers:
        errors[f"{where}.tiers"] = [f"{label}: only graduated and volume charges have tiers"]
    return pricing.ChargeSpec(c.model, rate, c.per_units, free, size, tuple(tiers))


def _check_levels(levels: Sequence[ServiceLevelIn], covered: set[int], errors: Errors) -> None:
    seen = set()
    for n, sl in enumerate(levels):
        where = f"service_levels[{n}]"
        if sl.engagement_id not in covered:
            errors[f"{where}.engagement_id"] = ["not an engagement of this contract"]
        if sl.metric not in ServiceLevelMetric.values:
            errors[f"{where}.metric"] = ["unknown service-level measure"]
        for name in ("target_percent", "allocation_percent"):
            v = _decimal(getattr(sl, name), f"{where}.{name}", errors)
            if v is not None and v > 100:
                errors[f"{where}.{name}"] = ["a percentage from 0 to 100"]
        if (sl.engagement_id, sl.metric) in seen:
            errors[f"{where}.metric"] = ["this service level is given twice"]
        seen.add((sl.engagement_id, sl.metric))


def _check_version_terms(terms: dict[str, Any], errors: Errors) -> None:
    for name in ("minimum_commitment", "recurring_fee", "setup_fee"):
        _money(terms[name], name, errors)
    for name in ("at_risk_percent", "pool_cap_percent"):
        v = _decimal(terms[name], name, errors)
        if v is not None and v > 100:
            errors[name] = ["a percentage from 0 to 100"]


def _overlap(
    contract: Contract, start: date, end: date | None, *, exclude: int | None = None
) -> ContractVersion | None:
    for v in ContractVersion.objects.for_tenant(contract.tenant_id).filter(contract=contract):
        if v.pk == exclude:
            continue
        if (end is None or v.effective_from <= end) and (
            v.effective_to is None or start <= v.effective_to
        ):
            return v
    return None


def _overlap_error(v: ContractVersion) -> DomainError:
    until = f"to {v.effective_to}" if v.effective_to else "open-ended"
    return DomainError(
        f"The dates overlap version {v.number} (from {v.effective_from}, {until}); end that "
        "version first or choose other dates.",
        code=ErrorCode.VERSIONS_OVERLAP,
        fields={"effective_from": [f"overlaps version {v.number}"]},
    )


def _check_rate_card(
    contract: Contract,
    effective_from: date,
    effective_to: date | None,
    terms: dict[str, Any],
    charges: Sequence[ChargeIn],
    service_levels: Sequence[ServiceLevelIn],
) -> list[pricing.ChargeSpec | None]:
    """Every problem of a rate card at once, in words; its charges' specs when sound."""
    tenant = contract.tenant_id
    errors: Errors = {}
    if effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = ["on or after the start"]
    _check_version_terms(terms, errors)
    covered = set(
        ContractEngagement.objects.for_tenant(tenant)
        .filter(contract=contract)
        .values_list("engagement_id", flat=True)
    )
    products = set(
        Product.objects.for_tenant(tenant)
        .filter(pk__in=[c.product_id for c in charges if c.product_id])
        .values_list("pk", flat=True)
    )
    specs = [_check_charge(n, c, covered, products, errors) for n, c in enumerate(charges)]
    codes = [c.code for c in charges]
    if len(set(codes)) != len(codes):
        errors["charges"] = ["each charge needs its own code"]
    _check_levels(service_levels, covered, errors)
    if errors:
        raise DomainError(
            "The rate card is not valid.", code=ErrorCode.INVALID_RATE_CARD, fields=errors
        )
    return specs


def add_version(
    *,
    tenant: Organization,
    actor: User | None,
    contract_id: int,
    effective_from: date,
    effective_to: date | None = None,
    charges: Sequence[ChargeIn] = (),
    service_levels: Sequence[ServiceLevelIn] = (),
    minimum_commitment: int = 0,
    recurring_fee: int = 0,
    recurring_label: str = "",
    setup_fee: int = 0,
    at_risk_percent: Decimal | int = 0,
    pool_cap_percent: Decimal | int = 0,
) -> ContractVersion:
    """A new rate card from `effective_from` (dates in the contract's zone). Refused, with
    nothing written, when its dates overlap another version or any charge is unsound."""
    check_date(effective_from, field="effective_from")
    check_optional_date(effective_to, field="effective_to")
    contract = Contract.objects.for_tenant(tenant).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound("No such contract.")
    terms = {
        "minimum_commitment": minimum_commitment,
        "recurring_fee": recurring_fee,
        "setup_fee": setup_fee,
        "at_risk_percent": at_risk_percent,
        "pool_cap_percent": pool_cap_percent,
    }
    specs = _check_rate_card(contract, effective_from, effective_to, terms, charges, service_levels)
    with transaction.atomic():
        contract = Contract.objects.for_tenant(tenant).select_for_update().get(pk=contract.pk)
        clash = _overlap(contract, effective_from, effective_to)
        if clash is not None:
            raise _overlap_error(clash)
        last = (
            ContractVersion.objects.for_tenant(tenant)
            .filter(contract=contract)
            .order_by("-number")
            .first()
        )
        version = ContractVersion.objects.create(
            tenant=tenant,
            client_id=contract.client_id,
            contract=contract,
            number=(last.number + 1) if last else 1,
            effective_from=effective_from,
            effective_to=effective_to,
            recurring_label=recurring_label.strip()[:200],
            **{k: Decimal(str(v)) if "percent" in k else v for k, v in terms.items()},
        )
        _write_charges(version, charges, specs)
        _write_levels(version, service_levels)
        shown = [
            {"code": c.code, "metric": c.metric, "model": c.model, "unit_rate": c.unit_rate}
            for c in charges
        ]
        events.record(tenant=tenant, actor=actor, event=events.version_added(version, shown))
    return version


def _write_charges(
    version: ContractVersion,
    charges: Sequence[ChargeIn],
    specs: Sequence[pricing.ChargeSpec | None],
) -> None:
    common = {"tenant_id": version.tenant_id, "client_id": version.client_id}
    for c, spec in zip(charges, specs, strict=True):
        assert spec is not None
        charge = Charge.objects.create(
            **common,
            version=version,
            code=c.code.strip(),
            name=c.name.strip() or c.code,
            metric=c.metric,
            model=c.model,
            engagement_id=c.engagement_id,
            min_priority=c.min_priority,
            unit_rate=spec.unit_rate,
            per_units=spec.per_units,
            free_units=spec.free_units,
            package_size=spec.package_size,
            product_id=c.product_id,
        )
        ChargeTier.objects.bulk_create(
            [
                ChargeTier(
                    **common,
                    charge=charge,
                    from_units=t.from_units,
                    up_to=t.up_to,
                    unit_rate=t.unit_rate,
                    flat_fee=t.flat_fee,
                )
                for t in spec.tiers
            ]
        )


def _write_levels(version: ContractVersion, levels: Sequence[ServiceLevelIn]) -> None:
    ServiceLevel.objects.bulk_create(
        [
            ServiceLevel(
                tenant_id=version.tenant_id,
                client_id=version.client_id,
                version=version,
                engagement_id=sl.engagement_id,
                metric=sl.metric,
                target_percent=Decimal(str(sl.target_percent)),
                allocation_percent=Decimal(str(sl.allocation_percent)),
                earn_back=sl.earn_back,
            )
            for sl in levels
        ]
    )


def end_version(
    *, tenant: Organization, actor: User | None, version_id: int, effective_to: date
) -> ContractVersion:
    """Close a version on `effective_to` (to make room for a new rate card). Refused when
    work already billed at this version falls after that day."""
    check_date(effective_to, field="effective_to")
    with transaction.atomic():
        version = (
            ContractVersion.objects.for_tenant(tenant)
            .select_for_update()
            .filter(pk=version_id)
            .first()
        )
        if version is None:
            raise NotFound("No such contract version.")
        if effective_to < version.effective_from:
            raise DomainError(
                "A version cannot end before it starts.",
                code=ErrorCode.INVALID_RATE_CARD,
                fields={"effective_to": [f"on or after {version.effective_from}"]},
            )
        from backoffice.billing.metering import local_midnight

        after = local_midnight(version.contract.timezone, effective_to + timedelta(days=1))
        if (
            BilledItem.objects.for_tenant(tenant)
            .filter(version=version, completed_at__gte=after)
            .exists()
        ):
            raise Conflict(
                "Work after that day was already billed at this version.",
                code=ErrorCode.INVALID_RATE_CARD,
                fields={"effective_to": ["work after this day is billed already"]},
            )
        before = version.effective_to.isoformat() if version.effective_to else None
        version.effective_to = effective_to
        version.save(update_fields=["effective_to"])
        events.record(tenant=tenant, actor=actor, event=events.version_ended(version, before))
    return version
