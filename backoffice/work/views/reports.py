"""A lead's pages: the backlog and the per-agent reports (accuracy, handle time)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString

from backoffice.core import charts
from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import date_or_none
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import metrics, selectors
from backoffice.work.access import Rule
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
    rows = selectors.backlog(access)
    return render(
        request,
        "work/backlog.html",
        {
            "rows": rows,
            "risky": [(i, selectors.sla_badge(i, now)) for i in risky],
            "handled_today": handled,
            "today": today,
            "charts": [
                open_work_chart(rows),
                backlog_trend_chart(access),
                sla_attainment_chart(access),
                throughput_chart(access, day=today),
            ],
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


def _report_view(
    name: str,
    doc: str,
    build: Any,
    header: Any,
    table: Any,
    filename: str,
    readers: Rule,
    charts: Any,
) -> Any:
    """A per-agent and per-engagement report over a date range for `readers`: the page
    `work/<name>.html` with `charts(report)`, or its CSV / XLSX download `filename`."""

    def view(request: HttpRequest) -> HttpResponse:
        access = page_access(request)
        readers.require(access)
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
            "charts": charts(report) if report is not None else [],
            "f": f,
            "errors": errors,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "engagements": list(selectors.engagements(access)),
        }
        return render(request, f"work/{name}.html", context)

    view.__name__ = view.__qualname__ = name
    view.__doc__ = doc
    return tenant_view(Perm.VIEW_WORK)(work_pages(view))


def _accuracy_charts(report: metrics.AccuracyReport) -> list[SafeString]:
    agents = [r for r in report.by_agent if r.combined_accuracy is not None]
    engagements = [r for r in report.by_engagement if r.combined_accuracy is not None]
    return [
        charts.bar_chart(
            title="Accuracy per agent (fields checked, combined)",
            labels=[r.agent for r in agents],
            values=[r.combined_accuracy for r in agents],
            fmt=charts.percent,
            hi=100,
        ),
        charts.bar_chart(
            title="Accuracy per engagement",
            labels=[r.engagement for r in engagements],
            values=[r.combined_accuracy for r in engagements],
            fmt=charts.percent,
            hi=100,
        ),
    ]


def _handle_charts(report: metrics.HandleReport) -> list[SafeString]:
    agents = report.by_agent
    return [
        charts.bar_chart(
            title="Median minutes per item, per agent",
            labels=[r.agent for r in agents],
            values=[r.minutes["median"] for r in agents],
        ),
        charts.bar_chart(
            title="Items handed on per hour held, per agent",
            labels=[r.agent for r in agents],
            values=[r.items_per_hour for r in agents],
        ),
    ]


accuracy = _report_view(
    "accuracy",
    "Accuracy (QA reviews, double keys, combined) per agent and engagement for a date range.",
    metrics.accuracy_report,
    metrics.ACCURACY_HEADER,
    metrics.accuracy_table,
    "qa-accuracy",
    metrics.ACCURACY_READERS,
    _accuracy_charts,
)
handle_time = _report_view(
    "handle_time",
    "Handle time per agent and engagement for a date range.",
    metrics.handle_time_report,
    metrics.HANDLE_HEADER,
    metrics.handle_time_table,
    "handle-time",
    metrics.HANDLE_TIME_READERS,
    _handle_charts,
)


# --- figures the backlog page and the dashboards share ---------------------------------------

OPEN_STATE_SERIES = (
    ("queued", "Queued", charts.PALETTE[0]),
    ("in_progress", "In progress", charts.PALETTE[2]),
    ("waiting", "Waiting on client", charts.PALETTE[5]),
    ("in_review", "In review", charts.PALETTE[4]),
)


def day_label(day: date) -> str:
    return dateformat.format(day, "j M")


def open_work_chart(rows: list[dict[str, Any]], title: str = "Open work per engagement") -> Any:
    """`selectors.backlog` rows as one bar per engagement, split by state."""
    return charts.stacked_bars(
        title=title,
        labels=[r["engagement"].name for r in rows],
        series=[
            charts.Series(label, [r[key] for r in rows], color)
            for key, label, color in OPEN_STATE_SERIES
        ],
    )


def sla_attainment_chart(access: TenantAccess, *, weeks: int = 8) -> Any:
    """Per engagement, the share of items done by their due time, week by week."""
    starts, rows = metrics.sla_attainment_by_week(access, weeks=weeks)
    targets = {r.target for r in rows}
    return charts.line_chart(
        title=f"SLA met, per engagement, last {weeks} weeks",
        labels=[day_label(d) for d in starts],
        series=[charts.Series(r.engagement, r.percents) for r in rows],
        fmt=charts.percent,
        lo=0,
        hi=100,
        target=("Target", targets.pop()) if len(targets) == 1 else None,
    )


def backlog_trend_chart(access: TenantAccess, *, days: int = 14) -> Any:
    """Items received and closed per day, and the open backlog at each day's end."""
    day_list, received, closed, open_at_end = metrics.open_backlog_by_day(access, days=days)
    return charts.line_chart(
        title=f"Backlog, last {days} days",
        labels=[day_label(d) for d in day_list],
        series=[
            charts.Series("Open at the day's end", open_at_end),
            charts.Series("Received", received),
            charts.Series("Closed", closed),
        ],
    )


def throughput_chart(access: TenantAccess, *, day: date) -> Any:
    """Items handed on in each hour of the day (the viewer's hours)."""
    counts = metrics.handed_on_by_hour(access, day=day)
    return charts.column_chart(
        title=f"Items handed on per hour, {day_label(day)}",
        labels=[f"{h:02d}" for h in range(24)],
        series=[charts.Series("Items handed on", counts)],
    )


def waiting_by_queue_chart(access: TenantAccess) -> Any:
    """Claimable items per routing queue, split by how long ago they came in."""
    names, buckets = metrics.waiting_by_queue_and_age(access)
    return charts.stacked_bars(
        title="Waiting to be claimed, per queue and age",
        labels=names,
        series=[
            charts.Series(label, counts, charts.AGE_COLORS[i])
            for i, (label, counts) in enumerate(buckets)
        ],
    )
