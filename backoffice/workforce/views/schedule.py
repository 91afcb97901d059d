"""The schedule editor for team leads: a week per team (agents by days, in the viewer's
zone with each agent's own times beside), a shift added or changed in a panel (htmx),
a week copied, a template assigned to several agents, leave recorded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError
from backoffice.core.forms import date_or_none
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.workforce import selectors, services
from backoffice.workforce.models import Activity, AgentProfile, LeaveKind, Shift
from backoffice.workforce.views._common import (
    Errors,
    caller,
    field_errors,
    local_hm,
    monday_of,
    url,
    viewer_today,
    viewer_zone,
    zone_name,
)

MANAGE = Perm.MANAGE_WORKFORCE
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _week(request: HttpRequest) -> date:
    return monday_of(date_or_none(request.GET.get("week")) or viewer_today())


def schedule_url(access: Any, monday: date, team: str = "") -> str:
    query = f"?week={monday.isoformat()}" + (f"&team={team}" if team else "")
    return url(access, "schedule") + query


@tenant_view(MANAGE)
@tenant_transaction
def schedule(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    selectors.provider_of(access)
    monday, team = _week(request), request.GET.get("team", "")
    roster = selectors.profiles(access, team=team)
    days = [monday + timedelta(days=n) for n in range(7)]
    zone = viewer_zone()
    lo = datetime.combine(monday, time.min, zone)
    found = selectors.shifts(
        access,
        agent_ids=[p.user_id for p in roster],
        since=lo,
        until=lo + timedelta(days=7),
    )
    leave = selectors.leave_on(
        access, agent_ids=[p.user_id for p in roster], first=days[0], last=days[-1]
    )
    rows = [_grid_row(p, days, found, leave, zone) for p in roster]
    return render(
        request,
        "workforce/schedule.html",
        {
            "monday": monday,
            "days": days,
            "rows": rows,
            "team": team,
            "teams": selectors.teams(access),
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "viewer_zone": zone_name(zone),
            "total_hours": sum(s.minutes for s in found if s.starts_at >= lo) / 60,
        },
    )


def _grid_row(
    p: AgentProfile, days: list[date], found: list[Shift], leave: list[Any], zone: ZoneInfo
) -> dict[str, Any]:
    cells = []
    for day in days:
        mine = [
            s
            for s in found
            if s.agent_id == p.user_id and s.starts_at.astimezone(zone).date() == day
        ]
        on_leave = next(
            (lv for lv in leave if lv.agent_id == p.user_id and lv.first_day <= day <= lv.last_day),
            None,
        )
        cells.append(
            {
                "day": day,
                "shifts": [_shift_cell(s, p.timezone, zone) for s in mine],
                "holiday": services.public_holiday(p, day),
                "leave": on_leave.get_kind_display() if on_leave else "",
            }
        )
    return {"profile": p, "name": services.name_of(p.user), "cells": cells}


def _shift_cell(s: Shift, agent_zone: str, zone: ZoneInfo) -> dict[str, Any]:
    theirs = ZoneInfo(agent_zone)
    same = all(
        t.astimezone(theirs).utcoffset() == t.astimezone(zone).utcoffset()
        for t in (s.starts_at, s.ends_at)
    )
    return {
        "shift": s,
        "mine": f"{local_hm(s.starts_at, zone)}–{local_hm(s.ends_at, zone)}",
        "theirs": ""
        if same
        else f"{local_hm(s.starts_at, agent_zone)}–{local_hm(s.ends_at, agent_zone)}",
        "hours": s.minutes / 60,
        "breaks": [
            f"{a.get_kind_display()} {local_hm(a.starts_at, zone)}" for a in s.activities.all()
        ],
    }


# --- one shift ---------------------------------------------------------------------------

_FIELDS = ("agent", "day", "start", "end", "break_start", "break_minutes", "break_kind", "note")


def _parse(values: dict[str, str]) -> tuple[services.ShiftIn | None, Errors]:
    errors: Errors = {}
    day = date_or_none(values["day"])
    if day is None:
        errors["day"] = ["Give the day the shift starts, e.g. 2026-12-07."]
    clock = {}
    for name, words in (("start", "start"), ("end", "end")):
        try:
            clock[name] = time.fromisoformat(values[name])
        except ValueError:
            errors[name] = [f"Give the {words} time, e.g. 09:00."]
    breaks = []
    if values["break_start"] or values["break_minutes"]:
        try:
            b_start = time.fromisoformat(values["break_start"])
            minutes = int(values["break_minutes"] or "0")
            breaks.append(services.BreakIn(b_start, minutes, values["break_kind"] or "break"))
        except ValueError:
            errors["break_start"] = ["Give the break's start time and its length in minutes."]
    if errors or day is None:
        return None, errors
    return services.ShiftIn.on(day, clock["start"], clock["end"], breaks, values["note"]), {}


def _values_of(shift: Shift) -> dict[str, str]:
    zone = shift.timezone
    first = next(iter(shift.activities.all()), None)
    return {
        "agent": str(shift.agent_id),
        "day": shift.local_day.isoformat(),
        "start": local_hm(shift.starts_at, zone),
        "end": local_hm(shift.ends_at, zone),
        "break_start": local_hm(first.starts_at, zone) if first else "",
        "break_minutes": str(int((first.ends_at - first.starts_at).total_seconds() // 60))
        if first
        else "",
        "break_kind": first.kind if first else "break",
        "note": shift.note,
    }


def _form(request: HttpRequest, ctx: dict[str, Any], *, status: int = 200) -> HttpResponse:
    template = (
        "workforce/_shift_form.html"
        if request.headers.get("HX-Request")
        else "workforce/shift_form.html"
    )
    return render(request, template, ctx, status=status)


def _shift_errors(exc: DomainError) -> Errors:
    """The service's refusal on the form: the message on top, each field beside its input
    (a break's problem beside the break's time)."""
    errors = field_errors(exc.fields)
    if "breaks" in errors:
        errors.setdefault("break_start", []).extend(errors.pop("breaks"))
    errors.setdefault("form", []).insert(0, exc.message)
    return errors


def _done(request: HttpRequest, target: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@tenant_view(MANAGE)
@tenant_transaction
def shift_new(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    roster = selectors.profiles(access)
    source = request.POST if request.method == "POST" else request.GET
    values = {k: source.get(k, "").strip() for k in _FIELDS}
    values.setdefault("break_kind", "break")
    values["start"] = values["start"] or "09:00"
    values["end"] = values["end"] or "17:00"
    errors: Errors = {}
    if request.method == "POST":
        try:
            profile = selectors.access_agent_by_id(
                access, int(values["agent"]) if values["agent"].isdigit() else 0, perm=MANAGE
            )
            spec, errors = _parse(values)
            if spec is not None:
                shift = services.add_shift(
                    tenant=access.tenant, actor=access.user, profile=profile, spec=spec
                )
                messages.success(request, f"Shift added for {services.name_of(profile.user)}.")
                return _done(
                    request,
                    schedule_url(access, monday_of(shift.local_day), request.POST.get("team", "")),
                )
        except DomainError as exc:
            errors = _shift_errors(exc)
    ctx = {"values": values, "errors": errors, "roster": roster, "shift": None,
           "team": source.get("team", ""), "kinds": Activity.choices}  # fmt: skip
    return _form(request, ctx)


@tenant_view(MANAGE)
@tenant_transaction
def shift_edit(request: HttpRequest, shift_id: int) -> HttpResponse:
    access = caller(request)
    shift = selectors.access_shift_by_id(access, shift_id)
    profile = selectors.access_agent_by_id(access, shift.agent_id, perm=MANAGE)
    values = _values_of(shift)
    errors: Errors = {}
    team = (request.POST if request.method == "POST" else request.GET).get("team", "")
    if request.method == "POST":
        back = schedule_url(access, monday_of(shift.local_day), team)
        if request.POST.get("action") == "delete":
            services.remove_shift(tenant=access.tenant, actor=access.user, shift=shift)
            messages.success(request, f"Shift removed for {services.name_of(profile.user)}.")
            return _done(request, back)
        values = {k: request.POST.get(k, "").strip() for k in _FIELDS}
        values["agent"] = str(shift.agent_id)
        try:
            spec, errors = _parse(values)
            if spec is not None:
                changed = services.change_shift(
                    tenant=access.tenant, actor=access.user, profile=profile, shift=shift, spec=spec
                )
                messages.success(request, f"Shift changed for {services.name_of(profile.user)}.")
                return _done(request, schedule_url(access, monday_of(changed.local_day), team))
        except DomainError as exc:
            errors = _shift_errors(exc)
    ctx = {"values": values, "errors": errors, "roster": [profile], "shift": shift,
           "team": team, "kinds": Activity.choices}  # fmt: skip
    return _form(request, ctx)


# --- the week, the templates, leave ------------------------------------------------------


@tenant_view(MANAGE)
@tenant_transaction
def copy_week(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    team = request.POST.get("team", "")
    source = monday_of(date_or_none(request.POST.get("from_week")) or viewer_today())
    target_day = date_or_none(request.POST.get("to_week"))
    if request.method != "POST" or target_day is None:
        messages.error(request, "Choose the week to copy to.")
        return redirect(schedule_url(access, source, team))
    target = monday_of(target_day)
    try:
        n = services.copy_week(
            tenant=access.tenant,
            actor=access.user,
            profiles=selectors.profiles(access, team=team),
            from_monday=source,
            to_monday=target,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(schedule_url(access, source, team))
    messages.success(
        request, f"{n} shift{'s' if n != 1 else ''} copied to the week of {target:%a %-d %b %Y}."
    )
    return redirect(schedule_url(access, target, team))


_ASSIGN = ("template", "first_day", "last_day")
_TEMPLATE = ("name", "start", "end", "break_start", "break_minutes")
_LEAVE = ("leave_agent", "leave_first_day", "leave_last_day", "leave_kind", "leave_note")


@tenant_view(MANAGE)
@tenant_transaction
def assign(request: HttpRequest) -> HttpResponse:
    """Shift templates, assigning one to several agents, and the leave form."""
    access = caller(request)
    roster = selectors.profiles(access)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    values = {k: request.POST.get(k, "").strip() for k in (*_ASSIGN, *_TEMPLATE)}
    leave_values = {k: request.POST.get(k, "").strip() for k in _LEAVE}
    chosen = request.POST.getlist("agents")
    weekdays = request.POST.getlist("weekdays") if action else ["0", "1", "2", "3", "4"]
    errors: Errors = {}
    try:
        if action == "template":
            _save_template(access, values)
            messages.success(request, f"Template {values['name']} saved.")
            return redirect(url(access, "assign"))
        if action == "assign":
            done = _assign(access, values, chosen, weekdays)
            note = f" Skipped: {'; '.join(done.skipped)}." if done.skipped else ""
            messages.success(request, f"{done.added} shifts added.{note}")
            first = date_or_none(values["first_day"]) or viewer_today()
            return redirect(schedule_url(access, monday_of(first)))
        if action == "leave":
            who = _leave(access, leave_values)
            messages.success(request, f"Leave recorded for {who}.")
            return redirect(url(access, "assign"))
    except DomainError as exc:
        errors = field_errors(exc.fields)
        errors.setdefault(action or "form", []).insert(0, exc.message)
    return render(
        request,
        "workforce/assign.html",
        {
            "templates": selectors.templates(access),
            "roster": [(p, services.name_of(p.user)) for p in roster],
            "values": values,
            "chosen": chosen,
            "weekdays": [(str(n), d, str(n) in weekdays) for n, d in enumerate(WEEKDAYS)],
            "errors": errors,
            "leave_kinds": LeaveKind.choices,
            "leave": leave_values if action == "leave" else {},
        },
    )


def _save_template(access: Any, values: dict[str, str]) -> None:
    try:
        start, end = time.fromisoformat(values["start"]), time.fromisoformat(values["end"])
    except ValueError as exc:
        raise DomainError(
            "Give the template's start and end times, e.g. 09:00 and 17:00.",
            fields={"start": ["Give a time like 09:00."]},
        ) from exc
    breaks = []
    if values["break_start"]:
        breaks.append({"start": values["break_start"], "minutes": values["break_minutes"] or "30"})
    services.save_template(
        tenant=access.tenant, actor=access.user, name=values["name"], start=start, end=end,
        breaks=breaks,
    )  # fmt: skip


def _assign(
    access: Any, values: dict[str, str], chosen: list[str], weekdays: list[str]
) -> services.Assigned:
    template_id = values["template"]
    template = selectors.access_template_by_id(
        access, int(template_id) if template_id.isdigit() else 0
    )
    first, last = date_or_none(values["first_day"]), date_or_none(values["last_day"])
    if first is None or last is None:
        raise DomainError(
            "Give the first and last day to assign.",
            fields={"first_day": ["Give a date, e.g. 2026-12-07."]},
        )
    profiles = [
        selectors.access_agent_by_id(access, int(c), perm=MANAGE) for c in chosen if c.isdigit()
    ]
    return services.assign_template(
        tenant=access.tenant, actor=access.user, template=template, profiles=profiles,
        first_day=first, last_day=last, weekdays=[int(d) for d in weekdays if d.isdigit()],
    )  # fmt: skip


def _leave(access: Any, values: dict[str, str]) -> str:
    agent = values["leave_agent"]
    profile = selectors.access_agent_by_id(
        access, int(agent) if agent.isdigit() else 0, perm=MANAGE
    )
    first, last = date_or_none(values["leave_first_day"]), date_or_none(values["leave_last_day"])
    if first is None or last is None:
        raise DomainError(
            "Give the first and last day of leave, e.g. 2026-12-21.",
            fields={"leave_first_day": ["Give a date, e.g. 2026-12-21."]},
        )
    services.add_leave(
        tenant=access.tenant, actor=access.user, profile=profile, first_day=first,
        last_day=last, kind=values["leave_kind"] or "annual", note=values["leave_note"],
    )  # fmt: skip
    return services.name_of(profile.user)
