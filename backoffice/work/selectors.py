"""Reads of the work engine, always scoped to the tenants the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from backoffice.core.errors import NotFound
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work.models import (
    OPEN_STATES,
    Comment,
    Engagement,
    Queue,
    ServiceType,
    State,
    WorkItem,
    WorkItemEvent,
)


def work_tenant_ids(access: TenantAccess) -> list[int]:
    """Whose work the caller sees: a client sees its own; provider staff, the clients they serve.

    Acting in the provider's own tenant, staff see every client where their role (by
    membership, or provider-wide) may view work. Acting in a client tenant, only that one.
    """
    if not access.tenant.is_provider:
        return [access.tenant.pk]
    return [
        org.pk
        for org, role in accessible_tenants(access.user)
        if not org.is_provider
        and org.provider_id == access.tenant.pk
        and Perm.VIEW_WORK in ROLE_PERMISSIONS.get(role, frozenset())
    ]


def catalogue_tenant_id(access: TenantAccess) -> int:
    return access.tenant.pk if access.tenant.is_provider else int(access.tenant.provider_id or 0)


def service_types(access: TenantAccess) -> QuerySet[ServiceType]:
    """The provider's catalogue; a client sees only the service types it has engaged."""
    qs = ServiceType.objects.for_tenant(catalogue_tenant_id(access))
    if access.tenant.is_provider:
        return qs.order_by("name")
    engaged = list(
        Engagement.objects.for_tenant(access.tenant).values_list("service_type_id", flat=True)
    )
    return qs.filter(pk__in=engaged).order_by("name")


def get_service_type(access: TenantAccess, service_type_id: int) -> ServiceType:
    found = service_types(access).filter(pk=service_type_id).first()
    if found is None:
        raise NotFound("No such service type.")
    return found


def engagements(access: TenantAccess) -> QuerySet[Engagement]:
    return (
        Engagement.objects.for_tenants(work_tenant_ids(access))
        .select_related("calendar", "tenant")
        .order_by("tenant__name", "name")
    )


def get_engagement(access: TenantAccess, engagement_id: int | str) -> Engagement:
    try:
        pk = int(engagement_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("No such engagement.") from exc
    found = engagements(access).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such engagement.")
    return found


def get_engagement_by_code(access: TenantAccess, code: str) -> Engagement:
    found = engagements(access).filter(code=code).first()
    if found is None:
        raise NotFound("No such engagement.")
    return found


def items(access: TenantAccess, **filters: Any) -> QuerySet[WorkItem]:
    """Items the caller may see, newest first, with optional exact filters."""
    qs = WorkItem.objects.for_tenants(work_tenant_ids(access)).select_related(
        "engagement", "assignee"
    )
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    if "open" in clean:
        is_open = clean.pop("open")
        qs = qs.filter(state__in=OPEN_STATES) if is_open else qs.exclude(state__in=OPEN_STATES)
    return qs.filter(**clean).order_by("-received_at", "-id")


def get_item(access: TenantAccess, item_id: int | str) -> WorkItem:
    try:
        pk = int(item_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("No such item.") from exc
    found = items(access).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such item.")
    return found


def item_events(item: WorkItem) -> QuerySet[WorkItemEvent]:
    """The item's history, oldest first, read through the (tenant, item, at) index."""
    return (
        WorkItemEvent.objects.for_tenant(item.tenant_id)
        .filter(item=item)
        .select_related("actor")
        .order_by("at", "id")
    )


def get_comment(access: TenantAccess, item: WorkItem, comment_id: int) -> Comment:
    found = item.comments.filter(pk=comment_id).first()
    if found is None:
        raise NotFound("No such comment.")
    return found


def queues(access: TenantAccess) -> QuerySet[Queue]:
    return Queue.objects.for_tenant(catalogue_tenant_id(access)).order_by("name")


def get_queue(access: TenantAccess, queue_id: int | str) -> Queue:
    if not access.tenant.is_provider:
        raise NotFound("No such queue.")
    try:
        pk = int(queue_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("No such queue.") from exc
    found = queues(access).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such queue.")
    return found


def backlog(access: TenantAccess) -> list[dict[str, Any]]:
    """Open work per engagement with SLA risk, for the team lead's board."""
    rows = (
        WorkItem.objects.for_tenants(work_tenant_ids(access))
        .filter(state__in=OPEN_STATES)
        .values("engagement_id")
        .annotate(
            open=Count("id"),
            queued=Count("id", filter=Q(state__in=[State.QUEUED, State.REWORK])),
            in_progress=Count("id", filter=Q(state=State.IN_PROGRESS)),
            waiting=Count("id", filter=Q(state=State.WAITING_ON_CLIENT)),
            in_review=Count("id", filter=Q(state=State.IN_REVIEW)),
            at_risk=Count("id", filter=Q(at_risk=True, breached=False)),
            breached=Count("id", filter=Q(breached=True)),
        )
    )
    by_id = {r["engagement_id"]: r for r in rows}
    out = []
    for engagement in engagements(access):
        counts = by_id.get(engagement.pk)
        if counts:
            out.append({"engagement": engagement, **counts})
    return out


def open_questions(access: TenantAccess) -> QuerySet[Comment]:
    return (
        Comment.objects.for_tenants(work_tenant_ids(access))
        .filter(kind=Comment.Kind.QUESTION, answered_at__isnull=True)
        .select_related("item", "author")
        .order_by("created_at")
    )
