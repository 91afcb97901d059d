"""Planning pages for team leads: staffing (required vs scheduled per half hour, the gap
chart, the forecast and its error, a what-if) and batch deadlines (progress, projection,
people needed, the at-risk flag, and the form to set one)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from backoffice.core import charts
from backoffice.core.errors import DomainError
from backoffice.core.forms import date_or_none
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.planning import forecast as fc
from backoffice.workforce.planning import selectors as plan_selectors
from backoffice.workforce.planning import services as plan_services
from backoffice.workforce.planning.plans import DAYS, assumptions_from, staffing_plan
from backoffice.workforce.planning.staffing import Assumptions
from backoffice.workforce.views._common import (
    Errors,
    caller,
    field_errors,
    read_tenants,
    url,
    viewer_today,
    viewer_zone,
    zone_name,
)

MANAGE = Perm.MANAGE_WORKFORCE

_FIELDS = ("shrinkage", "occupancy", "volume", "handle", "leave")


@tenant_view(MANAGE)
@tenant_transaction(tenants=read_tenants)
def staffing(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    first_day = date_or_none(request.GET.get("start")) or viewer_today()
    day = date_or_none(request.GET.get("day")) or first_day
    if not first_day <= day < first_day + timedelta(DAYS):
        day = first_day
    raw_engagement = request.GET.get("engagement", "")
    engagement_id = int(raw_engagement) if raw_engagement.isdigit() else None
    skill, language = request.GET.get("skill", ""), request.GET.get("language", "")
    values = {k: request.GET.get(k, "").strip() for k in _FIELDS}
    errors: Errors = {}
    try:
        base, what = assumptions_from(values)
    except DomainError as exc:
        errors = field_errors(exc.fields)
        errors.setdefault("form", []).insert(0, exc.message)
        base = what = Assumptions()
    if engagement_id is not None:
        plan_selectors.access_engagement_by_id(access, engagement_id)
    r = staffing_plan(
        access,
        first_day=first_day,
        engagement_id=engagement_id,
        skill=skill,
        language=language,
        base=base,
        what_if=what,
        zone=viewer_zone(),
    )
    zone = viewer_zone()
    gap = _gap_view(r, day=day, first_day=first_day, zone=zone)
    skills, languages = plan_selectors.skills_and_languages(access)
    return render(
        request,
        "workforce/staffing.html",
        {
            **gap,
            "day": day,
            "start": first_day,
            "what_if": r.what_if is not None,
            "forecasts": [_forecast_row(e, f, msg) for e, f, msg in r.forecasts],
            "engagements": plan_selectors.engagements(access),
            "engagement": raw_engagement,
            "skills": skills,
            "languages": languages,
            "skill": skill,
            "language": language,
            "values": values,
            "errors": errors,
            "viewer_zone": zone_name(zone),
        },
    )


def _gap_view(r: Any, *, day: Any, first_day: Any, zone: Any) -> dict[str, Any]:
    """The gap chart of the chosen day, its half hours, and the week's summary."""
    shown = r.what_if or r.base
    today_rows = [i for i in shown if i.start.astimezone(zone).date() == day]
    base_rows = [i for i in r.base if i.start.astimezone(zone).date() == day]
    labels = [i.start.astimezone(zone).strftime("%H:%M") for i in today_rows]
    series = [
        charts.Series("Required", [round(i.required, 1) for i in base_rows]),
        charts.Series("Scheduled", [round(i.scheduled, 1) for i in base_rows]),
    ]
    if r.what_if is not None:
        series += [
            charts.Series("Required (what-if)", [round(i.required, 1) for i in today_rows]),
            charts.Series("Scheduled (what-if)", [round(i.scheduled, 1) for i in today_rows]),
        ]
    chart = charts.line_chart(
        title=f"Required and scheduled agents, {day:%a %-d %b %Y}", labels=labels, series=series
    )
    days = []
    for n in range(DAYS):
        d = first_day + timedelta(n)
        rows = [i for i in shown if i.start.astimezone(zone).date() == d]
        days.append(
            {
                "day": d,
                "required_hours": round(sum(i.required for i in rows) / 2, 1),
                "scheduled_hours": round(sum(i.scheduled for i in rows) / 2, 1),
                "short": sum(1 for i in rows if i.short),
                "worst": round(min((i.gap for i in rows), default=0.0), 1),
            }
        )
    rows = [
        {
            "at": label,
            "required": round(i.required, 1),
            "scheduled": round(i.scheduled, 1),
            "gap": round(i.gap, 1),
            "short": i.short,
        }
        for label, i in zip(labels, today_rows, strict=True)
    ]
    return {"chart": chart, "rows": rows, "days": days}


