"""Reads the billing pages need, for the person looking: the provider's staff see every row
their organization keeps (`tenant`), a client's people see the rows about their organization
(`client`). A record of someone else is a 404, whether it exists or not.

Figures are never recomputed here: statements are the usage lines the run wrote, and the
month-to-date estimate prices what the next run would bill with the drafting service's own
`build_lines` over `metering.preview` (nothing written).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from backoffice.billing import metering
from backoffice.billing.models import (
    BilledItem,
    BillingInvoice,
    BillingRun,
    Contract,
    ContractEngagement,
    ContractVersion,
    UsageLine,
)
from backoffice.billing.services.drafting import build_lines, scope_of
from backoffice.core.errors import NotFound
from backoffice.ledger import money
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import WorkItemEvent

M = TypeVar("M", Contract, BillingInvoice, BillingRun, UsageLine, ContractVersion, BilledItem)


def rows(model: type[M], access: TenantAccess) -> QuerySet[M]:
    """The model's rows the caller may read: all of the provider's, or the client's own."""
    tenant = access.tenant
    if tenant.is_provider:
        return model.objects.for_tenant(tenant)  # type: ignore[attr-defined,no-any-return]
    return model.objects.unscoped(  # type: ignore[attr-defined,no-any-return]
        "a client reads the billing rows its provider keeps about it"
    ).filter(client=tenant)


def _one(qs: QuerySet[M], pk: int, what: str) -> M:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


def access_contract_by_id(access: TenantAccess, contract_id: int) -> Contract:
    qs = rows(Contract, access).select_related("client", "customer", "calendar", "tenant")
    return _one(qs, contract_id, "contract")


def access_invoice_by_id(access: TenantAccess, invoice_id: int) -> BillingInvoice:
    qs = rows(BillingInvoice, access).select_related("contract", "client", "run", "document")
    return _one(qs, invoice_id, "invoice")


def access_run_by_id(access: TenantAccess, run_id: int) -> BillingRun:
    return _one(rows(BillingRun, access).select_related("client"), run_id, "billing run")


def contracts(access: TenantAccess) -> QuerySet[Contract]:
    return rows(Contract, access).select_related("client").order_by("client__name", "name")


def versions_of(contract: Contract) -> list[ContractVersion]:
    return list(
        ContractVersion.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .prefetch_related("charges__tiers", "charges__engagement", "service_levels__engagement")
        .order_by("effective_from")
    )


def engagements_of(contract: Contract) -> list[Any]:
    return [
        ce.engagement
        for ce in ContractEngagement.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .select_related("engagement")
        .order_by("engagement__name")
    ]


def recent_runs(access: TenantAccess, limit: int = 10) -> list[BillingRun]:
    return list(rows(BillingRun, access).select_related("client").order_by("-id")[:limit])


def invoices(access: TenantAccess, *, status: str | None = None) -> QuerySet[BillingInvoice]:
    qs = rows(BillingInvoice, access).select_related("contract", "client")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period", "client__name", "contract__name")


def statement(invoice: BillingInvoice) -> list[UsageLine]:
    return list(
        UsageLine.objects.for_tenant(invoice.tenant_id)
        .filter(invoice=invoice)
        .select_related("version", "charge", "service_level__engagement")
        .order_by("line_no")
    )


def line_of(invoice: BillingInvoice, line_no: int) -> UsageLine:
    qs = UsageLine.objects.for_tenant(invoice.tenant_id).filter(invoice=invoice)
    line = qs.select_related("charge", "version").filter(line_no=line_no).first()
    if line is None:
        raise NotFound("No such line on this invoice.")
    return line


