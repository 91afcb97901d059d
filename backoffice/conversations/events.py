"""The audit events conversations writes: one builder per kind, each action named here once.

The action names and the shapes of `before`/`after` are part of the audit trail, so they
never change for an existing action. Bodies are not copied into the chain (it is
append-only; a message's words stay in the message).

A thread and its messages are recorded in the CLIENT's chain (the client's auditors may
read it). An internal note is recorded in the PROVIDER's chain: the client's audit pages
must not even show that a note exists.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.conversations.models import InternalNote, Message, Thread
    from backoffice.tenancy.models import User


class Action(StrEnum):
    THREAD_STARTED = "conversations.thread_started"
    MESSAGE_POSTED = "conversations.message_posted"
    NOTE_POSTED = "conversations.note_posted"


def record(*, tenant: int, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=[event])


def _event(action: Action, obj: models.Model, *, after: Any = None) -> PendingEvent:
    return PendingEvent(
        action=action.value,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        after=after,
    )


def thread_started(t: Thread) -> PendingEvent:
    return _event(
        Action.THREAD_STARTED,
        t,
        after={"subject_kind": t.subject_kind, "subject_id": t.subject_id, "title": t.title},
    )


describe(
    Action.THREAD_STARTED,
    "Conversation “{after[title]}” started",
    labels={"subject_kind": "About", "subject_id": "Subject number"},
    kinds={"subject_kind": "code"},
)


def message_posted(m: Message, *, attachments: int, mentions: int) -> PendingEvent:
    return _event(
        Action.MESSAGE_POSTED,
        m,
        after={
            "thread": m.thread_id,
            "via": m.via,
            "characters": len(m.body),
            "attachments": attachments,
            "mentions": mentions,
        },
    )


describe(
    Action.MESSAGE_POSTED,
    "Message posted in conversation #{after[thread]}",
    labels={"via": "Sent through"},
    kinds={"via": "code"},
)


def note_posted(n: InternalNote, *, client_id: int, mentions: int) -> PendingEvent:
    return _event(
        Action.NOTE_POSTED,
        n,
        after={
            "thread": n.thread_id,
            "client": client_id,
            "via": n.via,
            "characters": len(n.body),
            "mentions": mentions,
        },
    )


describe(
    Action.NOTE_POSTED,
    "Internal note written in conversation #{after[thread]}",
    labels={"via": "Sent through"},
    kinds={"via": "code"},
)
