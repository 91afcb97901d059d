"""Reads of the delivery app, always scoped, and its fetch-and-authorise functions.

Exports follow the caller's view of the work (`work.selectors`): a client sees its own
engagements and batches, provider staff the clients they serve; another client's batch,
engagement or export id is the same 404 as a missing one. Webhook endpoints and their
delivery log belong to the tenant the caller acts in and need `Perm.MANAGE_DELIVERY`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from backoffice.core.errors import NotFound
from backoffice.delivery.models import (
    DeliveryAttempt,
    ResultsExport,
    WebhookDelivery,
    WebhookEndpoint,
)
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors as work
from backoffice.work.access import access_engagement_by_id
from backoffice.work.models import Engagement, IntakeBatch, State, WorkItem

__all__ = ["access_engagement_by_id"]


def _pk(value: int | str, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(message) from exc


def read_tenant_ids(access: TenantAccess) -> set[int]:
    """The tenants a delivery page or call reads (its row-level-security tenants)."""
    return work.visible_tenant_ids(access)


def engagements(access: TenantAccess) -> QuerySet[Engagement]:
    return work.engagements(access)


def batches(access: TenantAccess, *, engagement: Engagement | None = None) -> QuerySet[IntakeBatch]:
    """Intake batches of the engagements the caller sees, newest first."""
    qs = IntakeBatch.objects.for_tenants(work.work_tenant_ids(access)).filter(
        engagement__in=engagements(access)
    )
    if engagement is not None:
        qs = qs.filter(engagement=engagement)
    return qs.select_related("engagement").order_by("-created_at", "-id")


def access_batch_by_id(access: TenantAccess, batch_id: int | str) -> IntakeBatch:
    """A batch the caller sees; another client's batch is 'No such batch.'"""
    found = batches(access).filter(pk=_pk(batch_id, "No such batch.")).first()
    if found is None:
        raise NotFound("No such batch.")
    return found


def exports(access: TenantAccess) -> QuerySet[ResultsExport]:
    return (
        ResultsExport.objects.for_tenants(work.work_tenant_ids(access))
        .filter(engagement__in=engagements(access))
        .select_related("engagement", "batch", "created_by", "tenant")
        .order_by("-created_at", "-id")
    )


def access_export_by_id(access: TenantAccess, export_id: int | str) -> ResultsExport:
    access.require(Perm.VIEW_WORK)
    found = exports(access).filter(pk=_pk(export_id, "No such export.")).first()
    if found is None:
        raise NotFound("No such export.")
    return found


def finished_items(
    *,
    engagement: Engagement,
    batch: IntakeBatch | None = None,
    period: tuple[object, object] | None = None,
) -> QuerySet[WorkItem]:
    """The done items an export holds, in completion order (a stable order for files)."""
    qs = WorkItem.objects.for_tenant(engagement.tenant_id).filter(
        engagement=engagement, state=State.DONE
    )
    if batch is not None:
        qs = qs.filter(batch=batch)
    if period is not None:
        qs = qs.filter(completed_at__gte=period[0], completed_at__lt=period[1])
    return qs.order_by("completed_at", "id")


def export_items(export: ResultsExport) -> QuerySet[WorkItem]:
    period = (export.period_start, export.period_end) if export.batch_id is None else None
    return finished_items(engagement=export.engagement, batch=export.batch, period=period)


def endpoints(access: TenantAccess) -> QuerySet[WebhookEndpoint]:
    access.require(Perm.MANAGE_DELIVERY)
    return WebhookEndpoint.objects.for_tenant(access.tenant).order_by("url", "id")


def access_endpoint_by_id(access: TenantAccess, endpoint_id: int | str) -> WebhookEndpoint:
    """An endpoint of the caller's tenant; another client's endpoint is 'No such endpoint.'"""
    found = endpoints(access).filter(pk=_pk(endpoint_id, "No such endpoint.")).first()
    if found is None:
        raise NotFound("No such endpoint.")
    return found


def deliveries(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.for_tenant(endpoint.tenant_id)
        .filter(endpoint=endpoint)
        .select_related("event", "endpoint")
        .order_by("-created_at", "-id")
    )


def access_delivery_by_id(access: TenantAccess, delivery_id: int | str) -> WebhookDelivery:
    access.require(Perm.MANAGE_DELIVERY)
    found = (
        WebhookDelivery.objects.for_tenant(access.tenant)
        .select_related("event", "endpoint")
        .filter(pk=_pk(delivery_id, "No such delivery."))
        .first()
    )
    if found is None:
        raise NotFound("No such delivery.")
    return found


def attempts(delivery: WebhookDelivery) -> QuerySet[DeliveryAttempt]:
    return DeliveryAttempt.objects.for_tenant(delivery.tenant_id).filter(delivery=delivery)


def attempts_of(deliveries_: list[WebhookDelivery]) -> dict[int, list[DeliveryAttempt]]:
    """The attempts of several deliveries (of one tenant), in one query, by delivery id."""
    out: dict[int, list[DeliveryAttempt]] = {d.pk: [] for d in deliveries_}
    if not deliveries_:
        return out
    rows = DeliveryAttempt.objects.for_tenant(deliveries_[0].tenant_id).filter(
        delivery_id__in=list(out)
    )
    for a in rows.order_by("delivery_id", "number"):
        out[a.delivery_id].append(a)
    return out
