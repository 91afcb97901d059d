"""The audit events notifications writes: one builder per kind, each action named once."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from backoffice.notifications.models import InboundEmail
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    PREFERENCES_CHANGED = "notifications.preferences_changed"
    REPLY_RECEIVED = "notifications.reply_received"


def record(*, tenant: Organization | int, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=[event])


def preferences_changed(user: User, before: dict[str, str], after: dict[str, str]) -> PendingEvent:
    return PendingEvent(
        action=Action.PREFERENCES_CHANGED.value,
        object_type="tenancy.user",
        object_id=str(user.pk),
        before=before,
        after=after,
    )


describe(
    Action.PREFERENCES_CHANGED,
    "Email notification preferences changed",
    labels={"messages": "New messages", "mentions": "Mentions"},
    kinds={"messages": "code", "mentions": "code"},
)


def reply_received(row: InboundEmail) -> PendingEvent:
    return PendingEvent(
        action=Action.REPLY_RECEIVED.value,
        object_type=row._meta.label_lower,
        object_id=str(row.pk),
        after={
            "thread": row.thread_id,
            "posted": row.posted,
            "message_id": row.message_id,
            "attachments": row.attachments,
        },
    )


describe(
    Action.REPLY_RECEIVED,
    "Reply by email posted to conversation #{after[thread]}",
    labels={"message_id": "Email Message-ID", "posted": "Posted as"},
)
