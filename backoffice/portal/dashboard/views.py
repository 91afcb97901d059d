"""The client dashboard's pages: the dashboard (its figures refresh by htmx polling), the
money part (loaded after the page, refreshed slowly), the items behind a figure, and the
PDF / UBL of an issued invoice."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat
from django.utils.safestring import SafeString

from backoffice.commerce import files as commerce_files
from backoffice.conversations import selectors as conv_selectors
from backoffice.core import charts
from backoffice.core.exports import EXPORT_FORMATS
from backoffice.portal.dashboard import figures as fig
from backoffice.portal.dashboard import money
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors as work_selectors

GOOD, BAD = "#1c7c4a", "#b3261e"
FIGURES_POLL_SECONDS = 60
MONEY_POLL_SECONDS = 300


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def _work_tenants(access: TenantAccess) -> set[int]:
    return work_selectors.visible_tenant_ids(access)


def items_url(access: TenantAccess, figure: str, **params: Any) -> str:
    """The list of the items a figure counts."""
    query = urlencode({"figure": figure, **{k: v for k, v in params.items() if v is not None}})
    return f"{reverse('portal:dashboard_items', kwargs={'tenant': access.tenant.slug})}?{query}"


def _day(d: date) -> str:
    return dateformat.format(d, "j M")


def figure_charts(access: TenantAccess, f: fig.Figures) -> list[SafeString]:
    target = f.sla_target
    caption = f"{f.total('met'):,} of {f.total('done'):,} done by their due time"
    return [
        charts.donut(
            title=f"SLA met, last {fig.WINDOW_DAYS} days",
            value=f.sla_percent,
            caption=caption + (f"; target {target} %" if target is not None else ""),
            color=GOOD
            if f.sla_percent is None or target is None or f.sla_percent >= target
            else BAD,
        ),
        charts.column_chart(
            title=f"Done per day, last {fig.CHART_DAYS} days",
            labels=[_day(d) for d in f.days],
            series=[
                charts.Series("On time", f.on_time_by_day, GOOD),
                charts.Series("Late", f.late_by_day, BAD),
            ],
        ),
        charts.bar_chart(
            title="Open items by age",
            labels=[label for _k, label, _a in fig.AGE_BUCKETS],
            values=[f.age_counts.get(k, 0) for k, _l, _a in fig.AGE_BUCKETS],
        ),
        charts.line_chart(
            title=f"QA accuracy per week, last {fig.QA_WEEKS} weeks",
            labels=[_day(d) for d in f.weeks],
            series=[charts.Series("Fields correct", f.qa_by_week)],
            fmt=charts.percent,
            hi=100,
        ),
    ]


def figures_context(access: TenantAccess) -> dict[str, Any]:
    f = fig.compute(access)
    link = {
        name: items_url(access, name)
        for name in ("open", "at_risk", "breached", "waiting", "done", "on_time", "late")
    }
    return {
        "f": f,
        "charts": figure_charts(access, f),
        "link": link,
        "age_links": [
            (label, f.age_counts.get(k, 0), items_url(access, "open", age=k))
            for k, label, _a in fig.AGE_BUCKETS
        ],
        "day_links": [
            (_day(d), on + late, late, items_url(access, "done", day=d.isoformat()))
            for d, on, late in zip(f.days, f.on_time_by_day, f.late_by_day, strict=True)
        ],
        "rows": [
            (r, {n: items_url(access, n, engagement=r.engagement.pk) for n in link})
            for r in f.engagements
        ],
        "poll_seconds": FIGURES_POLL_SECONDS,
        "window_days": fig.WINDOW_DAYS,
        "talk": _conversations(access),
    }


def _conversations(access: TenantAccess) -> dict[str, Any] | None:
    """Conversations with messages the viewer has not read (threads and read markers only,
    so 50,000 messages cost what 50 do), linking to the inbox."""
    if not access.can(Perm.VIEW_CONVERSATIONS):
        return None
    count, latest = conv_selectors.waiting_for_reader(access, limit=5)
    return {"count": count, "latest": latest}


@tenant_view(Perm.VIEW_WORK)
@tenant_transaction(tenants=_work_tenants)
def dashboard(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    return render(
        request,
        "portal/dashboard/index.html",
        {
            **figures_context(access),
            "can_see_money": access.can(Perm.VIEW_BILLING),
            "money_poll_seconds": MONEY_POLL_SECONDS,
        },
    )


@tenant_view(Perm.VIEW_WORK)
@tenant_transaction(tenants=_work_tenants)
def dashboard_figures(request: HttpRequest) -> HttpResponse:
    """The figures alone, for htmx to swap in every minute."""
    return render(request, "portal/dashboard/_figures.html", figures_context(_access(request)))


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=money.read_tenants)
def dashboard_money(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    return render(
        request,
        "portal/dashboard/_money.html",
        {
            "estimates": money.estimates(access),
            "invoices": money.invoices(access),
            "formats": EXPORT_FORMATS,
        },
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@tenant_view(Perm.VIEW_WORK)
@tenant_transaction(tenants=_work_tenants)
def dashboard_items(request: HttpRequest) -> HttpResponse:
    """The items behind one figure of the dashboard, newest first."""
    access = _access(request)
    figure = request.GET.get("figure", "")
    if figure not in fig.FIGURE_LABELS:
        figure = "open"
    engagement_id = _int_or_none(request.GET.get("engagement"))
    day = _date_or_none(request.GET.get("day"))
    age = request.GET.get("age", "")
    qs = fig.items_behind(access, figure=figure, engagement_id=engagement_id, day=day, age=age)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    engagement = next(
        (e for e in work_selectors.engagements(access) if e.pk == engagement_id), None
    )
    age_label = next((label for k, label, _a in fig.AGE_BUCKETS if k == age), "")
    return render(
        request,
        "portal/dashboard/items.html",
        {
            "page": page,
            "title": fig.FIGURE_LABELS[figure],
            "engagement": engagement,
            "day": day,
            "age_label": age_label if figure in ("open", "at_risk", "breached", "waiting") else "",
            "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        },
    )


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=money.read_tenants)
def invoice_file(request: HttpRequest, invoice_id: int, fmt: str) -> HttpResponse:
    """An issued invoice as PDF (shown in the browser) or UBL 2.1 XML (downloaded)."""
    access = _access(request)
    doc = money.access_invoice_document(access, invoice_id)
    provider = access.tenant.provider
    if provider is None or fmt not in ("pdf", "xml"):
        raise Http404("No such format.")
    if fmt == "pdf":
        return commerce_files.document_pdf(provider, doc)
    return commerce_files.document_ubl(provider, doc)
