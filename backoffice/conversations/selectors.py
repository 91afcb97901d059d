"""Reads of conversations, always scoped to the clients the caller may see.

Who sees a thread: the client's own members whose role may view conversations, and the
provider staff who serve that client (their membership of the client account, or a
provider-wide role) with the same permission. Internal notes are read only for provider
staff holding `Perm.WRITE_INTERNAL_NOTES` for that client: the functions a client reaches
(`visible_messages`, the client's timeline, inbox and search) never query the note
tables at all — see `thread_timeline` and `search`.

`access_thread_by_id` fetches and authorises together: another client's thread and a
missing one raise the same `NotFound`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from backoffice.conversations.models import (
    InternalNote,
    Message,
    MessageAttachment,
    MessageMention,
    NoteMention,
    ReadMarker,
    SubjectKind,
    Thread,
)
from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.models import Membership, Organization, User
from backoffice.tenancy.roles import CLIENT_ROLES, PROVIDER_ROLES, ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work.models import EngagementGrant, IntakeBatch, WorkItem
from backoffice.work.selectors import engagement_limit

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
VIEW = Perm.VIEW_CONVERSATIONS
POST = Perm.POST_MESSAGES
NOTES = Perm.WRITE_INTERNAL_NOTES


# --- who may do what, where --------------------------------------------------------------


def role_of(user: User, tenant_id: int) -> str | None:
    """The role `user` acts with in the client `tenant_id` (membership or provider-wide)."""
    if not user.is_authenticated or not user.is_active:
        return None
    for org, role in accessible_tenants(user):
        if org.pk == tenant_id:
            return role
    return None


def user_perms(user: User, tenant_id: int) -> frozenset[str]:
    """What the person may do with conversations of one client (no membership: nothing)."""
    role = role_of(user, tenant_id)
    return ROLE_PERMISSIONS.get(role, frozenset()) if role else frozenset()


def user_reads_notes(user: User, tenant_id: int) -> bool:
    """Provider staff with the notes permission for this client; never a client's member."""
    role = role_of(user, tenant_id)
    return role is not None and _staff_role(role) and NOTES in ROLE_PERMISSIONS[role]


def _staff_role(role: str) -> bool:
    return role in PROVIDER_ROLES and role not in CLIENT_ROLES


def _served(access: TenantAccess) -> dict[int, str]:
    """Acting in the provider's tenant: each client served and the role held there."""
    return {
        org.pk: role
        for org, role in accessible_tenants(access.user)
        if not org.is_provider and org.provider_id == access.tenant.pk
    }


def thread_perms(access: TenantAccess, tenant_id: int) -> frozenset[str]:
    """The caller's conversation permissions on one client's threads: acting in the client's
    own tenant, its role there; acting in the provider's, both the acting role (an API
    token's may be narrower) and the role held for that client must allow it."""
    if access.tenant.pk == tenant_id:
        return access.permissions
    if access.tenant.is_provider:
        role = _served(access).get(tenant_id)
        if role is not None:
            return access.permissions & ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset()


def reads_notes(access: TenantAccess, tenant_id: int) -> bool:
    """Whether internal notes of this client are read at all for the caller."""
    if NOTES not in thread_perms(access, tenant_id):
        return False
    if not _staff_role(access.role):
        return False
    return access.tenant.is_provider or _staff_role(role_of(access.user, tenant_id) or "")


def conversation_tenant_ids(access: TenantAccess) -> list[int]:
    """The clients whose threads the caller sees."""
    if not access.tenant.is_provider:
        return [access.tenant.pk] if access.can(VIEW) else []
    return [pk for pk in _served(access) if VIEW in thread_perms(access, pk)]


def note_tenant_ids(access: TenantAccess) -> list[int]:
    return [pk for pk in conversation_tenant_ids(access) if reads_notes(access, pk)]


def clients_to_start(access: TenantAccess) -> list[Organization]:
    """The clients the caller may open an account conversation with."""
    ids = [pk for pk in conversation_tenant_ids(access) if POST in thread_perms(access, pk)]
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


def can_post(access: TenantAccess, thread: Thread) -> bool:
    return POST in thread_perms(access, thread.tenant_id)


# --- a client member narrowed to named engagements -----------------------------------------


