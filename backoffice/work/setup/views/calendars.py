"""Business calendars: zone, hours per weekday, holidays and closures, and the due times
they give (computed by the real calendar code)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.work import services
from backoffice.work.calendar import WEEKDAYS, CalendarError, CalendarSpec, parse_hours
from backoffice.work.models import BusinessCalendar
from backoffice.work.setup import access as setup_access
from backoffice.work.setup.due_preview import closed_days, due_examples
from backoffice.work.setup.forms import CalendarForm, hours_text, subdivisions_of
from backoffice.work.setup.views._common import (
    crumbs,
    form_page,
    page_access,
    setup_pages,
    setup_url,
)

DEFAULT_PREVIEW_HOURS = Decimal(8)


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def calendars(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    rows = [
        (cal, [(day, hours_text(cal.working_hours.get(day, []))) for day in WEEKDAYS])
        for cal in setup_access.setup_calendars(access)
    ]
    return render(
        request,
        "work/setup/calendars.html",
        {"rows": rows, "crumbs": crumbs(request, ("Business calendars", None))},
    )


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def calendar_new(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    clients = setup_access.setup_clients(access)
    if request.method != "POST":
        chosen = next((c for c in clients if str(c.pk) == request.GET.get("client")), None)
        initial = CalendarForm.initial_new(chosen or (clients[0] if clients else None))
        initial["client"] = chosen.pk if chosen else None
        return _page(request, CalendarForm(initial=initial, clients=clients), None, failed=False)
    form = CalendarForm(request.POST, clients=clients)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                client = setup_access.client_by_id(access, data["client"])
                cal = services.create_calendar(
                    tenant=client,
                    actor=access.user,
                    name=data["name"].strip(),
                    timezone_name=data["timezone"],
                    working_hours=data["working_hours"],
                    holiday_country=data["holiday_country"],
                    holiday_subdivision=data["holiday_subdivision"],
                    closures=data["closure_dates"],
                )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Calendar “{cal.name}” created for {client.name}.")
            return redirect(setup_url(request, "calendars"))
    return _page(request, form, None, failed=True)


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    access = page_access(request)
    cal = setup_access.access_calendar_for_setup(access, calendar_id)
    clients = setup_access.setup_clients(access)
    if request.method != "POST":
        form = CalendarForm(initial=CalendarForm.initial_for(cal), clients=clients, editing=cal)
        return _page(request, form, cal, failed=False)
    form = CalendarForm(request.POST, clients=clients, editing=cal)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.update_calendar(
                    calendar=cal,
                    actor=access.user,
                    name=data["name"],
                    timezone_name=data["timezone"],
                    working_hours=data["working_hours"],
                    holiday_country=data["holiday_country"],
                    holiday_subdivision=data["holiday_subdivision"],
                    closures=data["closure_dates"],
                )
        except DomainError as exc:
            cal.refresh_from_db()
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Calendar “{cal.name}” saved.")
            return redirect(setup_url(request, "calendars"))
    return _page(request, form, cal, failed=True)


def _page(
    request: HttpRequest, form: CalendarForm, cal: BusinessCalendar | None, *, failed: bool
) -> HttpResponse:
    title = f"Edit {cal.name}" if cal else "New business calendar"
    country = (
        form.data.get("holiday_country") if form.is_bound else form.initial.get("holiday_country")
    )
    return form_page(
        request,
        "work/setup/calendar_form.html",
        {
            "form": form,
            "calendar": cal,
            "title": title,
            "hour_fields": [form[f"hours_{day}"] for day in WEEKDAYS],
            "subdivisions": subdivisions_of(str(country or "")),
            "preview": _preview(cal) if cal is not None and not form.is_bound else None,
            "preview_url": setup_url(request, "calendar_preview"),
            "crumbs": crumbs(
                request, ("Business calendars", setup_url(request, "calendars")), (title, None)
            ),
        },
        failed=failed,
    )


def _preview(cal: BusinessCalendar, hours: Decimal = DEFAULT_PREVIEW_HOURS) -> dict[str, Any]:
    spec = cal.spec()
    return _preview_of(spec, hours)


def _preview_of(spec: CalendarSpec, hours: Decimal) -> dict[str, Any]:
    today = datetime.now(ZoneInfo(spec.timezone)).date()
    sla = timedelta(minutes=int(hours * 60))
    return {
        "hours": hours,
        "timezone": spec.timezone,
        "examples": due_examples(spec, sla, today),
        "closed": closed_days(spec, today)[:8],
    }


@tenant_view(Perm.MANAGE_CATALOG)
@require_POST
def calendar_preview(request: HttpRequest) -> HttpResponse:
    """Due times for the calendar as typed (saved or not); writes nothing."""
    # Read like the edit form (no client to choose): only the calendar's own settings count.
    form = CalendarForm(request.POST, clients=[], editing=True)
    problem = ""
    preview = None
    try:
        hours = Decimal(request.POST.get("preview_hours") or DEFAULT_PREVIEW_HOURS)
        if not Decimal("0.1") <= hours <= 1000:
            raise InvalidOperation
    except InvalidOperation:
        hours = DEFAULT_PREVIEW_HOURS
    form.is_valid()
    bad = [(name, msgs) for name, msgs in form.errors.items() if name not in ("name", "__all__")]
    if bad:
        what = "; ".join(f"{form.fields[name].label}: {msgs[0]}" for name, msgs in bad[:3])
        problem = f"Correct the settings to see due times — {what}"
    else:
        data = form.cleaned_data
        try:
            spec = CalendarSpec(
                timezone=data["timezone"],
                hours=parse_hours(data["working_hours"]),
                country=data["holiday_country"],
                subdivision=data["holiday_subdivision"],
                closures=frozenset(datetime.fromisoformat(d).date() for d in data["closure_dates"]),
            )
            preview = _preview_of(spec, hours)
        except CalendarError:
            problem = "These settings do not make a calendar yet."
    return render(request, "work/setup/_due_preview.html", {"preview": preview, "problem": problem})
