"""From a finished item or batch to one delivery per subscribed endpoint.

Called after the work commits (the work app's signals, see `receivers.py`): in one
transaction the event row (unique per item or batch: told once, however often the
completion is reported), one delivery per active endpoint of the client that subscribes to
the event, and the client's batch sender woken (`batch.wake`: a job only when none is
queued or running, so one job delivers many completions). A client without a subscribed
endpoint costs one query and writes nothing. Endpoints added later are not sent past events.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.core.rls import set_rls_tenants
from backoffice.delivery.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from backoffice.delivery.services.batch import wake
from backoffice.tenancy.models import Organization
from backoffice.work.models import IntakeBatch, State, WorkItem


def _subscribers(tenant_id: int, event_type: str) -> list[WebhookEndpoint]:
    active = WebhookEndpoint.objects.for_tenant(tenant_id).filter(is_active=True)
    return [e for e in active if e.subscribes(event_type)]


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def item_data(item: WorkItem) -> dict[str, Any]:
    return {
        "item": {
            "id": item.pk,
            "external_ref": item.external_ref,
            "engagement": item.engagement.code,
            "batch_id": item.batch_id,
            "completed_at": _stamp(item.completed_at),
            "output": item.output,
        }
    }


def batch_data(batch: IntakeBatch) -> dict[str, Any]:
    states = dict.fromkeys((State.DONE, State.CANCELLED), 0)
    for state in (
        WorkItem.objects.for_tenant(batch.tenant_id)
        .filter(batch=batch)
        .values_list("state", flat=True)
        .iterator()
    ):
        states[state] = states.get(state, 0) + 1
    return {
        "batch": {
            "id": batch.pk,
            "engagement": batch.engagement.code,
            "source": batch.source,
            "items_done": states[State.DONE],
            "items_cancelled": states[State.CANCELLED],
        }
    }


def _fan_out(
    *,
    tenant_id: int,
    event_type: str,
    object_id: int,
    data: Any,
    now: datetime,
) -> WebhookEvent | None:
    """Inside a transaction: the event (once) and a scheduled delivery per endpoint."""
    targets = _subscribers(tenant_id, event_type)
    if not targets:
        return None
    existing = WebhookEvent.objects.for_tenant(tenant_id).filter(
        type=event_type, object_id=object_id
    )
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                tenant_id=tenant_id, type=event_type, object_id=object_id, body="", created_at=now
            )
    except IntegrityError:  # told already, by a concurrent report of the same completion
        return None
    slug = Organization.objects.filter(pk=tenant_id).values_list("slug", flat=True).first()
    payload = {
        "id": event.public_id,
        "type": event_type,
        "created_at": _stamp(now),
        "client": slug,
        "data": data() if callable(data) else data,
    }
    event.body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    event.save(update_fields=["body"])
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                tenant_id=tenant_id, event=event, endpoint=e, created_at=now, next_attempt_at=now
            )
            for e in targets
        ]
    )
    if deliveries:
        wake(tenant_id, now=now)  # the client's batch sender, queued unless one is
    return event


def record_item_completed(
    *, tenant_id: int, item_id: int, now: datetime | None = None
) -> WebhookEvent | None:
    now = now or timezone.now()
    with transaction.atomic():
        set_rls_tenants([tenant_id])

        def data() -> Any:
            item = (
                WorkItem.objects.for_tenant(tenant_id).select_related("engagement").get(pk=item_id)
            )
            return item_data(item)

        return _fan_out(
            tenant_id=tenant_id,
            event_type=EventType.ITEM_COMPLETED,
            object_id=item_id,
            data=data,
            now=now,
        )


def record_batch_completed(
    *, tenant_id: int, batch_id: int, now: datetime | None = None
) -> WebhookEvent | None:
    now = now or timezone.now()
    with transaction.atomic():
        set_rls_tenants([tenant_id])

        def data() -> Any:
            batch = (
                IntakeBatch.objects.for_tenant(tenant_id)
                .select_related("engagement")
                .get(pk=batch_id)
            )
            return batch_data(batch)

        return _fan_out(
            tenant_id=tenant_id,
            event_type=EventType.BATCH_COMPLETED,
            object_id=batch_id,
            data=data,
            now=now,
        )
