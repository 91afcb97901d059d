"""Reads of billing, scoped to who asks: the provider's staff see every contract, run and
invoice of their provider; a client's users see their own contracts, invoices and
statements (never runs over all clients, never another client's rows).

`access_<thing>_by_id` fetch and authorise together: another tenant's id is the same 404
as a missing one. Pages and the API call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from backoffice.billing import metering
from backoffice.billing.models import (
    BilledItem,
    BillingInvoice,
    BillingRun,
    Contract,
    ContractVersion,
    Dispute,
    UsageLine,
)
from backoffice.billing.services import drafting
from backoffice.core.errors import NotFound
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import WorkItem, WorkItemEvent


@dataclass(frozen=True)
class Scope:
    """The provider whose rows are read, and the one client they are limited to (if any)."""

    provider_id: int
    client_id: int | None


def scope_of(access: TenantAccess) -> Scope:
    t = access.tenant
    if t.is_provider:
        return Scope(t.pk, None)
    return Scope(int(t.provider_id or 0), t.pk)


def _rows[M: Model](
    model: type[M], access: TenantAccess, perm: str = Perm.VIEW_BILLING
) -> QuerySet[M]:
    access.require(perm)
    s = scope_of(access)
    qs = model.objects.for_tenant(s.provider_id)  # type: ignore[attr-defined]
    return qs if s.client_id is None else qs.filter(client_id=s.client_id)


def _invoice_rows(access: TenantAccess, perm: str = Perm.VIEW_BILLING) -> QuerySet[BillingInvoice]:
    """A client sees its invoices once issued; drafts are the provider's until then."""
    qs = _rows(BillingInvoice, access, perm)
    if scope_of(access).client_id is not None:
        qs = qs.filter(status=BillingInvoice.Status.ISSUED)
    return qs


def _one[M: Model](qs: QuerySet[M], pk: int, what: str) -> M:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


# --- contracts ----------------------------------------------------------------------------


def contracts(access: TenantAccess, *, client_id: int | None = None) -> QuerySet[Contract]:
    qs = _rows(Contract, access).select_related("client", "customer")
    return qs if client_id is None else qs.filter(client_id=client_id)


def access_contract_by_id(
    access: TenantAccess, contract_id: int, *, perm: str = Perm.VIEW_BILLING
) -> Contract:
    return _one(_rows(Contract, access, perm).select_related("client"), contract_id, "contract")


def versions(contract: Contract) -> QuerySet[ContractVersion]:
    return (
        ContractVersion.objects.for_tenant(contract.tenant_id)
        .filter(contract=contract)
        .prefetch_related("charges__tiers", "service_levels__engagement", "charges__engagement")
        .order_by("effective_from")
    )


def engagement_ids(contract: Contract) -> list[int]:
    return list(contract.covered.values_list("engagement_id", flat=True))


# --- runs ---------------------------------------------------------------------------------


def runs(access: TenantAccess) -> QuerySet[BillingRun]:
    """Runs are the provider's work; a client sees only runs of its own month bills."""
    return _rows(BillingRun, access).select_related("client").order_by("-period", "-id")


def access_run_by_id(
    access: TenantAccess, run_id: int, *, perm: str = Perm.VIEW_BILLING
) -> BillingRun:
    return _one(_rows(BillingRun, access, perm), run_id, "billing run")


# --- invoices, statements, drill-down -----------------------------------------------------


def invoices(
    access: TenantAccess,
    *,
    period: date | None = None,
    status: str = "",
    contract_id: int | None = None,
    run_id: int | None = None,
) -> QuerySet[BillingInvoice]:
    qs = _invoice_rows(access).select_related("contract", "client", "document")
    if period is not None:
        qs = qs.filter(period=period.replace(day=1))
    if status:
        qs = qs.filter(status=status)
    if contract_id is not None:
        qs = qs.filter(contract_id=contract_id)
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    return qs.order_by("-period", "contract__name", "id")


def access_invoice_by_id(
    access: TenantAccess, invoice_id: int, *, perm: str = Perm.VIEW_BILLING
) -> BillingInvoice:
    qs = _invoice_rows(access, perm).select_related(
        "contract", "client", "document", "credit_note", "client_bill", "client_debit_note"
    )
    return _one(qs, invoice_id, "invoice")


def usage_lines(invoice: BillingInvoice) -> QuerySet[UsageLine]:
    return (
        UsageLine.objects.for_tenant(invoice.tenant_id)
        .filter(invoice=invoice)
        .select_related("version", "charge", "service_level")
        .order_by("line_no")
    )


def disputes(invoice: BillingInvoice) -> QuerySet[Dispute]:
    return Dispute.objects.for_tenant(invoice.tenant_id).filter(invoice=invoice)


def access_line_by_id(access: TenantAccess, line_id: int) -> UsageLine:
    qs = _rows(UsageLine, access).select_related("invoice", "charge", "version")
    if scope_of(access).client_id is not None:
        qs = qs.filter(invoice__status=BillingInvoice.Status.ISSUED)
    return _one(qs, line_id, "usage line")


