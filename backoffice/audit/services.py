"""Writing audit events: always inside the transaction of the change they record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from backoffice.audit.chain import canonical_around_link, event_hash, jsonable
from backoffice.audit.models import AuditChainHead, AuditEvent
from backoffice.audit.permissions import VIEW_AUDIT
from backoffice.core.access import Access
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


def _lock_head(tenant_id: int, lane: int) -> AuditChainHead:
    heads = AuditChainHead.objects.for_tenant(tenant_id).filter(lane=lane)
    head = heads.select_for_update().first()
    if head is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(tenant_id=tenant_id, lane=lane)], ignore_conflicts=True
        )
        head = heads.select_for_update().get()
    return head


def _append_pg(tenant_id: int, lane: int, rows: list[AuditEvent]) -> None:
    """The events in one statement (`audit_append`, audit migration 0006): the database
    advances the lane's head and hashes each event over the canonical JSON written here
    around the two values only it knows, the sequence number and the previous hash."""
    first = rows[0]
    pieces = [canonical_around_link(ev) for ev in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM audit_append(%s, %s, %s, %s, %s, %s::text[], %s::text[], "
            "%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])",
            [
                tenant_id,
                lane,
                first.at,
                first.actor_id,
                first.request_id,
                [ev.action for ev in rows],
                [ev.object_type for ev in rows],
                [ev.object_id for ev in rows],
                [None if ev.before is None else json.dumps(ev.before) for ev in rows],
                [None if ev.after is None else json.dumps(ev.after) for ev in rows],
                [p[0] for p in pieces],
                [p[1] for p in pieces],
                [p[2] for p in pieces],
            ],
        )
        for ev, (pk, seq, prev, digest) in zip(rows, cursor.fetchall(), strict=True):
            ev.pk, ev.seq, ev.prev_hash, ev.hash = pk, seq, prev, digest
            ev._state.adding = False
            ev._state.db = connection.alias


def record_events(
    *,
    tenant: Organization | int,
    actor: User | None,
    events: Sequence[PendingEvent],
    lane: int = 0,
) -> list[AuditEvent]:
    """Append events to one lane of the tenant's chain (one lock, one multi-row insert)."""
    if not events:
        return []
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    request_id = request_id_var.get()
    at = timezone.now()
    rows = [
        AuditEvent(
            tenant_id=tenant_id,
            lane=lane,
            at=at,
            actor_id=actor_id,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            before=jsonable(e.before),
            after=jsonable(e.after),
            request_id=request_id,
        )
        for e in events
    ]
    # No savepoint: the events belong to the caller's transaction and fail with it.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _append_pg(tenant_id, lane, rows)
            return rows
        head = _lock_head(tenant_id, lane)
        seq, prev = head.last_seq, head.last_hash
        for event in rows:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.hash = prev = event_hash(event)
        AuditEvent.objects.bulk_create(rows)
        AuditChainHead.objects.for_tenant(tenant_id).filter(lane=lane).update(
            last_seq=seq, last_hash=prev
        )
    return rows


def record_event(
    *,
    tenant: Organization | int,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    before: Any = None,
    after: Any = None,
    lane: int = 0,
) -> AuditEvent:
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    (event,) = record_events(
        tenant=tenant,
        actor=actor,
        events=[PendingEvent(action, object_type, object_id, before, after)],
        lane=lane,
    )
    return event


def start_chain_verification(*, access: Access) -> Any:
    """Queue a check of the caller's tenant chain; the job runs after this transaction commits."""
    from backoffice.audit.tasks import verify_tenant_audit_chain

    access.require(VIEW_AUDIT)
    return verify_tenant_audit_chain.enqueue(tenant_id=access.tenant.pk)
