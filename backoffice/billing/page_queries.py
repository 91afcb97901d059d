"""Reads the billing pages need beyond `billing.selectors` (which scope every record to the
person looking): the engagements a contract covers, the work log of a page of billed items in
one query per client, and issued revenue by month, by client and by service, for the chart.

Figures are never recomputed here: revenue is the usage lines of issued invoices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backoffice.billing import metering, selectors
from backoffice.billing.models import BilledItem, BillingInvoice, Contract, UsageLine
from backoffice.ledger import money
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import Engagement, WorkItemEvent


def engagements_of(contract: Contract) -> list[Engagement]:
    """The engagements a contract covers (its client's rows), by name."""
    ids = selectors.engagement_ids(contract)
    return list(
        Engagement.objects.for_tenant(contract.client_id).filter(pk__in=ids).order_by("name")
    )


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
    issued = UsageLine.objects.for_tenant(selectors.scope_of(access).provider_id).filter(
        invoice__in=selectors.invoices(access, status=BillingInvoice.Status.ISSUED).values("pk")
    )
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
        rate = rates[p].get(cur) if cur != currency else Decimal(1)
        if rate is None:
            unconverted.add(cur)
            continue
        amount = money.convert(line["amount"], rate=rate, currency=cur, to=currency)
        major = amount / 10 ** money.exponent(currency)
        for table, key in ((by_client, line["client__name"]), (by_service, _service_of(line))):
            table.setdefault(key, [0.0] * len(periods))[index[p]] += major
    return Revenue(currency, labels, by_client, by_service, sorted(unconverted))
