"""Delivery API: results exports and webhook endpoints with their delivery log.

Thin: each endpoint parses, calls one selector or service, and shapes the answer. Exports
follow the caller's view of the work (another client's batch or export: 404); endpoints
and deliveries belong to the tenant the token acts in and need the delivery permission.
Creates take an Idempotency-Key. A webhook secret is in the answer of the create and of
the rotation, and nowhere else, ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.api.params import Id
from backoffice.core.rls import set_rls_tenants
from backoffice.delivery import selectors, services
from backoffice.delivery.models import (
    DeliveryAttempt,
    ResultsExport,
    WebhookDelivery,
    WebhookEndpoint,
)
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["delivery"])


def caller(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    return access


@contextmanager
def _reading(access: TenantAccess) -> Iterator[None]:
    """One transaction with the RLS tenants of the caller's view of the work."""
    with transaction.atomic():
        set_rls_tenants(selectors.read_tenant_ids(access))
        yield


# --- shapes ------------------------------------------------------------------------------


class ExportIn(Schema):
    format: str = Field(..., description="csv, jsonl or xlsx")
    engagement_id: Id | None = Field(None, description="Needed with a period")
    batch_id: Id | None = None
    date_from: dt.date | None = Field(None, description="First day, in your time zone")
    date_to: dt.date | None = Field(None, description="Last day (included)")


class ExportOut(Schema):
    id: int
    engagement_id: int
    engagement: str
    batch_id: int | None
    period_start: dt.datetime | None
    period_end: dt.datetime | None
    format: str
    item_count: int
    created_at: dt.datetime
    download: str


class EndpointIn(Schema):
    url: str = Field(..., max_length=500)
    events: list[str] = Field(..., max_length=10, description="item.completed, batch.completed")
    description: str = Field("", max_length=200)
    is_active: bool = True


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = Field(None, max_length=10)
    description: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    is_active: bool
    secret_hint: str
    previous_secret_valid_until: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(..., description="Shown this once: store it now")


class RotateIn(Schema):
    grace_hours: int = Field(
        services.DEFAULT_GRACE_HOURS,
        ge=0,
        le=services.MAX_GRACE_HOURS,
        description="How long the old secret still signs beside the new one",
    )


class AttemptOut(Schema):
    number: int
    manual: bool
    started_at: dt.datetime
    duration_ms: int
    status_code: int | None
    succeeded: bool
    error: str
    response_excerpt: str


class DeliveryOut(Schema):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime


class DeliveryDetail(DeliveryOut):
    body: str
    attempt_log: list[AttemptOut]


def export_out(x: ResultsExport) -> dict[str, Any]:
    return {
        "id": x.pk,
        "engagement_id": x.engagement_id,
        "engagement": x.engagement.name,
        "batch_id": x.batch_id,
        "period_start": x.period_start,
        "period_end": x.period_end,
        "format": x.format,
        "item_count": x.item_count,
        "created_at": x.created_at,
        "download": f"/api/v1/delivery/exports/{x.pk}/file",
    }


def endpoint_out(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.pk,
        "url": e.url,
        "description": e.description,
        "events": list(e.events),
        "is_active": e.is_active,
        "secret_hint": e.secret_hint,
        "previous_secret_valid_until": e.previous_secret_expires_at,
        "created_at": e.created_at,
    }


def attempt_out(a: DeliveryAttempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "manual": a.manual,
        "started_at": a.started_at,
        "duration_ms": a.duration_ms,
        "status_code": a.status_code,
        "succeeded": a.succeeded,
        "error": a.error,
        "response_excerpt": a.response_excerpt,
    }


def delivery_out(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "endpoint_id": d.endpoint_id,
        "event_id": d.event.public_id,
        "event_type": d.event.type,
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "next_attempt_at": d.next_attempt_at,
        "delivered_at": d.delivered_at,
        "created_at": d.created_at,
    }


# --- exports -----------------------------------------------------------------------------


@router.get("/exports", response=list[ExportOut])
@paginate(Page)
def list_exports(request: HttpRequest) -> Any:
    a = caller(request)
    a.require(Perm.VIEW_WORK)
    with _reading(a):
        return [export_out(x) for x in selectors.exports(a)[:1000]]


@router.post("/exports", response={201: ExportOut})
def create_export(request: HttpRequest, payload: ExportIn) -> Status:
    """Record an export of a batch's finished items, or of an engagement's over a period
    (first and last day in your time zone); download it from `download`."""
    a = caller(request)

    def run() -> tuple[int, Any]:
        x = services.create_export(
            access=a,
            engagement_id=payload.engagement_id,
            fmt=payload.format,
            batch_id=payload.batch_id,
            date_from=payload.date_from,
            date_to=payload.date_to,
        )
        return 201, export_out(x)

    return run_idempotent(request, run)


