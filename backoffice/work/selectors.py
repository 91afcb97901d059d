"""Reads of the work engine, always scoped to the tenants the caller may see.

Lists and reads of what an adapter already holds. Fetching one object by id together
with the check that the caller may have it is `access.py`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from backoffice.tenancy.models import User
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work import sla
from backoffice.work.models import (
    OPEN_STATES,
    Attachment,
    Comment,
    DoubleKey,
    Engagement,
    EngagementGrant,
    QaReview,
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


def visible_tenant_ids(access: TenantAccess) -> set[int]:
    """The tenants a work request reads: the one acted in and the clients whose work it sees
    (what row-level security is set to for the request)."""
    return {access.tenant.pk, *work_tenant_ids(access)}


def engagement_limit(access: TenantAccess) -> list[int] | None:
    """The engagements a client member was narrowed to by their client admin, or None when
    nothing narrows them (provider staff, client members who see all, the defaults)."""
    member = access.membership
    if member is None or member.sees_all_engagements:
        return None
    return list(
        EngagementGrant.objects.for_tenant(access.tenant)
        .filter(user_id=access.user.pk)
        .values_list("engagement_id", flat=True)
    )


def narrowed(
    qs: QuerySet[Any], access: TenantAccess, field: str = "engagement_id"
) -> QuerySet[Any]:
    """`qs` (already tenant-scoped) less the engagements the caller may not see."""
    limit = engagement_limit(access)
    return qs if limit is None else qs.filter(**{f"{field}__in": limit})


def visible_engagement_ids(access: TenantAccess) -> list[int]:
    """Every engagement the caller may see, for other apps to scope their reads with: the
    clients' engagements it serves or belongs to, less what a client admin withheld."""
    return list(engagements(access).values_list("pk", flat=True))


def catalogue_tenant_id(access: TenantAccess) -> int:
    return access.tenant.pk if access.tenant.is_provider else int(access.tenant.provider_id or 0)


def service_types(access: TenantAccess) -> QuerySet[ServiceType]:
    """The provider's catalogue; a client sees only the service types it has engaged."""
    qs = ServiceType.objects.for_tenant(catalogue_tenant_id(access))
    if access.tenant.is_provider:
        return qs.order_by("name")
    engaged = list(
        narrowed(Engagement.objects.for_tenant(access.tenant), access, "pk").values_list(
            "service_type_id", flat=True
        )
    )
    return qs.filter(pk__in=engaged).order_by("name")


def engagements(access: TenantAccess) -> QuerySet[Engagement]:
    return (
        narrowed(Engagement.objects.for_tenants(work_tenant_ids(access)), access, "pk")
        .select_related("calendar", "tenant")
        .order_by("tenant__name", "name")
    )


def items(access: TenantAccess, **filters: Any) -> QuerySet[WorkItem]:
    """Items the caller may see, newest first, with optional exact filters."""
    qs = narrowed(WorkItem.objects.for_tenants(work_tenant_ids(access)), access).select_related(
        "engagement", "assignee"
    )
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    if "open" in clean:
        is_open = clean.pop("open")
        qs = qs.filter(state__in=OPEN_STATES) if is_open else qs.exclude(state__in=OPEN_STATES)
    return qs.filter(**clean).order_by("-received_at", "-id")


def sla_badge(item: WorkItem, now: datetime) -> dict[str, Any]:
    """What a page shows of an item's SLA: its state, the flags and the minutes left."""
    return {
        "state": item.state,
        "at_risk": item.at_risk,
        "breached": item.breached,
        "sla_remaining_minutes": sla.remaining_minutes(item, now),
    }


def item_events(item: WorkItem) -> QuerySet[WorkItemEvent]:
    """The item's history, oldest first, read through the (tenant, item, at) index."""
    return (
        WorkItemEvent.objects.for_tenant(item.tenant_id)
        .filter(item=item)
        .select_related("actor")
        .order_by("at", "id")
    )


def item_comments(item: WorkItem) -> QuerySet[Comment]:
    return item.comments.select_related("author")


def item_attachments(item: WorkItem) -> QuerySet[Attachment]:
    return item.attachments.all()


def item_qa_reviews(item: WorkItem) -> QuerySet[QaReview]:
    """The item's QA reviews with their verdicts, oldest first."""
    return item.qa_reviews.select_related("agent", "reviewer").prefetch_related("verdicts")


def active_user(username: str) -> User | None:
    """The active person with this username (an assignee named by a lead), or None."""
    return User.objects.filter(username=username, is_active=True).first()


def queues(access: TenantAccess) -> QuerySet[Queue]:
    return Queue.objects.for_tenant(catalogue_tenant_id(access)).order_by("name")


def backlog(access: TenantAccess) -> list[dict[str, Any]]:
    """Open work per engagement with SLA risk, for the team lead's board."""
    rows = (
        narrowed(WorkItem.objects.for_tenants(work_tenant_ids(access)), access)
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
        narrowed(
            Comment.objects.for_tenants(work_tenant_ids(access)), access, "item__engagement_id"
        )
        .filter(kind=Comment.Kind.QUESTION, answered_at__isnull=True)
        .select_related("item", "author")
        .order_by("created_at")
    )


# --- double keys -----------------------------------------------------------------------------


def double_key_of(item: WorkItem) -> DoubleKey | None:
    return DoubleKey.objects.for_tenant(item.tenant_id).filter(item_id=item.pk).first()


def pending_adjudication(item: WorkItem) -> DoubleKey | None:
    """The item's double key when its mismatch still waits for a third person."""
    dk = double_key_of(item)
    return dk if dk is not None and dk.status == DoubleKey.Status.MISMATCH else None


def keyed_first_by(item: WorkItem, user: User) -> bool:
    """True when `user` gave the first key and the second is still missing."""
    dk = double_key_of(item)
    return (
        dk is not None
        and dk.status == DoubleKey.Status.AWAITING_SECOND
        and dk.first_agent_id == user.pk
    )


def mismatched_item_ids(access: TenantAccess, item_ids: Iterable[int]) -> set[int]:
    """Which of these items wait for a double-key adjudication (the reviewer's queue)."""
    return set(
        DoubleKey.objects.for_tenants(work_tenant_ids(access))
        .filter(item_id__in=list(item_ids), status=DoubleKey.Status.MISMATCH)
        .values_list("item_id", flat=True)
    )


# --- the agent's own figures (the workbench) ---------------------------------------------------


def waiting_count(access: TenantAccess) -> int:
    """Items waiting to be taken (queued or sent back) in the clients the caller serves."""
    return (
        narrowed(WorkItem.objects.for_tenants(work_tenant_ids(access)), access)
        .filter(state__in=[State.QUEUED, State.REWORK])
        .count()
    )


def handed_on_since(access: TenantAccess, user: User, since: datetime) -> int:
    """Items `user` finished (sent to review or done) since `since`."""
    return (
        WorkItemEvent.objects.for_tenants(work_tenant_ids(access))
        .filter(
            actor=user,
            at__gte=since,
            from_state=State.IN_PROGRESS,
            to_state__in=[State.IN_REVIEW, State.DONE],
        )
        .values("item_id")
        .distinct()
        .count()
    )
