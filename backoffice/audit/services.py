"""Writing audit events: always inside the transaction of the change they record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from backoffice.audit.chain import event_hash, jsonable
from backoffice.audit.models import AuditChainHead, AuditEvent
from backoffice.core.context import request_id_var

if TYPE_CHECKING:
    from backoffice.tenancy.models import Organization, User


@dataclass(frozen=True)
class PendingEvent:
    action: str
    object_type: str = ""
    object_id: str = ""
    before: Any = None
    after: Any = None


def _lock_head(tenant_id: int) -> AuditChainHead:
    head = AuditChainHead.objects.for_tenant(tenant_id).select_for_update().first()
    if head is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(tenant_id=tenant_id)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.for_tenant(tenant_id).select_for_update().get()
    return head


def record_events(
    *, tenant: Organization | int, actor: User | None, events: Sequence[PendingEvent]
) -> list[AuditEvent]:
    """Append events to the tenant's chain (one lock, one multi-row insert)."""
    if not events:
        return []
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    request_id = request_id_var.get()
    # No savepoint: the events belong to the caller's transaction and fail with it.
    with transaction.atomic(savepoint=False):
        head = _lock_head(tenant_id)
        at = timezone.now()
        rows = []
        seq, prev = head.last_seq, head.last_hash
        for e in events:
            seq += 1
            event = AuditEvent(
                tenant_id=tenant_id,
                seq=seq,
                at=at,
                actor_id=actor_id,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                before=jsonable(e.before),
                after=jsonable(e.after),
                request_id=request_id,
                prev_hash=prev,
            )
            event.hash = prev = event_hash(event)
            rows.append(event)
        AuditEvent.objects.bulk_create(rows)
        AuditChainHead.objects.for_tenant(tenant_id).update(last_seq=seq, last_hash=prev)
    return rows


def record_event(
    *,
    tenant: Organization | int,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    (event,) = record_events(
        tenant=tenant,
        actor=actor,
        events=[PendingEvent(action, object_type, object_id, before, after)],
    )
    return event
