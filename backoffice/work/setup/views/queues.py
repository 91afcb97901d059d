"""Queues and routing: what agents claim from, by engagement, service type, skill,
language and lowest priority."""

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
from backoffice.work.models import Engagement, Queue, ServiceType
from backoffice.work.setup import access as setup_access
from backoffice.work.setup.forms import QueueForm
from backoffice.work.setup.views._common import (
    crumbs,
    form_page,
    page_access,
    setup_pages,
    setup_url,
)


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def queues(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    return render(
        request,
        "work/setup/queues.html",
        {"queues": setup_access.setup_queues(access), "crumbs": crumbs(request, ("Queues", None))},
    )


def _form(
    access: TenantAccess, *args: Any, editing: Queue | None = None, **kwargs: Any
) -> QueueForm:
    return QueueForm(
        *args,
        engagements=setup_access.setup_engagements(access),
        service_types=setup_access.setup_service_types(access),
        editing=editing,
        **kwargs,
    )


def _targets(
    access: TenantAccess, data: dict[str, Any]
) -> tuple[Engagement | None, ServiceType | None]:
    """The engagement and service type chosen, among those the caller sets up."""
    engagement = service_type = None
    if data.get("engagement"):
        engagement = next(
            (e for e in setup_access.setup_engagements(access) if e.pk == data["engagement"]), None
        )
        if engagement is None:
            raise NotFound(
                "No such engagement.", fields={"engagement": ["Choose one of the engagements."]}
            )
    if data.get("service_type"):
        service_type = next(
            (s for s in setup_access.setup_service_types(access) if s.pk == data["service_type"]),
            None,
        )
        if service_type is None:
            raise NotFound(
                "No such service type.",
                fields={"service_type": ["Choose one of the service types."]},
            )
    return engagement, service_type


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def queue_new(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    provider = setup_access.require_provider(access, "queues")
    if request.method != "POST":
        return _page(request, _form(access, initial={"min_priority": 0}), None, failed=False)
    form = _form(access, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                engagement, service_type = _targets(access, data)
                queue = services.define_queue(
                    provider=provider,
                    actor=access.user,
                    code=data["code"],
                    name=data["name"],
                    engagement=engagement,
                    service_type=service_type,
                    skill=data["skill"],
                    language=data["language"],
                    min_priority=data["min_priority"],
                )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Queue “{queue.name}” created.")
            return redirect(setup_url(request, "queues"))
    return _page(request, form, None, failed=True)


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def queue_edit(request: HttpRequest, queue_id: int) -> HttpResponse:
    access = page_access(request)
    queue = setup_access.access_queue_for_setup(access, queue_id)
    if request.method != "POST":
        return _page(
            request,
            _form(access, initial=QueueForm.initial_for(queue), editing=queue),
            queue,
            failed=False,
        )
    form = _form(access, request.POST, editing=queue)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                engagement, service_type = _targets(access, data)
                services.update_queue(
                    queue=queue,
                    actor=access.user,
                    name=data["name"],
                    engagement=engagement,
                    service_type=service_type,
                    skill=data["skill"],
                    language=data["language"],
                    min_priority=data["min_priority"],
                )
        except DomainError as exc:
            queue.refresh_from_db()
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Queue “{queue.name}” saved.")
            return redirect(setup_url(request, "queues"))
    return _page(request, form, queue, failed=True)


def _page(
    request: HttpRequest, form: QueueForm, queue: Queue | None, *, failed: bool
) -> HttpResponse:
    title = f"Edit {queue.name}" if queue else "New queue"
    return form_page(
        request,
        "work/setup/queue_form.html",
        {
            "form": form,
            "queue": queue,
            "title": title,
            "crumbs": crumbs(request, ("Queues", setup_url(request, "queues")), (title, None)),
        },
        failed=failed,
    )
