"""Conversation data made through the real services."""

from __future__ import annotations

from typing import Any

from backoffice.conversations import services
from backoffice.conversations.models import Thread
from backoffice.tenancy.models import User
from backoffice.work.models import WorkItem


def item_thread(item: WorkItem, actor: User | None = None) -> Thread:
    return services.thread_for(
        tenant_id=item.tenant_id, subject_kind="item", subject_id=item.pk, actor=actor
    )


def say(thread: Thread, actor: User, body: str, **kw: Any):
    return services.post_message(thread=thread, actor=actor, body=body, **kw)


def note(thread: Thread, actor: User, body: str):
    return services.post_message(thread=thread, actor=actor, body=body, internal=True)
