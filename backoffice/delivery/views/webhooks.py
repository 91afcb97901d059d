"""Webhook endpoints: add (secret shown once), change, rotate, the delivery log, redeliver."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError
from backoffice.delivery import selectors, services
from backoffice.delivery.models import EventType, WebhookEndpoint
from backoffice.delivery.views._common import Errors, caller, can_manage, errors_of, url
from backoffice.delivery.views.exports import delivery_page
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def _require_manage(access: TenantAccess) -> None:
    if not can_manage(access):
        raise PermissionDenied("Webhooks are managed in the client's own account.")


def _endpoint_form(request: HttpRequest) -> dict[str, Any]:
    p = request.POST
    return {
        "url": p.get("url", "").strip(),
        "description": p.get("description", "").strip(),
        "events": [e for e in p.getlist("events") if e in EventType.values],
        "is_active": p.get("is_active") == "on",
    }


def _secret_page(
    request: HttpRequest, endpoint: WebhookEndpoint, secret: str, *, rotated: bool
) -> HttpResponse:
    response = render(
        request,
        "delivery/secret.html",
        {"endpoint": endpoint, "secret": secret, "rotated": rotated},
    )
    response["Cache-Control"] = "no-store"
    return response


@tenant_view(Perm.MANAGE_DELIVERY)
@tenant_transaction
def endpoint_new(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    _require_manage(access)
    if request.method != "POST":
        return redirect(url(access, "index") + "#webhooks")
    values = _endpoint_form(request)
    try:
        endpoint, secret = services.create_endpoint(
            access=access,
            url=values["url"],
            event_types=values["events"],
            description=values["description"],
            is_active=values["is_active"],
        )
    except DomainError as exc:
        return delivery_page(
            request, access, endpoint_values=values, endpoint_errors=errors_of(exc), status=400
        )
    return _secret_page(request, endpoint, secret, rotated=False)


def _endpoint_page(
    request: HttpRequest,
    access: TenantAccess,
    endpoint: WebhookEndpoint,
    *,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
) -> HttpResponse:
    deliveries = list(selectors.deliveries(endpoint)[:50])
    log = selectors.attempts_of(deliveries)
    return render(
        request,
        "delivery/endpoint.html",
        {
            "endpoint": endpoint,
            "rows": [(d, log[d.pk]) for d in deliveries],
            "event_types": EventType.choices,
            "values": values
            or {
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
                "is_active": endpoint.is_active,
            },
            "errors": errors or {},
            "grace_default": services.DEFAULT_GRACE_HOURS,
            "grace_max": services.MAX_GRACE_HOURS,
        },
        status=status,
    )


@tenant_view(Perm.MANAGE_DELIVERY)
@tenant_transaction
def endpoint(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    access = caller(request)
    _require_manage(access)
    found = selectors.access_endpoint_by_id(access, endpoint_id)
    if request.method != "POST":
        return _endpoint_page(request, access, found)
    values = _endpoint_form(request)
    try:
        services.update_endpoint(
            access=access,
            endpoint=found,
            url=values["url"],
            event_types=values["events"],
            description=values["description"],
            is_active=values["is_active"],
        )
    except DomainError as exc:
        return _endpoint_page(
            request, access, found, values=values, errors=errors_of(exc), status=400
        )
    messages.success(request, "Endpoint saved.")
    return redirect(url(access, "endpoint", endpoint_id=found.pk))


@tenant_view(Perm.MANAGE_DELIVERY)
@tenant_transaction
def endpoint_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    access = caller(request)
    _require_manage(access)
    found = selectors.access_endpoint_by_id(access, endpoint_id)
    if request.method != "POST":
        return redirect(url(access, "endpoint", endpoint_id=found.pk))
    raw = request.POST.get("grace_hours", "").strip()
    try:
        grace = int(raw) if raw else services.DEFAULT_GRACE_HOURS
    except ValueError:
        grace = -1
    try:
        done, secret = services.rotate_secret(access=access, endpoint=found, grace_hours=grace)
    except DomainError as exc:
        return _endpoint_page(request, access, found, errors=errors_of(exc), status=400)
    return _secret_page(request, done, secret, rotated=True)


@tenant_view(Perm.MANAGE_DELIVERY)
@tenant_transaction
def redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    access = caller(request)
    _require_manage(access)
    found = selectors.access_delivery_by_id(access, delivery_id)
    if request.method == "POST":
        try:
            services.redeliver(access=access, delivery=found)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"{found.event.get_type_display()} will be sent again in a moment."
            )
    return redirect(url(access, "endpoint", endpoint_id=found.endpoint_id) + "#log")
