"""A lead's pages: the backlog and the per-agent reports (accuracy, handle time)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.work import metrics, selectors
from backoffice.work.models import State
from backoffice.work.schema import FieldErrors
from backoffice.work.views._common import id_or_none, page_access, show_error, work_pages


@tenant_view(Perm.ROUTE_WORK)
@work_pages
def backlog(request: HttpRequest) -> HttpResponse:
    """The team lead's board: open work per engagement, at-risk items to reassign."""
    access = page_access(request)
    risky = (
        selectors.items(access, open=True)
        .filter(at_risk=True)
        .exclude(state=State.WAITING_ON_CLIENT)
        .order_by("sla_due_at")[:50]
    )
    now = timezone.now()
    today = timezone.localdate(now, ZoneInfo(access.user.timezone or "UTC"))
    handled = metrics.handle_time_report(
        access, period=metrics.period_for(access, today, today)
    ).by_agent
    return render(
        request,
        "work/backlog.html",
        {
            "rows": selectors.backlog(access),
            "risky": [(i, selectors.sla_badge(i, now)) for i in risky],
            "handled_today": handled,
            "today": today,
        },
    )


def _report_filters(request: HttpRequest) -> tuple[dict[str, str], Any, int | None]:
    f = {k: request.GET.get(k, "").strip() for k in ("start", "end", "engagement", "agent")}
    start, end = date_or_none(f["start"]), date_or_none(f["end"])
    bad: dict[str, list[str]] = {}
    for key, parsed in (("start", start), ("end", end)):
        if f[key] and parsed is None:
            bad[key] = ["Not a date (YYYY-MM-DD)."]
    if bad:
        raise DomainError("The period is not valid.", fields=bad)
    period = metrics.period_for(page_access(request), start, end)
    engagement_id = id_or_none(f["engagement"])
    return f, period, engagement_id


def _report_view(name: str, doc: str, build: Any, header: Any, table: Any, filename: str) -> Any:
    """A team lead's per-agent and per-engagement report over a date range: the page
    `work/<name>.html`, or its CSV / XLSX download `filename`."""

    def view(request: HttpRequest) -> HttpResponse:
        access = page_access(request)
        report = None
        errors: FieldErrors = {}
        f = {k: request.GET.get(k, "") for k in ("start", "end", "engagement", "agent")}
        try:
            f, period, engagement_id = _report_filters(request)
            agent = f["agent"] or None
            report = build(access, period=period, engagement_id=engagement_id, agent=agent)
        except DomainError as exc:
            show_error(request, exc)
            errors = exc.fields
        fmt = request.GET.get("format")
        if report is not None and fmt in EXPORT_FORMATS:
            return tabular_response(filename, header, table(report), fmt)
        context = {
            "report": report,
            "f": f,
            "errors": errors,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "engagements": list(selectors.engagements(access)),
        }
        return render(request, f"work/{name}.html", context)

    view.__name__ = view.__qualname__ = name
    view.__doc__ = doc
    return tenant_view(Perm.ROUTE_WORK)(work_pages(view))


accuracy = _report_view(
    "accuracy",
    "Accuracy (QA reviews, double keys, combined) per agent and engagement for a date range.",
    metrics.accuracy_report,
    metrics.ACCURACY_HEADER,
    metrics.accuracy_table,
    "qa-accuracy",
)
handle_time = _report_view(
    "handle_time",
    "Handle time per agent and engagement for a date range.",
    metrics.handle_time_report,
    metrics.HANDLE_HEADER,
    metrics.handle_time_table,
    "handle-time",
)
