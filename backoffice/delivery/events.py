"""The audit events delivery writes: one builder per kind, each action named here once.

The action names and the shapes of `before`/`after` are part of the audit trail (hashed
into the client's chain), so they never change for an existing action. No event ever holds
a webhook secret, nor its encrypted form: a rotation records only that it happened and
until when the old secret is honoured.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.delivery.models import ResultsExport, WebhookDelivery, WebhookEndpoint
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    ENDPOINT_CREATED = "delivery.endpoint_created"
    ENDPOINT_CHANGED = "delivery.endpoint_changed"
    SECRET_ROTATED = "delivery.secret_rotated"
    REDELIVERY_REQUESTED = "delivery.redelivery_requested"
    EXPORT_CREATED = "delivery.export_created"


def record(*, tenant: Organization | int, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=[event])


def _event(
    action: Action, obj: models.Model, *, before: Any = None, after: Any = None
) -> PendingEvent:
    return PendingEvent(
        action=action.value,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
    )


def endpoint_state(e: WebhookEndpoint) -> dict[str, Any]:
    """What an endpoint's events record of it: never its secret."""
    return {
        "url": e.url,
        "description": e.description,
        "events": list(e.events),
        "is_active": e.is_active,
    }


def endpoint_created(e: WebhookEndpoint) -> PendingEvent:
    return _event(Action.ENDPOINT_CREATED, e, after=endpoint_state(e))


describe(Action.ENDPOINT_CREATED, "Webhook endpoint {after[url]} added")


def endpoint_changed(e: WebhookEndpoint, before: dict[str, Any]) -> PendingEvent:
    return _event(Action.ENDPOINT_CHANGED, e, before=before, after=endpoint_state(e))


describe(Action.ENDPOINT_CHANGED, "Webhook endpoint {after[url]} changed")


def secret_rotated(e: WebhookEndpoint) -> PendingEvent:
    expires = e.previous_secret_expires_at
    return _event(
        Action.SECRET_ROTATED,
        e,
        after={"url": e.url, "old_secret_valid_until": expires.isoformat() if expires else None},
    )


describe(
    Action.SECRET_ROTATED,
    "Webhook secret of {after[url]} rotated",
    labels={"old_secret_valid_until": "Old secret still signs until"},
    kinds={"old_secret_valid_until": "datetime"},
)


def redelivery_requested(d: WebhookDelivery) -> PendingEvent:
    return _event(
        Action.REDELIVERY_REQUESTED,
        d,
        after={"event": d.event.public_id, "type": d.event.type, "url": d.endpoint.url},
    )


describe(Action.REDELIVERY_REQUESTED, "Webhook {after[type]} sent again to {after[url]}")


def export_created(x: ResultsExport) -> PendingEvent:
    return _event(
        Action.EXPORT_CREATED,
        x,
        after={
            "engagement": x.engagement_id,
            "batch": x.batch_id,
            "period_start": x.period_start.isoformat() if x.period_start else None,
            "period_end": x.period_end.isoformat() if x.period_end else None,
            "format": x.format,
            "items": x.item_count,
        },
    )


describe(
    Action.EXPORT_CREATED,
    "Results export of {after[items]} items prepared",
    labels={"period_start": "From", "period_end": "Until"},
    kinds={"period_start": "datetime", "period_end": "datetime", "format": "code"},
)
