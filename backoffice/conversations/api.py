"""Conversations API: threads, their timeline, messages, internal notes, read markers,
unread counts and search.

Thin: each endpoint parses, fetches through `selectors.access_thread_by_id` (another
client's thread and a missing one are the same 404), calls a service and shapes the
answer. A client's token never reaches a note: the timeline and search read the notes
table only for provider staff holding `conversations.internal`. Creates take an
`Idempotency-Key`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from backoffice.api.idempotency import run_idempotent
from backoffice.api.params import Id
from backoffice.conversations import selectors, services
from backoffice.conversations.downloads import file_download
from backoffice.conversations.error_codes import ErrorCode
from backoffice.conversations.models import SubjectKind, Thread, Via
from backoffice.conversations.selectors import NOTES, POST, VIEW, Entry, Hit
from backoffice.core.errors import DomainError, NotFound
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["conversations"])


def caller(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    return access


@contextmanager
def scope(request: HttpRequest) -> Iterator[TenantAccess]:
    """Conversations need `conversations.view`; one transaction, RLS on what the caller sees."""
    access = caller(request)
    access.require(VIEW)
    with transaction.atomic():
        set_rls_tenants(selectors.rls_tenant_ids(access))
        yield access


# --- shapes ------------------------------------------------------------------------------


class ThreadOut(Schema):
    id: int
    client: str = Field(..., description="The client's slug")
    subject_kind: str = Field(..., description="item, batch, engagement, account or request")
    subject_id: int
    title: str
    created_at: dt.datetime
    activity_at: dt.datetime | None = Field(
        None, description="The latest message (for staff, or note) the caller may see"
    )
    unread: int = 0


class ThreadPageOut(Schema):
    items: list[ThreadOut]
    count: int
    page: int
    pages: int


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class EntryOut(Schema):
    kind: str = Field(..., description="message, or note (provider staff only)")
    id: int
    author: str | None
    body: str
    via: str
    created_at: dt.datetime
    attachments: list[AttachmentOut] = []


class TimelineOut(Schema):
    thread: ThreadOut
    entries: list[EntryOut]
    can_post: bool
    can_write_notes: bool


class StartIn(Schema):
    subject_kind: str = Field(..., description="item, batch, engagement, account or request")
    subject_id: Id | None = Field(None, description="Not needed for the account")
    client_id: Id | None = Field(None, description="The client (provider staff only)")
    body: str = Field("", max_length=20_000, description="An optional first message")


class BodyIn(Schema):
    body: str = Field(..., max_length=20_000)


class UnreadOut(Schema):
    total: int
    threads: dict[str, int] = Field(..., description="Thread id → unread count")


class HitOut(Schema):
    kind: str
    thread_id: int
    thread_title: str
    author: str | None
    body: str
    created_at: dt.datetime


class HitPageOut(Schema):
    items: list[HitOut]
    count: int
    page: int
    pages: int


def thread_out(access: TenantAccess, t: Thread, *, unread: int | None = None) -> dict[str, Any]:
    activity = getattr(t, "activity_at", None)
    if activity is None:
        activity = t.last_message_at
        if selectors.reads_notes(access, t.tenant_id) and t.last_note_at:
            activity = max(filter(None, [t.last_message_at, t.last_note_at]))
    if unread is None:
        unread = getattr(t, "unread_messages", 0) + getattr(t, "unread_notes", 0)
    return {
        "id": t.pk,
        "client": t.tenant.slug,
        "subject_kind": t.subject_kind,
        "subject_id": t.subject_id,
        "title": t.title,
        "created_at": t.created_at,
        "activity_at": activity,
        "unread": unread,
    }


def entry_out(e: Entry) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "id": e.id,
        "author": e.author.username if e.author else None,
        "body": e.body,
        "via": e.via,
        "created_at": e.created_at,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/api/v1/conversations/attachments/{a.pk}",
            }
            for a in e.attachments
        ],
    }


def hit_out(h: Hit) -> dict[str, Any]:
    return {
        "kind": h.kind,
        "thread_id": h.thread.pk,
        "thread_title": h.thread.title,
        "author": h.author.username if h.author else None,
        "body": h.body,
        "created_at": h.created_at,
    }


def _page(rows: list[Any], page: int, page_size: int) -> dict[str, Any]:
    start = (page - 1) * page_size
    return {
        "items": rows[start : start + page_size],
        "count": len(rows),
        "page": page,
        "pages": max(1, -(-len(rows) // page_size)),
    }


# --- threads ------------------------------------------------------------------------------


@router.get("/threads", response=ThreadPageOut)
def list_threads(
    request: HttpRequest,
    kind: str = Query("", description="Only threads about this kind of subject"),
    unread: bool = False,
    mine: bool = Query(False, description="Threads I wrote in or was mentioned in"),
    mentioned: bool = Query(False, description="Threads I was mentioned in"),
    page: int = Query(1, ge=1, le=10_000_000),
    page_size: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    """The caller's inbox, latest activity first, with unread counts."""
    with scope(request) as access:
        if kind and kind not in SubjectKind.values:
            raise DomainError(
                "Pick item, batch, engagement, account or request.",
                code=ErrorCode.INVALID_SUBJECT_KIND,
                fields={"kind": ["not one of these"]},
            )
        qs = selectors.threads(access, kind=kind, unread=unread, mine=mine, mentioned=mentioned)
        count = qs.count()
        start = (page - 1) * page_size
        rows = list(qs[start : start + page_size]) if start < count else []
        return {
            "items": [thread_out(access, t) for t in rows],
            "count": count,
            "page": page,
            "pages": max(1, -(-count // page_size)),
        }


@router.post("/threads", response={200: ThreadOut, 201: ThreadOut})
def start_thread(request: HttpRequest, payload: StartIn) -> Status[Any]:
    """The thread on a subject (started if it has none), with an optional first message.
    A client starts threads on its own subjects; provider staff name the client."""

    def create() -> tuple[int, Any]:
        with scope(request) as access:
            tenant_id = _client_of(access, payload.client_id)
            kind = payload.subject_kind
            subject_id = tenant_id if kind == SubjectKind.ACCOUNT else payload.subject_id
            if subject_id is None:
                raise DomainError("Say which one it is about.", fields={"subject_id": ["required"]})
            existed = selectors.find_thread(
                access, tenant_id=tenant_id, kind=kind, subject_id=subject_id
            )
            thread = services.thread_for(
                tenant_id=tenant_id, subject_kind=kind, subject_id=subject_id, actor=access.user
            )
            if payload.body.strip():
                selectors.access_thread_by_id(access, thread.pk, perm=POST)
                services.post_message(
                    thread=thread, actor=access.user, body=payload.body, via=Via.API
                )
            return (200 if existed else 201), thread_out(access, thread, unread=0)

    return run_idempotent(request, create)


def _client_of(access: TenantAccess, client_id: int | None) -> int:
    if not access.tenant.is_provider:
        if client_id not in (None, access.tenant.pk):
            raise NotFound("No such client.")
        return access.tenant.pk
    if client_id is None:
        raise DomainError("Say which client.", fields={"client_id": ["required"]})
    if client_id not in selectors.conversation_tenant_ids(access):
        raise NotFound("No such client.")
    return client_id


@router.get("/threads/{thread_id}", response=TimelineOut)
def get_thread(
    request: HttpRequest,
    thread_id: int,
    after_message: int = Query(0, ge=0, description="Only messages after this id"),
    after_note: int = Query(0, ge=0, description="Only notes after this id (staff)"),
) -> dict[str, Any]:
    """The thread's timeline: its messages and, for provider staff, its internal notes."""
    with scope(request) as access:
        thread = selectors.access_thread_by_id(access, thread_id)
        entries = selectors.thread_timeline(
            access, thread, after_message=after_message, after_note=after_note
        )
        unread = selectors.unread_in(access, thread)
        return {
            "thread": thread_out(access, thread, unread=unread["messages"] + unread["notes"]),
            "entries": [entry_out(e) for e in entries],
            "can_post": POST in selectors.thread_perms(access, thread.tenant_id),
            "can_write_notes": selectors.reads_notes(access, thread.tenant_id),
        }


@router.post("/threads/{thread_id}/messages", response={201: EntryOut})
def post_message(request: HttpRequest, thread_id: int, payload: BodyIn) -> Status[Any]:
    """A message the client and the provider both see; `@username` mentions someone who
    can see the thread."""

    def create() -> tuple[int, Any]:
        with scope(request) as access:
            thread = selectors.access_thread_by_id(access, thread_id, perm=POST)
            m = services.post_message(
                thread=thread, actor=access.user, body=payload.body, via=Via.API
            )
            return 201, entry_out(_entry(m, "message"))

    return run_idempotent(request, create)


@router.post("/threads/{thread_id}/messages/upload", response={201: EntryOut})
def post_message_with_files(
    request: HttpRequest,
    thread_id: int,
    body: Form[str],
    files: File[list[UploadedFile]],
) -> Status[Any]:
    """A message with files (multipart: `body` and one or more `files`); each file is
    checked (10 MB, PDF, images, text, CSV, email, audio) before anything is written."""

    def create() -> tuple[int, Any]:
        with scope(request) as access:
            thread = selectors.access_thread_by_id(access, thread_id, perm=POST)
            m = services.post_message(
                thread=thread, actor=access.user, body=body, attachments=files, via=Via.API
            )
            return 201, entry_out(_entry(m, "message"))

    return run_idempotent(request, create)


@router.post("/threads/{thread_id}/notes", response={201: EntryOut})
def post_note(request: HttpRequest, thread_id: int, payload: BodyIn) -> Status[Any]:
    """An internal note: provider staff only, never shown to the client."""

    def create() -> tuple[int, Any]:
        with scope(request) as access:
            thread = selectors.access_thread_by_id(access, thread_id, perm=NOTES)
            n = services.post_message(
                thread=thread, actor=access.user, body=payload.body, internal=True, via=Via.API
            )
            return 201, entry_out(_entry(n, "note"))

    return run_idempotent(request, create)


def _entry(row: Any, kind: str) -> Entry:
    files = tuple(row.attachments.all()) if kind == "message" else ()
    return Entry(kind, row.pk, row.author, row.body, row.via, row.created_at, files)


@router.post("/threads/{thread_id}/read", response={204: None})
def mark_read(request: HttpRequest, thread_id: int) -> Status[None]:
    """Everything in the thread so far counts as read by the caller."""
    with scope(request) as access:
        thread = selectors.access_thread_by_id(access, thread_id)
        services.mark_read(thread=thread, user=access.user)
    return Status(204, None)


@router.get("/unread", response=UnreadOut)
def unread(request: HttpRequest) -> dict[str, Any]:
    """Unread counts: the total and per thread (threads with none are left out)."""
    with scope(request) as access:
        per = {
            str(t.pk): getattr(t, "unread_messages", 0) + getattr(t, "unread_notes", 0)
            for t in selectors.threads(access, unread=True)
        }
        return {"total": sum(per.values()), "threads": per}


@router.get("/search", response=HitPageOut)
def search(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=200),
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    """Messages containing `q` in the threads the caller sees (staff find their notes too)."""
    with scope(request) as access:
        hits = [hit_out(h) for h in selectors.search(access, q)]
        return _page(hits, page, page_size)


@router.get("/attachments/{attachment_id}", response={200: None})
def download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """A message's file."""
    with scope(request) as access:
        found = selectors.access_attachment_by_id(access, attachment_id)
        return file_download(found)
