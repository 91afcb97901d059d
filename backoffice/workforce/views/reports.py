"""Adherence per shift and per 15 minutes, and the time figures (occupancy, utilisation,
items per productive hour) per agent, team and engagement, with charts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.core import charts
from backoffice.core.forms import date_or_none
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.workforce import selectors, services
from backoffice.workforce.models import AgentState
from backoffice.workforce.views._common import (
    caller,
    local_hm,
    minutes_text,
    read_tenants,
    span,
    viewer_today,
    viewer_zone,
    zone_name,
)

MANAGE = Perm.MANAGE_WORKFORCE
SCHEDULED = {"work": "Work", "break": "Break", "training": "Training", "meeting": "Meeting"}


@tenant_view(MANAGE)
@tenant_transaction(tenants=read_tenants)
def adherence(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    selectors.provider_of(access)
    day = date_or_none(request.GET.get("day")) or viewer_today()
    team = request.GET.get("team", "")
    zone = viewer_zone()
    rows = selectors.adherence_report(access, day=day, zone=zone.key, team=team)
    chosen = request.GET.get("shift", "")
    shown = []
    for r in rows:
        agent_zone = r.shift.timezone
        item = {
            "shift": r.shift,
            "name": services.name_of(r.shift.agent),
            "theirs": span(r.shift.starts_at, r.shift.ends_at, agent_zone),
            "mine": span(r.shift.starts_at, r.shift.ends_at, zone),
            "zone": zone_name(agent_zone),
            "result": r.result,
            "kept": minutes_text(r.result.kept_seconds),
            "scheduled": minutes_text(r.result.scheduled_seconds),
            "worked": minutes_text(r.result.worked_seconds),
            "to_work": minutes_text(r.result.work_scheduled_seconds),
            "open": chosen == str(r.shift.pk) or len(rows) == 1,
            "slots": [
                {
                    "at": local_hm(s.start, zone),
                    "scheduled": SCHEDULED.get(s.scheduled, s.scheduled),
                    "actual": AgentState(s.actual_state).label,
                    "kept": round(s.kept_seconds / 60),
                    "of": round(s.scheduled_seconds / 60),
                    "percent": s.adherence,
                }
                for s in r.result.slots
            ],
        }
        shown.append(item)
    chart = charts.bar_chart(
        title="Adherence by shift (%)",
        labels=[f"{x['name']} {x['mine']}" for x in shown],
        values=[r.result.adherence for r in rows],
        fmt=charts.percent,
        hi=100,
    )
    return render(
        request,
        "workforce/adherence.html",
        {
            "day": day,
            "team": team,
            "teams": selectors.teams(access),
            "rows": shown,
            "chart": chart,
            "viewer_zone": zone_name(zone),
        },
    )


@tenant_view(MANAGE)
@tenant_transaction(tenants=read_tenants)
def time_figures(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    selectors.provider_of(access)
    today = viewer_today()
    start = date_or_none(request.GET.get("start")) or today - timedelta(days=6)
    end = date_or_none(request.GET.get("end")) or today
    team = request.GET.get("team", "")
    eng = request.GET.get("engagement", "")
    errors = []
    if end < start:
        errors.append("The end date comes before the start date; showing the start day only.")
        end = start
    if (end - start).days > 92:
        errors.append("Showing the first 92 days of the range you chose.")
        end = start + timedelta(days=92)
    zone = viewer_zone()
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    report = selectors.time_report(
        access,
        since=since,
        until=until,
        team=team,
        engagement_id=int(eng) if eng.isdigit() else None,
    )
    labels = [r.label for r in report.agents]
    chart = charts.column_chart(
        title="Occupancy and utilisation by agent (%)",
        labels=labels,
        series=[
            charts.Series("Occupancy", [r.figures.occupancy for r in report.agents]),
            charts.Series("Utilisation", [r.figures.utilisation for r in report.agents]),
        ],
        stacked=False,
        fmt=charts.percent,
    )
    hours = charts.column_chart(
        title="Hours by agent",
        labels=labels,
        series=[
            charts.Series("Busy", [round(r.figures.busy / 3600, 1) for r in report.agents]),
            charts.Series("Idle", [round(r.figures.idle / 3600, 1) for r in report.agents]),
            charts.Series("Break", [round(r.figures.on_break / 3600, 1) for r in report.agents]),
        ],
    )
    return render(
        request,
        "workforce/time.html",
        {
            "start": start,
            "end": end,
            "team": team,
            "teams": selectors.teams(access),
            "engagement": eng,
            "engagements": selectors.engagements(access),
            "report": report,
            "chart": chart,
            "hours_chart": hours,
            "errors": errors,
            "viewer_zone": zone_name(zone),
        },
    )