def _within(tenant_id: int, limit: list[int]) -> Q:
    """Threads about the named engagements (their items and batches), and the account's and
    project requests' threads, which every member of the client may see."""
    items = WorkItem.objects.for_tenant(tenant_id).filter(engagement_id__in=limit).values("pk")
    batches = IntakeBatch.objects.for_tenant(tenant_id).filter(engagement_id__in=limit)
    return (
        Q(subject_kind__in=[SubjectKind.ACCOUNT, SubjectKind.REQUEST])
        | Q(subject_kind=SubjectKind.ENGAGEMENT, subject_id__in=limit)
        | Q(subject_kind=SubjectKind.ITEM, subject_id__in=items)
        | Q(subject_kind=SubjectKind.BATCH, subject_id__in=batches.values("pk"))
    )


def visible_threads(access: TenantAccess) -> QuerySet[Thread]:
    """Every thread the caller may open: of the clients they see, and for a client member
    their client admin narrowed, only those about the engagements left to them."""
    qs = Thread.objects.for_tenants(conversation_tenant_ids(access))
    limit = engagement_limit(access)
    return qs if limit is None else qs.filter(_within(access.tenant.pk, limit))


def user_limit(user: User, tenant_id: int) -> list[int] | None:
    """The engagements a client member was narrowed to (None: nothing narrows them)."""
    member = (
        Membership.objects.filter(user=user, organization_id=tenant_id, is_active=True)
        .select_related("organization")
        .first()
    )
    if member is None or member.sees_all_engagements:
        return None
    return list(
        EngagementGrant.objects.for_tenant(tenant_id)
        .filter(user_id=user.pk)
        .values_list("engagement_id", flat=True)
    )


def user_reaches_subject(user: User, tenant_id: int, kind: str, subject_id: int) -> bool:
    """Whether a narrowed client member may talk about this subject (others always may)."""
    limit = user_limit(user, tenant_id)
    if limit is None or kind in (SubjectKind.ACCOUNT, SubjectKind.REQUEST):
        return True
    if kind == SubjectKind.ENGAGEMENT:
        return subject_id in limit
    model = WorkItem if kind == SubjectKind.ITEM else IntakeBatch
    rows = model.objects.for_tenant(tenant_id).filter(pk=subject_id, engagement_id__in=limit)
    return bool(rows.exists())


def user_sees_thread(user: User, thread: Thread) -> bool:
    """Whether the person may see this thread (its client's conversations, and for a
    narrowed client member, its subject among their engagements)."""
    if VIEW not in user_perms(user, thread.tenant_id):
        return False
    limit = user_limit(user, thread.tenant_id)
    if limit is None:
        return True
    return (
        Thread.objects.for_tenant(thread.tenant_id)
        .filter(pk=thread.pk)
        .filter(_within(thread.tenant_id, limit))
        .exists()
    )


# --- threads ------------------------------------------------------------------------------


def _pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound("No such conversation.") from exc


def access_thread_by_id(
    access: TenantAccess, thread_id: int | str, *, perm: str | None = None
) -> Thread:
    """A thread of a client the caller sees; another client's and a missing one: 404.
    With `perm` (POST_MESSAGES or WRITE_INTERNAL_NOTES) the caller must hold it there."""
    thread = visible_threads(access).filter(pk=_pk(thread_id)).select_related("tenant").first()
    if thread is None:
        raise NotFound("No such conversation.")
    if perm == NOTES and not reads_notes(access, thread.tenant_id):
        raise Forbidden("Only the provider's staff write internal notes.")
    if perm is not None and perm not in thread_perms(access, thread.tenant_id):
        raise Forbidden("Your role may not post in this conversation.")
    return thread


def find_thread(
    access: TenantAccess, *, tenant_id: int, kind: str, subject_id: int
) -> Thread | None:
    """The thread on a subject, if one was started (and the caller may see it)."""
    if tenant_id not in conversation_tenant_ids(access):
        return None
    return (
        visible_threads(access)
        .filter(tenant_id=tenant_id, subject_kind=kind, subject_id=subject_id)
        .first()
    )


def _last_read(user: User) -> Subquery:
    marker = ReadMarker.objects.filter(
        tenant=OuterRef("tenant"), thread=OuterRef("pk"), user=user
    ).values("read_at")[:1]
    return Subquery(marker, output_field=DateTimeField())


