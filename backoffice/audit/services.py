"""Writing audit events: always inside the transaction of the change they record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
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


def _lock_head(tenant_id: int, lane: int) -> AuditChainHead:
    heads = AuditChainHead.objects.for_tenant(tenant_id).filter(lane=lane)
    head = heads.select_for_update().first()
    if head is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(tenant_id=tenant_id, lane=lane)], ignore_conflicts=True
        )
        head = heads.select_for_update().get()
    return head


def _advance_head_pg(tenant_id: int, lane: int, n: int) -> tuple[int, str]:
    """Lock the head and claim `n` sequence numbers in one statement: (last seq, last hash)."""
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                "UPDATE audit_auditchainhead SET last_seq = last_seq + %s "
                "WHERE tenant_id = %s AND lane = %s RETURNING last_seq - %s, last_hash",
                [n, tenant_id, lane, n],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0], row[1]
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(tenant_id=tenant_id, lane=lane)], ignore_conflicts=True
            )
    raise RuntimeError(f"audit chain head of tenant {tenant_id} cannot be created")


def _insert_events_pg(tenant_id: int, lane: int, rows: list[AuditEvent]) -> None:
    """The events and the head's new hash in one statement (the head is already locked)."""
    values = ", ".join(
        ["(%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s)"] * len(rows)
    )
    params: list[Any] = []
    for ev in rows:
        params += [
            ev.tenant_id,
            ev.lane,
            ev.seq,
            ev.at,
            ev.actor_id,
            ev.action,
            ev.object_type,
            ev.object_id,
            None if ev.before is None else json.dumps(ev.before),
            None if ev.after is None else json.dumps(ev.after),
            ev.request_id,
            ev.prev_hash,
            ev.hash,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH h AS (UPDATE audit_auditchainhead SET last_hash = %s "
            "WHERE tenant_id = %s AND lane = %s) "
            "INSERT INTO audit_auditevent (tenant_id, lane, seq, at, actor_id, action, "
            "object_type, object_id, before, after, request_id, prev_hash, hash) VALUES "
            f"{values} RETURNING id",
            [rows[-1].hash, tenant_id, lane, *params],
        )
        for ev, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            ev.pk = pk
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
    # No savepoint: the events belong to the caller's transaction and fail with it.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            seq, prev = _advance_head_pg(tenant_id, lane, len(events))
        else:
            head = _lock_head(tenant_id, lane)
            seq, prev = head.last_seq, head.last_hash
        at = timezone.now()
        rows = []
        for e in events:
            seq += 1
            event = AuditEvent(
                tenant_id=tenant_id,
                lane=lane,
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
        if connection.vendor == "postgresql":
            _insert_events_pg(tenant_id, lane, rows)
        else:
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