def items_behind(line: UsageLine) -> QuerySet[BilledItem]:
    """The billed items a usage line priced: the invoice's items at the line's version,
    narrowed as its charge is (engagement, minimum priority, outside business hours). Fee,
    true-up and credit lines have none."""
    qs = BilledItem.objects.for_tenant(line.tenant_id).filter(invoice_id=line.invoice_id)
    charge = line.charge
    if line.kind != UsageLine.Kind.USAGE or charge is None:
        return qs.none()
    qs = qs.filter(version_id=line.version_id)
    if charge.engagement_id is not None:
        qs = qs.filter(engagement_id=charge.engagement_id)
    if charge.min_priority is not None:
        qs = qs.filter(priority__gte=charge.min_priority)
    if charge.metric == "after_hours_items":
        qs = qs.filter(after_hours=True)
    return qs.select_related("engagement", "item").order_by("completed_at", "item_id")


def events_of(billed: list[BilledItem]) -> dict[int, list[WorkItemEvent]]:
    """The work log of the billed items on one page, by item (one query)."""
    by_client: dict[int, list[int]] = defaultdict(list)
    for b in billed:
        by_client[b.client_id].append(b.item_id)
    found: dict[int, list[WorkItemEvent]] = defaultdict(list)
    for client_id, ids in by_client.items():
        for e in (
            WorkItemEvent.objects.for_tenant(client_id)
            .filter(item_id__in=ids)
            .select_related("actor")
            .order_by("at", "id")
        ):
            found[e.item_id].append(e)
    return found


# --- the month to date ------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    contract: Contract
    period: date
    lines: list[UsageLine]
    total: int
    items: int


def current_period(contract: Contract, now: datetime | None = None) -> date:
    """The first day of the month running now in the contract's zone."""
    local = (now or timezone.now()).astimezone(ZoneInfo(contract.timezone))
    return local.date().replace(day=1)


def estimate(contract: Contract, now: datetime | None = None) -> Estimate:
    """What this month will cost so far: the work not billed yet, up to now, priced as the
    next run would price it (fees, true-up and credits included)."""
    now = now or timezone.now()
    period = current_period(contract, now)
    groups = metering.preview(scope_of(contract, now))
    lines = build_lines(contract, period, groups)
    return Estimate(
        contract=contract,
        period=period,
        lines=lines,
        total=sum(ln.amount for ln in lines),
        items=sum(g.items for g in groups),
    )


# --- revenue by month -------------------------------------------------------------------


@dataclass(frozen=True)
class Revenue:
    """Issued billing revenue by month, by client and by service, in the viewer's currency
    (each month at that month's last rate); what had no rate is named, not guessed."""

    currency: str
    months: list[str]
    by_client: dict[str, list[float]]
    by_service: dict[str, list[float]]
    unconverted: list[str]


def _service_of(line: dict[str, Any]) -> str:
    if line["kind"] == UsageLine.Kind.USAGE:
        return line["charge__product__name"] or line["charge__name"] or "Usage"
    return str(UsageLine.Kind(line["kind"]).label)


def revenue(access: TenantAccess, *, months: int = 6) -> Revenue:
    currency = access.tenant.currency
    issued = rows(UsageLine, access).filter(invoice__status=BillingInvoice.Status.ISSUED)
    periods = sorted(set(issued.values_list("invoice__period", flat=True)))[-months:]
    data = issued.filter(invoice__period__in=periods).values(
        "invoice__period",
        "invoice__currency",
        "client__name",
        "kind",
        "charge__name",
        "charge__product__name",
        "amount",
    )
    labels = [f"{p:%b %Y}" for p in periods]
    index = {p: n for n, p in enumerate(periods)}
    by_client: dict[str, list[float]] = {}
    by_service: dict[str, list[float]] = {}
    rates = {p: money.rates_on(access.tenant, metering.month_end(p)) for p in periods}
    unconverted: set[str] = set()
    for line in data:
        p, cur = line["invoice__period"], line["invoice__currency"]
        rate = rates[p].get(cur) if cur != currency else 1
        if rate is None:
            unconverted.add(cur)
            continue
        amount = money.convert(line["amount"], rate=rate, currency=cur, to=currency)
        major = amount / 10 ** money.exponent(currency)
        for table, key in ((by_client, line["client__name"]), (by_service, _service_of(line))):
            table.setdefault(key, [0.0] * len(periods))[index[p]] += major
    return Revenue(currency, labels, by_client, by_service, sorted(unconverted))