def line_items(line: UsageLine) -> QuerySet[BilledItem]:
    """The billed items behind a usage line (its drill-down): the items of its version that
    its charge counts. Fees, true-ups and credits have none (a credit's figures are in its
    detail: the items and reviews of the period's service-level report)."""
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
    return qs.order_by("completed_at", "item_id")


def item_refs(billed: list[BilledItem]) -> dict[int, str]:
    """The items' references (their client's tenant, read by id)."""
    by_client: dict[int, list[int]] = {}
    for b in billed:
        by_client.setdefault(b.client_id, []).append(b.item_id)
    out: dict[int, str] = {}
    for client_id, ids in by_client.items():
        out.update(
            WorkItem.objects.for_tenant(client_id)
            .filter(pk__in=ids)
            .values_list("pk", "external_ref")
        )
    return out


def item_events(access: TenantAccess, line: UsageLine, item_id: int) -> QuerySet[WorkItemEvent]:
    """The events behind one billed item of a line (404 unless the line billed it)."""
    billed = line_items(line).filter(item_id=item_id).first()
    if billed is None:
        raise NotFound("No such item on this line.")
    return (
        WorkItemEvent.objects.for_tenant(billed.client_id)
        .filter(item_id=item_id)
        .order_by("at", "id")
    )


STATEMENT_HEADER = [
    "line",
    "kind",
    "description",
    "rate_card_version",
    "metric",
    "quantity",
    "amount",
    "currency",
    "tiers",
    "measured_percent",
    "target_percent",
]
DRILL_HEADER = ["item", "engagement_id", "completed_at", "state", "priority", "after_hours",
                "fields_keyed", "characters_keyed", "pages", "lines", "audio_minutes",
                "handle_hours"]  # fmt: skip


def statement_rows(invoice: BillingInvoice) -> list[list[Any]]:
    """The usage statement for CSV/XLSX: amounts in major units of the currency."""
    from backoffice.ledger.money import exponent

    scale = 10 ** exponent(invoice.currency)
    rows = []
    for ln in usage_lines(invoice):
        tiers = "; ".join(
            f"{t['from']}-{t['to'] or '...'}: {t['units']} at {int(t['unit_rate']) / scale}"
            for t in ln.detail.get("tiers", [])
        )
        rows.append(
            [
                ln.line_no,
                ln.get_kind_display(),
                ln.description,
                ln.version.number if ln.version else "",
                ln.metric,
                float(ln.quantity),
                ln.amount / scale,
                invoice.currency,
                tiers,
                ln.detail.get("measured_percent", ""),
                ln.detail.get("target_percent", ""),
            ]
        )
    return rows


def drill_rows(line: UsageLine, limit: int = 100_000) -> list[list[Any]]:
    billed = list(line_items(line)[:limit])
    refs = item_refs(billed)
    return [
        [refs.get(b.item_id, b.item_id), b.engagement_id, b.completed_at.isoformat(), b.state,
         b.priority, b.after_hours, b.fields_keyed, b.characters_keyed, float(b.pages),
         float(b.lines), float(b.audio_minutes), round(float(b.handle_seconds) / 3600, 3)]
        for b in billed
    ]  # fmt: skip


# --- month to date ------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    contract: Contract
    period: date
    as_of: datetime
    lines: list[UsageLine]
    charges: int
    credits: int

    @property
    def total(self) -> int:
        return self.charges - self.credits


def month_to_date(
    access: TenantAccess, contract_id: int, *, now: datetime | None = None
) -> Estimate:
    """What the month costs so far: the unbilled work completed this month (and late work
    of last month), priced as the run would price it now. Nothing is written.

    The estimate reads only the items that can still be unbilled, however long the client's
    history: this month's and, until last month's run is done, last month's; after it, the
    items completed since that run began (an hour's margin for work in flight). Unbilled work
    older than that (it needs a month run before it ended) is left to the run."""
    contract = access_contract_by_id(access, contract_id)
    now = now or timezone.now()
    period = now.astimezone(ZoneInfo(contract.timezone)).date().replace(day=1)
    since = _unbilled_since(contract, period)
    none_billed = since >= metering.period_window(contract, period)[0] and not (
        BillingRun.objects.for_tenant(contract.tenant_id)
        .filter(period=period)
        .filter(Q(client_id=contract.client_id) | Q(client__isnull=True))
        .exists()
    )
    scope = replace(drafting.scope_of(contract, now), since=since, none_billed=none_billed)
    groups = metering.preview(scope)
    lines = drafting.build_lines(contract, period, groups)
    charges, credits = drafting.totals(lines)
    return Estimate(contract, period, now, lines, charges, credits)


def _unbilled_since(contract: Contract, period: date) -> datetime:
    start = metering.period_window(contract, period)[0]
    last_month = (period - timedelta(days=1)).replace(day=1)
    run = (
        BillingRun.objects.for_tenant(contract.tenant_id)
        .filter(period=last_month, status=BillingRun.Status.DONE)
        .filter(Q(client_id=contract.client_id) | Q(client__isnull=True))
        .order_by("started_at")
        .first()
    )
    if run is None:
        return metering.period_window(contract, last_month)[0]
    return min(start, run.started_at - timedelta(hours=1))
