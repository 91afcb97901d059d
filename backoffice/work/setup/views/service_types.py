"""Service types: the provider's catalogue, with a field-schema builder and a live preview
of the agent's form (rendered by the same code and template agents see)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.work import services
from backoffice.work.models import ServiceType
from backoffice.work.schema import check_schema, form_fields
from backoffice.work.setup import access as setup_access
from backoffice.work.setup.forms import ServiceTypeForm
from backoffice.work.setup.views._common import (
    crumbs,
    form_page,
    page_access,
    setup_pages,
    setup_url,
)

PREVIEWED = {"output_schema": "The agent's form", "input_schema": "The client's data"}


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def service_types(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    setup_access.require_provider(access, "service types")
    return render(
        request,
        "work/setup/service_types.html",
        {
            "service_types": setup_access.setup_service_types(access),
            "crumbs": crumbs(request, ("Service types", None)),
        },
    )


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def service_type_new(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    provider = setup_access.require_provider(access, "service types")
    if request.method != "POST":
        form = ServiceTypeForm(
            initial={
                "workflow": "capture_review_done",
                "default_sla_hours": 8,
                "qa_sample_percent": 10,
            }
        )
        return _page(request, form, None, failed=False)
    form = ServiceTypeForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                values = form.values()
                services.check_service_type_settings(values)
                st = services.create_service_type(
                    provider=provider, actor=access.user, code=form.cleaned_data["code"], **values
                )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Service type “{st.name}” created.")
            return redirect(setup_url(request, "service_types"))
    return _page(request, form, None, failed=True)


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def service_type_edit(request: HttpRequest, service_type_id: int) -> HttpResponse:
    access = page_access(request)
    st = setup_access.access_service_type_for_setup(access, service_type_id)
    if request.method != "POST":
        return _page(
            request,
            ServiceTypeForm(initial=ServiceTypeForm.initial_for(st), editing=st),
            st,
            failed=False,
        )
    form = ServiceTypeForm(request.POST, editing=st)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.update_service_type(service_type=st, actor=access.user, **form.values())
        except DomainError as exc:
            st.refresh_from_db()
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Service type “{st.name}” saved.")
            return redirect(setup_url(request, "service_types"))
    return _page(request, form, st, failed=True)


def _page(
    request: HttpRequest, form: ServiceTypeForm, st: ServiceType | None, *, failed: bool
) -> HttpResponse:
    title = f"Edit {st.name}" if st else "New service type"
    return form_page(
        request,
        "work/setup/service_type_form.html",
        {
            "form": form,
            "service_type": st,
            "title": title,
            "preview_url": setup_url(request, "service_type_preview"),
            "crumbs": crumbs(
                request, ("Service types", setup_url(request, "service_types")), (title, None)
            ),
        },
        failed=failed,
    )


@tenant_view(Perm.MANAGE_CATALOG)
@require_POST
def service_type_preview(request: HttpRequest) -> HttpResponse:
    """The form an agent (or a client) would see for the schema as typed; writes nothing."""
    setup_access.require_provider(page_access(request), "service types")
    which = request.POST.get("which", "output_schema")
    which = which if which in PREVIEWED else "output_schema"
    problem, fields = _preview_fields(request.POST.get(which, ""))
    return render(
        request,
        "work/setup/_schema_preview.html",
        {"fields": fields, "problem": problem, "what": PREVIEWED[which]},
    )


def _preview_fields(text: str) -> tuple[str, list[Any]]:
    if not text.strip():
        return "", []
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Not valid JSON yet: {exc.msg.lower()} on line {exc.lineno}.", []
    if not isinstance(schema, dict):
        return "The schema must be a JSON object.", []
    try:
        check_schema(schema)
    except DomainError as exc:
        return exc.message, []
    return "", ordered_form_fields(schema)


def ordered_form_fields(schema: dict[str, Any]) -> list[Any]:
    """`form_fields` in the order the builder wrote (`x-order`): PostgreSQL's JSONB keeps
    no key order, so a saved schema's properties come back sorted by key length."""
    order = schema.get("x-order")
    fields = form_fields(schema)
    if not isinstance(order, list):
        return fields
    rank = {name: i for i, name in enumerate(order) if isinstance(name, str)}
    return sorted(fields, key=lambda f: rank.get(f.name, len(rank)))