@router.get("/exports/{export_id}", response=ExportOut)
def get_export(request: HttpRequest, export_id: int) -> dict:
    a = caller(request)
    with _reading(a):
        return export_out(selectors.access_export_by_id(a, export_id))


@router.get("/exports/{export_id}/file", response={200: None})
def download_export(request: HttpRequest, export_id: int) -> Any:
    """The file, streamed from the finished items (columns: the output schema's fields)."""
    a = caller(request)
    with _reading(a):
        export = selectors.access_export_by_id(a, export_id)
    return file_response(services.stream_export(access=a, export=export))


def file_response(f: services.ExportFile) -> Any:
    if f.file is not None:
        return FileResponse(
            f.file, as_attachment=True, filename=f.filename, content_type=f.content_type
        )
    response = StreamingHttpResponse(f.chunks or iter(()), content_type=f.content_type)
    response["Content-Disposition"] = f'attachment; filename="{f.filename}"'
    return response


# --- webhook endpoints -------------------------------------------------------------------


@router.get("/endpoints", response=list[EndpointOut])
@paginate(Page)
def list_endpoints(request: HttpRequest) -> Any:
    a = caller(request)
    with _reading(a):
        return [endpoint_out(e) for e in selectors.endpoints(a)]


@router.post("/endpoints", response={201: EndpointWithSecret})
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Status:
    """Add an endpoint. The answer holds its signing secret, shown this once. An address
    on this server or a private network is refused (`target_refused`)."""
    a = caller(request)

    def run() -> tuple[int, Any]:
        e, secret = services.create_endpoint(
            access=a,
            url=payload.url,
            event_types=payload.events,
            description=payload.description,
            is_active=payload.is_active,
        )
        return 201, {**endpoint_out(e), "secret": secret}

    return run_idempotent(request, run)


@router.get("/endpoints/{endpoint_id}", response=EndpointOut)
def get_endpoint(request: HttpRequest, endpoint_id: int) -> dict:
    a = caller(request)
    with _reading(a):
        return endpoint_out(selectors.access_endpoint_by_id(a, endpoint_id))


@router.patch("/endpoints/{endpoint_id}", response=EndpointOut)
def change_endpoint(request: HttpRequest, endpoint_id: int, payload: EndpointPatch) -> dict:
    a = caller(request)
    with _reading(a):
        e = selectors.access_endpoint_by_id(a, endpoint_id)
    e = services.update_endpoint(
        access=a,
        endpoint=e,
        url=payload.url,
        event_types=payload.events,
        description=payload.description,
        is_active=payload.is_active,
    )
    return endpoint_out(e)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response={201: EndpointWithSecret})
def rotate_secret(request: HttpRequest, endpoint_id: int, payload: RotateIn) -> Status:
    """A new secret (in the answer, this once); the old one keeps signing beside it for
    `grace_hours`, so receivers can switch without missing a delivery."""
    a = caller(request)
    with _reading(a):
        e = selectors.access_endpoint_by_id(a, endpoint_id)

    def run() -> tuple[int, Any]:
        done, secret = services.rotate_secret(access=a, endpoint=e, grace_hours=payload.grace_hours)
        return 201, {**endpoint_out(done), "secret": secret}

    return run_idempotent(request, run)


@router.get("/endpoints/{endpoint_id}/deliveries", response=list[DeliveryOut])
@paginate(Page)
def list_deliveries(request: HttpRequest, endpoint_id: int) -> Any:
    a = caller(request)
    with _reading(a):
        e = selectors.access_endpoint_by_id(a, endpoint_id)
        return [delivery_out(d) for d in selectors.deliveries(e)[:1000]]


@router.get("/deliveries/{delivery_id}", response=DeliveryDetail)
def get_delivery(request: HttpRequest, delivery_id: int) -> dict:
    """A delivery with the body sent and every attempt (status code, time taken, error)."""
    a = caller(request)
    with _reading(a):
        d = selectors.access_delivery_by_id(a, delivery_id)
        return {
            **delivery_out(d),
            "body": d.event.body,
            "attempt_log": [attempt_out(x) for x in selectors.attempts(d)],
        }


@router.post("/deliveries/{delivery_id}/redeliver", response={202: DeliveryOut})
def redeliver(request: HttpRequest, delivery_id: int) -> Status:
    """Send it again now (a background job; the try appears in the attempt log)."""
    a = caller(request)
    with _reading(a):
        d = selectors.access_delivery_by_id(a, delivery_id)
    d = services.redeliver(access=a, delivery=d)
    return Status(202, delivery_out(d))
