"""The billing overview (contracts, runs, invoices to review, revenue by month) and the
month-to-date estimate."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString

from backoffice.billing import page_queries as q
from backoffice.billing import selectors
from backoffice.billing.models import BillingInvoice
from backoffice.billing.views._common import caller, can_manage, page, read_tenants
from backoffice.core import charts
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm


def last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def revenue_charts(rev: q.Revenue, *, provider: bool) -> tuple[SafeString, SafeString]:
    def fmt(v: float) -> str:
        return f"{charts.plain(round(v, 2))} {rev.currency}"

    def chart(title: str, table: dict[str, list[float]]) -> SafeString:
        series = [charts.Series(name, values) for name, values in sorted(table.items())]
        return charts.column_chart(title=title, labels=rev.months, series=series, fmt=fmt)

    if not provider:
        return SafeString(""), chart(
            f"Billed by service, by month ({rev.currency})", rev.by_service
        )
    return (
        chart(f"Revenue by client, by month ({rev.currency})", rev.by_client),
        chart(f"Revenue by service, by month ({rev.currency})", rev.by_service),
    )


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def index(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    rev = q.revenue(access)
    provider = access.tenant.is_provider
    by_client, by_service = revenue_charts(rev, provider=provider)
    # the provider's people review drafts; a client sees the invoices it was sent
    shown = (
        [BillingInvoice.Status.DRAFT, BillingInvoice.Status.APPROVED]
        if provider
        else [BillingInvoice.Status.ISSUED]
    )
    awaiting = selectors.invoices(access).filter(status__in=shown)
    clients = (
        Organization.objects.filter(provider=access.tenant).order_by("name")
        if access.tenant.is_provider
        else []
    )
    return render(
        request,
        "billing/index.html",
        {
            "contracts": list(selectors.contracts(access).order_by("client__name", "name")),
            "runs": list(selectors.runs(access)[:10]),
            "awaiting": list(awaiting[:50]),
            "revenue": rev,
            "chart_client": by_client,
            "chart_service": by_service,
            "can_manage": can_manage(access),
            "clients": clients,
            "period": last_month(),
        },
    )


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def invoices(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    status = request.GET.get("status", "")
    if status not in BillingInvoice.Status.values:
        status = ""
    return render(
        request,
        "billing/invoices.html",
        {
            "page": page(request, selectors.invoices(access, status=status)),
            "status": status,
            "statuses": BillingInvoice.Status.choices,
        },
    )


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def estimate(request: HttpRequest) -> HttpResponse:
    """What this month costs so far, per contract: for the provider's finance people and
    for the client's own admin (who sees only its contracts)."""
    access = caller(request)
    contracts = page(request, selectors.contracts(access).filter(is_active=True), size=20)
    now = timezone.now()
    estimates = [selectors.month_to_date(access, c.pk, now=now) for c in contracts]
    return render(
        request,
        "billing/estimate.html",
        {"page": contracts, "estimates": estimates, "today": date.today()},
    )