def _count_after(model: type[Message] | type[InternalNote], user: User) -> Coalesce:
    rows = (
        model.objects.filter(
            tenant=OuterRef("tenant"), thread=OuterRef("pk"), created_at__gt=OuterRef("read_at")
        )
        .exclude(author=user)
        .order_by()
        .values("thread")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def threads(
    access: TenantAccess,
    *,
    kind: str = "",
    unread: bool = False,
    mine: bool = False,
    mentioned: bool = False,
) -> QuerySet[Thread]:
    """The caller's inbox, latest activity first, each row with `unread` (and, for staff,
    `unread_notes`) and `activity_at`. A client's inbox lists threads that have messages
    (a thread holding only the provider's notes is not shown to it) and reads no note table.
    """
    user = access.user
    staff_ids = set(note_tenant_ids(access))
    qs = (
        visible_threads(access)
        .select_related("tenant")
        .annotate(read_at=Coalesce(_last_read(user), Value(EPOCH)))
        .annotate(unread_messages=_count_after(Message, user))
    )
    if staff_ids:
        in_staff = Q(tenant_id__in=staff_ids)
        qs = qs.filter(in_staff | Q(last_message_at__isnull=False))
        qs = qs.annotate(
            unread_notes=_count_after(InternalNote, user),
            activity_at=Greatest(
                Coalesce("last_message_at", "created_at"), Coalesce("last_note_at", "created_at")
            ),
        )
    else:
        qs = qs.filter(last_message_at__isnull=False).annotate(
            unread_notes=Value(0), activity_at=Coalesce("last_message_at", "created_at")
        )
    if kind:
        qs = qs.filter(subject_kind=kind)
    if unread:
        qs = qs.filter(Q(unread_messages__gt=0) | Q(unread_notes__gt=0))
    if mentioned or mine:
        qs = qs.filter(_involves(user, staff_ids, authored=mine))
    return qs.order_by("-activity_at", "-id")


def _involves(user: User, staff_ids: set[int], *, authored: bool) -> Q:
    """Threads where the user is mentioned (and with `authored`, where they wrote)."""
    cond = Q(
        Exists(
            MessageMention.objects.filter(
                tenant=OuterRef("tenant"), thread=OuterRef("pk"), user=user
            )
        )
    )
    if authored:
        cond |= Q(
            Exists(
                Message.objects.filter(
                    tenant=OuterRef("tenant"), thread=OuterRef("pk"), author=user
                )
            )
        )
    if staff_ids:
        # Only staff threads reach the note tables.
        note_cond = Q(
            Exists(
                NoteMention.objects.filter(
                    tenant=OuterRef("tenant"), thread=OuterRef("pk"), user=user
                )
            )
        )
        if authored:
            note_cond |= Q(
                Exists(
                    InternalNote.objects.filter(
                        tenant=OuterRef("tenant"), thread=OuterRef("pk"), author=user
                    )
                )
            )
        cond |= Q(tenant_id__in=staff_ids) & note_cond
    return cond


def waiting_for_reader(access: TenantAccess, *, limit: int = 5) -> tuple[int, list[Thread]]:
    """Conversations with messages the caller has not read (a message after their read
    marker; their own posts mark the thread read): how many, and the `limit` latest. Reads
    threads and read markers only — never the message or note tables — so it costs the
    same with 50 or 50,000 messages (the client dashboard shows it)."""
    rows = (
        visible_threads(access)
        .filter(last_message_at__isnull=False)
        .annotate(read_at=Coalesce(_last_read(access.user), Value(EPOCH)))
        .filter(last_message_at__gt=F("read_at"))
    )
    recent = rows.select_related("tenant").order_by("-last_message_at", "-id")
    latest: list[Thread] = list(recent[:limit])
    count = len(latest) if len(latest) < limit else rows.count()
    return count, latest


def unread_total(access: TenantAccess) -> int:
    """How many unread messages (and notes, for staff) the caller has across the inbox."""
    rows = threads(access, unread=True)
    return sum(getattr(t, "unread_messages", 0) + getattr(t, "unread_notes", 0) for t in rows)


def unread_in(access: TenantAccess, thread: Thread) -> dict[str, int]:
    user = access.user
    marker = (
        ReadMarker.objects.for_tenant(thread.tenant_id).filter(thread=thread, user=user).first()
    )
    since = marker.read_at if marker else EPOCH
    messages = (
        visible_messages(access, thread).filter(created_at__gt=since).exclude(author=user).count()
    )
    notes = 0
    if reads_notes(access, thread.tenant_id):
        notes = (
            InternalNote.objects.for_tenant(thread.tenant_id)
            .filter(thread=thread, created_at__gt=since)
            .exclude(author=user)
            .count()
        )
    return {"messages": messages, "notes": notes}


# --- messages and the timeline ------------------------------------------------------------


def visible_messages(access: TenantAccess, thread: Thread) -> QuerySet[Message]:
    """The thread's client-visible messages, oldest first (never a note: another table)."""
    if not visible_threads(access).filter(pk=thread.pk).exists():
        raise NotFound("No such conversation.")
    return (
        Message.objects.for_tenant(thread.tenant_id)
        .filter(thread=thread)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Entry:
    """One line of a thread's timeline: a message, or (for staff) an internal note."""

    kind: str  # "message" or "note"
    id: int
    author: User | None
    body: str
    via: str
    created_at: dt.datetime
    attachments: tuple[Any, ...] = ()

    @property
    def is_note(self) -> bool:
        return self.kind == "note"


def thread_timeline(
    access: TenantAccess, thread: Thread, *, after_message: int = 0, after_note: int = 0
) -> list[Entry]:
    """Messages (and, only for provider staff holding WRITE_INTERNAL_NOTES, internal notes)
    in the order they were written. `after_*`: only those newer than the ids already shown
    (the page's polling)."""
    rows = [
        Entry(
            kind="message",
            id=m.pk,
            author=m.author,
            body=m.body,
            via=m.via,
            created_at=m.created_at,
            attachments=tuple(m.attachments.all()),
        )
        for m in visible_messages(access, thread).filter(pk__gt=after_message)
    ]
    if reads_notes(access, thread.tenant_id):
        notes = (
            InternalNote.objects.for_tenant(thread.tenant_id)
            .filter(thread=thread, pk__gt=after_note)
            .select_related("author")
        )
        rows += [
            Entry(
                kind="note",
                id=n.pk,
                author=n.author,
                body=n.body,
                via=n.via,
                created_at=n.created_at,
            )
            for n in notes
        ]
    return sorted(rows, key=lambda e: (e.created_at, e.kind, e.id))


def access_attachment_by_id(access: TenantAccess, attachment_id: int | str) -> MessageAttachment:
    """A message's file, through a thread the caller sees (never another client's)."""
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("No such file.") from exc
    found = (
        MessageAttachment.objects.for_tenants(conversation_tenant_ids(access))
        .filter(pk=pk, message__thread__in=visible_threads(access))
        .first()
    )
    if found is None:
        raise NotFound("No such file.")
    return found


# --- search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    kind: str  # "message" or "note"
    thread: Thread
    author: User | None
    body: str
    created_at: dt.datetime


def search(access: TenantAccess, q: str, *, limit: int = 200) -> list[Hit]:
    """Messages containing `q` in the threads the caller sees, newest first; provider staff
    holding the notes permission also find their notes. A client's search reads messages
    only."""
    q = q.strip()
    if not q:
        return []
    tenants = conversation_tenant_ids(access)
    messages = (
        Message.objects.for_tenants(tenants)
        .filter(body__icontains=q, thread__in=visible_threads(access))
        .select_related("thread", "thread__tenant", "author")
        .order_by("-created_at", "-id")[:limit]
    )
    hits = [Hit("message", m.thread, m.author, m.body, m.created_at) for m in messages]
    staff = note_tenant_ids(access)
    if staff:
        notes = (
            InternalNote.objects.for_tenants(staff)
            .filter(body__icontains=q)
            .select_related("thread", "thread__tenant", "author")
            .order_by("-created_at", "-id")[:limit]
        )
        hits += [Hit("note", n.thread, n.author, n.body, n.created_at) for n in notes]
    hits.sort(key=lambda h: h.created_at, reverse=True)
    return hits[:limit]


# --- who hears of a new message -----------------------------------------------------------


def people_who_see(thread: Thread, *, notes: bool) -> list[User]:
    """Active members of the client's account (its own people and the staff who serve it)
    who may see the thread; with `notes`, only staff who may read internal notes. A client
    member narrowed to named engagements hears only of threads about them."""
    rows = Membership.objects.filter(
        organization_id=thread.tenant_id, is_active=True, user__is_active=True
    ).select_related("user", "organization")
    found = []
    for m in rows:
        perms = ROLE_PERMISSIONS.get(m.role, frozenset()) - m.withheld_permissions()
        if VIEW not in perms:
            continue
        if notes and not (_staff_role(m.role) and NOTES in perms):
            continue
        if not m.sees_all_engagements and not user_sees_thread(m.user, thread):
            continue
        found.append(m.user)
    return sorted(found, key=lambda u: u.username)


def rls_tenant_ids(access: TenantAccess) -> list[int]:
    """What row-level security shows a conversations request: the tenant acted in, the
    clients whose threads the caller sees and, for provider staff, the provider (whose
    chain records internal notes)."""
    ids = {access.tenant.pk, *conversation_tenant_ids(access)}
    if _staff_role(access.role) and access.tenant.provider_id:
        ids.add(int(access.tenant.provider_id))
    return sorted(ids)
