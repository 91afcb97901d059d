"""Engagements: a client's contract for a service type, its SLA, calendar, priority rules
and (when it is opened) the queue agents claim its work from."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import services
from backoffice.work.models import Engagement
from backoffice.work.setup import access as setup_access
from backoffice.work.setup.forms import (
    RULE_OPERATORS,
    EngagementForm,
    read_priority_rules,
    rule_rows,
)
from backoffice.work.setup.views._common import (
    crumbs,
    form_page,
    page_access,
    setup_pages,
    setup_url,
)


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def engagements(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    return render(
        request,
        "work/setup/engagements.html",
        {
            "engagements": setup_access.setup_engagements(access),
            "crumbs": crumbs(request, ("Engagements", None)),
        },
    )


def _form(
    access: TenantAccess, *args: Any, editing: Engagement | None = None, **kwargs: Any
) -> EngagementForm:
    form = EngagementForm(
        *args,
        clients=setup_access.setup_clients(access),
        service_types=setup_access.setup_service_types(access),
        calendars=setup_access.setup_calendars(access),
        editing=editing,
        **kwargs,
    )
    if not access.tenant.is_provider:  # queues are the provider's: set up there
        form.fields.pop("add_queue", None)
        form.fields.pop("queue_name", None)
    return form


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def engagement_new(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    if request.method != "POST":
        initial = {
            "sla_basis": Engagement.SlaBasis.BUSINESS,
            "sla_target_percent": 95,
            "at_risk_percent": 75,
            "idle_timeout_minutes": 30,
        }
        return _page(request, _form(access, initial=initial), None, rule_rows([]), failed=False)
    form = _form(access, request.POST)
    chosen = next(
        (
            s
            for s in setup_access.setup_service_types(access)
            if str(s.pk) == request.POST.get("service_type")
        ),
        None,
    )
    rules, rows = read_priority_rules(request.POST, _fields_of(chosen) if chosen else None)
    rules_ok = not any(r.get("error") for r in rows)
    if form.is_valid() and rules_ok:
        try:
            with transaction.atomic():
                engagement = _open(access, form, rules)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, f"Engagement “{engagement.name}” opened for {engagement.tenant.name}."
            )
            return redirect(setup_url(request, "engagements"))
    return _page(request, form, None, rows, failed=True)


def _open(access: TenantAccess, form: EngagementForm, rules: list[dict[str, Any]]) -> Engagement:
    """The engagement, and its queue when asked for: both or neither."""
    data = form.cleaned_data
    client = setup_access.client_by_id(access, data["client"])
    service_type = next(
        (
            s
            for s in setup_access.setup_service_types(access)
            if s.pk == data["service_type"] and s.is_active
        ),
        None,
    )
    calendar = form.calendars.get(data["calendar"])
    if service_type is None:
        raise NotFound("No such service type.", fields={"service_type": ["Choose a service type."]})
    if calendar is None:
        raise NotFound(
            "No such calendar.", fields={"calendar": ["Choose a calendar of this client."]}
        )
    settings = {
        "sla_minutes": form.sla_minutes(),
        "sla_basis": data["sla_basis"],
        "sla_target_percent": data["sla_target_percent"],
        "at_risk_percent": data["at_risk_percent"],
        "idle_timeout_minutes": data["idle_timeout_minutes"],
        "priority_rules": rules,
    }
    services.check_engagement_settings(settings)
    if Engagement.objects.for_tenant(client).filter(code=data["code"]).exists():
        raise DomainError(
            "used", fields={"code": ["This client already has an engagement with that code."]}
        )
    engagement = services.create_engagement(
        tenant=client,
        actor=access.user,
        service_type=service_type,
        calendar=calendar,
        code=data["code"],
        name=data["name"].strip(),
        double_key=data["double_key"],
        **settings,
    )
    if data.get("add_queue"):
        code = f"{client.slug}-{engagement.code}"[:50]
        try:
            services.define_queue(
                provider=setup_access.require_provider(access, "queues"),
                actor=access.user,
                code=code,
                name=data["queue_name"],
                engagement=engagement,
            )
        except DomainError as exc:
            message = (
                f"A queue with the code {code} exists already."
                if exc.status == 409
                else exc.message
            )
            raise DomainError(message, fields={"queue_name": [message]}) from exc
    return engagement


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def engagement_edit(request: HttpRequest, engagement_id: int) -> HttpResponse:
    access = page_access(request)
    engagement = setup_access.access_engagement_for_setup(access, engagement_id)
    if request.method != "POST":
        form = _form(access, initial=EngagementForm.initial_for(engagement), editing=engagement)
        return _page(request, form, engagement, rule_rows(engagement.priority_rules), failed=False)
    form = _form(access, request.POST, editing=engagement)
    rules, rows = read_priority_rules(request.POST, _fields_of(engagement))
    if form.is_valid() and not any(r.get("error") for r in rows):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.update_engagement(
                    engagement=engagement,
                    actor=access.user,
                    name=data["name"].strip() or engagement.service_name,
                    calendar=form.calendars[data["calendar"]],
                    sla_minutes=form.sla_minutes(),
                    sla_basis=data["sla_basis"],
                    sla_target_percent=data["sla_target_percent"],
                    at_risk_percent=data["at_risk_percent"],
                    idle_timeout_minutes=data["idle_timeout_minutes"],
                    double_key=data["double_key"],
                    is_active=data["is_active"],
                    priority_rules=rules,
                )
        except DomainError as exc:
            engagement.refresh_from_db()
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Engagement “{engagement.name}” saved.")
            return redirect(setup_url(request, "engagements"))
    return _page(request, form, engagement, rows, failed=True)


def _fields_of(holder: Any) -> set[str]:
    """The fields of the client's data a priority rule may look at."""
    return set(holder.input_schema.get("properties", {}))


def _page(
    request: HttpRequest,
    form: EngagementForm,
    engagement: Engagement | None,
    rows: list[dict[str, Any]],
    *,
    failed: bool,
) -> HttpResponse:
    title = f"Edit {engagement.name}" if engagement else "New engagement"
    if engagement is not None:
        fields = sorted(_fields_of(engagement))
    else:
        types = setup_access.setup_service_types(page_access(request))
        fields = sorted(set().union(*(_fields_of(s) for s in types)))
    return form_page(
        request,
        "work/setup/engagement_form.html",
        {
            "form": form,
            "engagement": engagement,
            "title": title,
            "rule_rows": rows,
            "rule_operators": RULE_OPERATORS,
            "rule_fields": fields,
            "has_clients": bool(setup_access.setup_clients(page_access(request))),
            "crumbs": crumbs(
                request, ("Engagements", setup_url(request, "engagements")), (title, None)
            ),
        },
        failed=failed,
    )
