"""Operations reports pages: one tab per report, the same filters, charts and downloads.

Thin: parse the filters, build the report (`selectors`), draw its charts, render it or
write it as CSV / XLSX. Bad filters keep what was typed and say what is wrong, field by field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString

from backoffice.core import charts
from backoffice.core.errors import DomainError
from backoffice.core.exports import EXPORT_FORMATS, tabular_response
from backoffice.core.forms import flash_domain_error
from backoffice.reports import selectors
from backoffice.reports.selectors import Report
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

FILTERS = ("start", "end", "client", "engagement", "team")
# Charts of one bar per agent show this many (the table below lists everyone).
CHART_AGENTS = 25
HEADINGS = {
    "client": "Client",
    "engagement": "Engagement",
    "month": "Month",
    "completed": "Done",
    "on_time": "On time",
    "late": "Late",
    "attainment_percent": "Attainment %",
    "target_percent": "Target %",
    "target_met": "Target met",
    "open": "Open",
    "period": "From",
    "arrived": "Arrived",
    "cancelled": "Cancelled",
    "net_change": "Backlog change",
    "agent": "Agent",
    "team": "Team",
    "handed_on": "Handed on",
    "stretches": "Stretches held",
    "hours_held": "Hours held",
    "items_per_hour": "Items / hour",
    "minutes_per_stretch": "Minutes / stretch",
    "reviews": "Reviews",
    "fields_reviewed": "Fields reviewed",
    "fields_correct": "Fields correct",
    "accuracy": "Accuracy %",
    "shifts": "Shifts",
    "scheduled_minutes": "Scheduled (min)",
    "kept_minutes": "In scheduled state (min)",
    "adherence_percent": "Adherence %",
    "work_scheduled_minutes": "Work scheduled (min)",
    "worked_minutes": "Worked (min)",
    "conformance_percent": "Conformance %",
}
ABOUT = {
    "sla": "Items done in each month of the period and the share done by their due time "
    "(time waiting on the client moves the due time), against each engagement's target.",
    "backlog": "Open items now, by time since they arrived and by time left to their due "
    "time. The period does not apply: this is the backlog as it stands.",
    "throughput": "Items arrived, done and cancelled per day of the period (per week over "
    "longer periods), in your time zone.",
    "productivity": "Per agent: items handed on (to review or done), the stretches they held "
    "items in progress and the hours held. Items / hour = handed on ÷ hours held; under "
    "ten minutes held there is no rate (—).",
    "quality": "QA accuracy: fields the reviewer found correct ÷ fields reviewed, per agent "
    "and per week, for reviews made in the period.",
    "adherence": "Per agent, over shifts starting in the period (at most 7 days): time in "
    "the scheduled state ÷ time scheduled (adherence), and time worked ÷ work scheduled "
    "(conformance). Client and engagement do not apply.",
}


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


@tenant_view(Perm.VIEW_REPORTS)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "sla")


@tenant_view(Perm.VIEW_REPORTS)
@tenant_transaction(tenants=selectors.rls_tenant_ids)
def report(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in selectors.KINDS:
        raise Http404("No such report.")
    return _page(request, kind)


def _page(request: HttpRequest, kind: str) -> HttpResponse:
    access = _access(request)
    selectors.require_reader(access)
    typed = {k: request.GET.get(k, "").strip() for k in FILTERS}
    today = timezone.localdate(timezone.now(), ZoneInfo(access.user.timezone or "UTC"))
    found: Report | None = None
    errors: dict[str, list[str]] = {}
    try:
        f = selectors.parse_filters(access, request.GET, today=today)
        found = selectors.build(access, kind, f)
    except DomainError as exc:
        flash_domain_error(request, exc)
        errors = exc.fields
    fmt = request.GET.get("format")
    if found is not None and fmt in EXPORT_FORMATS:
        name = f"{kind}-{found.filters.start}-{found.filters.end}"
        return tabular_response(name, found.columns, found.table(), fmt)
    shown = dict(typed)
    if found is not None and not typed["start"] and not typed["end"]:
        shown["start"], shown["end"] = str(found.filters.start), str(found.filters.end)
    context = {
        "kind": kind,
        "kinds": [(k, selectors.TITLES[k]) for k in selectors.KINDS],
        "about": ABOUT[kind],
        "report": found,
        "headings": [HEADINGS.get(c, c) for c in found.columns] if found else [],
        "cells": _cells(found) if found else [],
        "totals": _total_cells(found) if found else None,
        "charts": report_charts(found) if found is not None else [],
        "f": shown,
        "errors": errors,
        "query": urlencode({k: v for k, v in typed.items() if v}),
        "clients": selectors.clients(access),
        "engagements": selectors.engagements(access),
        "teams": selectors.teams(access),
    }
    return render(request, "reports/index.html", context)


def _cell(value: Any) -> Any:
    return "—" if value is None or value == "" else value


def _cells(report: Report) -> list[list[Any]]:
    return [[_cell(r.get(c)) for c in report.columns] for r in report.rows]


def _total_cells(report: Report) -> list[Any] | None:
    """The totals row under the table ("All" in the first column), when the report has one."""
    if not report.rows or not any(c in report.totals for c in report.columns):
        return None
    rest = report.columns[1:]
    return ["All", *(_cell(report.totals.get(c, "")) if c in report.totals else "" for c in rest)]


# --- charts --------------------------------------------------------------------------------


def report_charts(report: Report) -> list[SafeString]:
    draw: Any = {
        "sla": _sla_charts,
        "backlog": _backlog_charts,
        "throughput": _throughput_charts,
        "productivity": _productivity_charts,
        "quality": _quality_charts,
        "adherence": _adherence_charts,
    }[report.kind]
    return draw(report)  # type: ignore[no-any-return]


def _sla_charts(report: Report) -> list[SafeString]:
    months = sorted({r["month"] for r in report.rows})
    per: dict[str, dict[str, float | None]] = {}
    for r in report.rows:
        per.setdefault(f"{r['client']} · {r['engagement']}", {})[r["month"]] = r[
            "attainment_percent"
        ]
    targets = {r["target_percent"] for r in report.rows}
    return [
        charts.line_chart(
            title="SLA met per engagement and month",
            labels=months,
            series=[charts.Series(name, [v.get(m) for m in months]) for name, v in per.items()],
            fmt=charts.percent,
            lo=0,
            hi=100,
            target=("Target", targets.pop()) if len(targets) == 1 else None,
        )
    ]


def _backlog_charts(report: Report) -> list[SafeString]:
    labels = [f"{r['client']} · {r['engagement']}" for r in report.rows]
    return [
        charts.stacked_bars(
            title="Open items by time since arrival",
            labels=labels,
            series=[charts.Series(a, [r[a] for r in report.rows]) for a in selectors.AGE_LABELS],
        ),
        charts.stacked_bars(
            title="Open items by time to their due time",
            labels=labels,
            series=[charts.Series(d, [r[d] for r in report.rows]) for d in selectors.DUE_LABELS],
        ),
    ]


def _throughput_charts(report: Report) -> list[SafeString]:
    labels = [r["period"] for r in report.rows]
    each = "week" if report.totals.get("weekly") else "day"
    return [
        charts.line_chart(
            title=f"Items arrived and done per {each}",
            labels=labels,
            series=[
                charts.Series("Arrived", [r["arrived"] for r in report.rows]),
                charts.Series("Done", [r["completed"] for r in report.rows]),
                charts.Series("Cancelled", [r["cancelled"] for r in report.rows]),
            ],
        )
    ]


def _productivity_charts(report: Report) -> list[SafeString]:
    top = report.rows[:CHART_AGENTS]
    return [
        charts.bar_chart(
            title=f"Items handed on, top {len(top)} agents",
            labels=[r["agent"] for r in top],
            values=[r["handed_on"] for r in top],
        ),
        charts.bar_chart(
            title="Items handed on per hour held",
            labels=[r["agent"] for r in top],
            values=[r["items_per_hour"] for r in top],
        ),
    ]


def _quality_charts(report: Report) -> list[SafeString]:
    weeks = report.totals.get("weeks", [])
    lowest = report.rows[:CHART_AGENTS]
    return [
        charts.line_chart(
            title="QA accuracy per week",
            labels=[w["week"] for w in weeks],
            series=[charts.Series("Accuracy", [w["accuracy"] for w in weeks])],
            fmt=charts.percent,
            lo=0,
            hi=100,
        ),
        charts.bar_chart(
            title=f"QA accuracy, the {len(lowest)} lowest agents",
            labels=[r["agent"] for r in lowest],
            values=[r["accuracy"] for r in lowest],
            fmt=charts.percent,
            hi=100,
        ),
    ]


def _adherence_charts(report: Report) -> list[SafeString]:
    lowest = report.rows[:CHART_AGENTS]
    return [
        charts.bar_chart(
            title=f"Adherence, the {len(lowest)} lowest agents",
            labels=[r["agent"] for r in lowest],
            values=[r["adherence_percent"] for r in lowest],
            fmt=charts.percent,
            hi=100,
        )
    ]