def _forecast_row(e: Any, f: fc.Forecast | None, message: str) -> dict[str, Any]:
    if f is None:
        return {"engagement": e, "message": message}
    a = f.accuracy
    return {
        "engagement": e,
        "method": f.method,
        "history_days": f.history_days,
        "next_days": [(d, round(v, 1)) for d, v in zip(f.days[1:-1], f.daily[1:-1], strict=True)],
        "model_mae": round(a.model_mae, 1),
        "model_smape": round(a.model_smape, 1),
        "baseline_mae": round(a.baseline_mae, 1),
        "baseline_smape": round(a.baseline_smape, 1),
        "beats": a.beats_baseline,
        "held_first": a.first_day,
        "held_last": a.first_day + timedelta(days=len(a.actual) - 1),
        "holiday_factor": round(f.holiday_factor, 2),
    }


# --- batch deadlines -------------------------------------------------------------------------

_DEADLINE = ("name", "engagement", "batch", "due_at", "business_hours", "handle_minutes",
             "shrinkage_percent", "occupancy_percent")  # fmt: skip


def deadline_rows(access: TenantAccess, now: datetime) -> list[dict[str, Any]]:
    out = []
    for d in plan_selectors.deadlines(access):
        s = plan_selectors.deadline_status(d, now=now)
        out.append({"d": d, "s": s, "zone": d.engagement.calendar.timezone})
    return out


def _int(raw: str, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return -1


def _set_deadline(access: TenantAccess, values: dict[str, str]) -> Any:
    if not values["engagement"].isdigit():
        raise DomainError(
            "Choose the engagement.",
            code=ErrorCode.INVALID_DEADLINE,
            fields={"engagement": ["Choose the engagement."]},
        )
    engagement = plan_selectors.access_engagement_by_id(access, int(values["engagement"]))
    batch = None
    if values["batch"]:
        batch = next(
            (b for b in plan_selectors.batches(access, engagement) if str(b.pk) == values["batch"]),
            None,
        )
        if batch is None:
            raise DomainError(
                "Choose a batch of this engagement.",
                code=ErrorCode.INVALID_DEADLINE,
                fields={"batch": ["Choose a batch of this engagement."]},
            )
    due = None
    if values["due_at"]:
        try:
            due = datetime.fromisoformat(values["due_at"])
        except ValueError as exc:
            raise DomainError(
                "Give the deadline as a date and time.",
                code=ErrorCode.INVALID_DEADLINE,
                fields={"due_at": ["Give a date and time."]},
            ) from exc
        if due.tzinfo is None:
            due = due.replace(tzinfo=viewer_zone())
    hours = None
    if values["business_hours"]:
        try:
            hours = float(values["business_hours"])
        except ValueError:
            hours = -1.0
    handle = values["handle_minutes"] or plan_selectors.measured_handle_minutes(
        access, engagement, viewer_today()
    )
    spec = plan_services.DeadlineIn(
        name=values["name"],
        due_at=due,
        business_hours=hours,
        batch=batch,
        handle_minutes=handle,
        shrinkage_percent=_int(values["shrinkage_percent"], 30),
        occupancy_percent=_int(values["occupancy_percent"], 85),
    )
    d, _ = plan_services.set_deadline(
        tenant=access.tenant, actor=access.user, engagement=engagement, spec=spec
    )
    return d


@tenant_view(MANAGE)
@tenant_transaction(tenants=read_tenants)
def deadlines(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    values = {k: request.POST.get(k, "").strip() for k in _DEADLINE}
    errors: Errors = {}
    if request.method == "POST":
        try:
            d = _set_deadline(access, values)
            messages.success(request, f"Deadline {d.name} set.")
            return redirect(url(access, "deadlines"))
        except DomainError as exc:
            errors = field_errors(exc.fields)
            errors.setdefault("form", []).insert(0, exc.message)
    chosen = plan_selectors.engagements(access)
    return render(
        request,
        "workforce/deadlines.html",
        {
            "rows": deadline_rows(access, timezone.now()),
            "engagements": chosen,
            "batches": [(e, b) for e in chosen for b in plan_selectors.batches(access, e)],
            "values": values,
            "errors": errors,
            "viewer_zone": zone_name(viewer_zone()),
        },
    )
