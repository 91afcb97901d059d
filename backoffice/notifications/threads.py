"""The one module that knows the conversations app: what a posted message looks like, how
to read one back by its source key, and how a reply by mail is posted.

A source key names what a notification is about: `message:<id>` (client-visible) or
`note:<id>` (the provider's internal note).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from backoffice.conversations import selectors as conv_selectors
from backoffice.conversations import services as conv_services
from backoffice.conversations.models import InternalNote, Message, Thread
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.selectors import TenantAccess

NOTE, MESSAGE = "note", "message"


@dataclass(frozen=True)
class Posted:
    """A message or note as the mails show it."""

    source: str
    internal: bool
    tenant_id: int
    thread_id: int
    thread_title: str
    author_name: str
    author_id: int | None
    body: str
    created_at: datetime
    attachment_names: tuple[str, ...] = ()
    mentioned_ids: frozenset[int] = field(default_factory=frozenset)


def is_internal(message: Any) -> bool:
    return isinstance(message, InternalNote)


def source_of(message: Any) -> str:
    return f"{NOTE if is_internal(message) else MESSAGE}:{message.pk}"


def describe(message: Any, thread: Thread | None = None) -> Posted:
    thread = thread or message.thread
    internal = is_internal(message)
    author = message.author
    names: tuple[str, ...] = ()
    if not internal:
        names = tuple(a.name for a in message.attachments.all())
    mentioned = frozenset(m.user_id for m in message.mentions.all())
    return Posted(
        source=source_of(message),
        internal=internal,
        tenant_id=message.tenant_id,
        thread_id=thread.pk,
        thread_title=thread.title,
        author_name=(getattr(author, "display_name", "") or str(author)) if author else "Someone",
        author_id=author.pk if author else None,
        body=message.body,
        created_at=message.created_at,
        attachment_names=names,
        mentioned_ids=mentioned,
    )


def load(*, tenant_id: int, source: str) -> Posted | None:
    """The message or note a source key names, in that tenant (None once it is gone)."""
    kind, _, pk = source.partition(":")
    model = InternalNote if kind == NOTE else Message
    row = model.objects.for_tenant(tenant_id).select_related("thread", "author").filter(pk=pk)
    found = row.first()
    return describe(found) if found is not None else None


def load_many(*, tenant_id: int, sources: Iterable[str]) -> list[Posted]:
    found = [load(tenant_id=tenant_id, source=s) for s in sources]
    return sorted((p for p in found if p is not None), key=lambda p: (p.thread_id, p.created_at))


def thread_url(tenant: Organization, thread_id: int) -> str:
    """The thread's page (the conversations app names it `conversations:thread`)."""
    try:
        return reverse("conversations:thread", args=[tenant.slug, thread_id])
    except NoReverseMatch:
        return f"/t/{tenant.slug}/conversations/{thread_id}/"


def may_receive(user: User, posted: Posted) -> bool:
    """Whether `user` may be told of it now: sees the client's conversations, and for an
    internal note is provider staff who reads notes (a client's member never is)."""
    if not user.is_active or not user.email:
        return False
    if posted.internal:
        return conv_selectors.user_reads_notes(user, posted.tenant_id)
    # a client member narrowed to some engagements is told only of threads about them
    thread = Thread.objects.for_tenant(posted.tenant_id).filter(pk=posted.thread_id).first()
    return thread is not None and conv_selectors.user_sees_thread(user, thread)


def post_reply(
    *,
    access: TenantAccess,
    thread_id: int,
    body: str,
    internal: bool,
    attachments: Sequence[tuple[str, str, bytes]],
    email_message_id: str,
) -> str:
    """Post a mailed reply as `access.user`; its source key. Refusals are `DomainError`s."""
    thread = conv_selectors.access_thread_by_id(access, thread_id, perm=conv_selectors.POST)
    files = [
        SimpleUploadedFile(name, content, content_type)
        for name, content_type, content in attachments
    ]
    posted = conv_services.post_message(
        thread=thread,
        actor=access.user,
        body=body,
        internal=internal,
        attachments=files,
        via="email",
        email_message_id=email_message_id,
    )
    return source_of(posted)
