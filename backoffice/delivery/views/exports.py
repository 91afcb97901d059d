"""The Delivery page and results exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError
from backoffice.core.forms import date_or_none
from backoffice.delivery import selectors, services
from backoffice.delivery.models import EventType, ExportFormat
from backoffice.delivery.views._common import (
    Errors,
    caller,
    can_manage,
    errors_of,
    read_tenants,
    url,
)
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def delivery_page(
    request: HttpRequest,
    access: TenantAccess,
    *,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
    endpoint_values: dict[str, Any] | None = None,
    endpoint_errors: Errors | None = None,
    status: int = 200,
) -> HttpResponse:
    manage = can_manage(access)
    endpoints = list(selectors.endpoints(access)) if manage else []
    return render(
        request,
        "delivery/index.html",
        {
            "exports": list(selectors.exports(access)[:50]),
            "engagements": list(selectors.engagements(access)),
            "batches": list(selectors.batches(access)[:200]),
            "formats": ExportFormat.choices,
            "values": values or {"format": "csv"},
            "errors": errors or {},
            "can_manage": manage,
            "endpoints": endpoints,
            "event_types": EventType.choices,
            "endpoint_values": endpoint_values or {"events": EventType.values},
            "endpoint_errors": endpoint_errors or {},
        },
        status=status,
    )


@tenant_view(Perm.VIEW_WORK)
@tenant_transaction(tenants=read_tenants)
def index(request: HttpRequest) -> HttpResponse:
    return delivery_page(request, caller(request))


@tenant_view(Perm.VIEW_WORK)
@tenant_transaction(tenants=read_tenants)
def export_new(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    if request.method != "POST":
        return redirect(url(access, "index"))
    p = request.POST
    values = {k: p.get(k, "").strip() for k in ("engagement", "batch", "date_from", "date_to")}
    values["format"] = p.get("format", "")
    errors: Errors = {}
    for name, label in (("date_from", "From"), ("date_to", "Until")):
        if values[name] and date_or_none(values[name]) is None:
            errors[name] = [f"{label}: a date (YYYY-MM-DD) is required."]
    if not errors:
        try:
            export = services.create_export(
                access=access,
                engagement_id=values["engagement"] or None,
                batch_id=values["batch"] or None,
                date_from=date_or_none(values["date_from"]),
                date_to=date_or_none(values["date_to"]),
                fmt=values["format"],
            )
        except DomainError as exc:
            errors = errors_of(exc)
            if "engagement_id" in errors:
                errors["engagement"] = errors.pop("engagement_id")
            if "batch_id" in errors:
                errors["batch"] = errors.pop("batch_id")
        else:
            messages.success(
                request,
                f"Export ready: {export.item_count} finished items. Download it below.",
            )
            return redirect(url(access, "index") + "#exports")
    return delivery_page(request, access, values=values, errors=errors, status=400)


@tenant_view(Perm.VIEW_WORK)
def export_download(request: HttpRequest, export_id: int) -> Any:
    """Streamed outside the page's transaction: the stream opens its own (see services)."""
    access = caller(request)
    export = selectors.access_export_by_id(access, export_id)
    f = services.stream_export(access=access, export=export)
    if f.file is not None:
        return FileResponse(
            f.file, as_attachment=True, filename=f.filename, content_type=f.content_type
        )
    response = StreamingHttpResponse(f.chunks or iter(()), content_type=f.content_type)
    response["Content-Disposition"] = f'attachment; filename="{f.filename}"'
    return response
