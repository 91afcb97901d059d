"""Every change to conversations: start a thread, post a message or an internal note,
mark a thread read. Keyword-only functions, one transaction each, the audit event inside.

The public entry points other apps call (the portal, the email app):

* `thread_for(tenant_id=, subject_kind=, subject_id=, actor=)` — the subject's thread,
  made on first use (one per subject: a unique key, and a lost race reads the winner's);
* `post_message(thread=, actor=, body=, internal=False, attachments=(), via="web",
  email_message_id=None)` — a client-visible `Message`, or an `InternalNote` with
  `internal=True`; mentions and the author's read marker in the same transaction; the
  `hooks.message_posted` signal after commit with the people to tell.

Mentions: `@username` of someone who may see the thread (for a note, staff who may read
notes) is stored and that person is told; any other `@word` is left as plain text and
nobody is told — a mention never reveals a thread, or a note, to anyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from backoffice.conversations import events, hooks, selectors
from backoffice.conversations.error_codes import ErrorCode
from backoffice.conversations.models import (
    InternalNote,
    Message,
    MessageAttachment,
    MessageMention,
    NoteMention,
    ReadMarker,
    SubjectKind,
    Thread,
    Via,
)
from backoffice.core.errors import DomainError, Forbidden
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Perm
from backoffice.work.models import Engagement, IntakeBatch, WorkItem
from backoffice.work.services.attachments import (
    UploadProblem,
    check_upload,
    upload_name,
    upload_type,
)

MAX_BODY = 20_000
MAX_FILES = 10
MENTION = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9_.+-]*[A-Za-z0-9_])")


# --- threads ------------------------------------------------------------------------------


def _no_subject() -> DomainError:
    return DomainError(
        "There is nothing to talk about there: no such subject.",
        code=ErrorCode.UNKNOWN_SUBJECT,
        fields={"subject_id": ["not found"]},
        status=404,
    )


def subject_title(*, tenant_id: int, subject_kind: str, subject_id: int) -> str:
    """What the thread is about, in words; unknown subjects are refused in words."""
    missing = _no_subject()
    if subject_kind == SubjectKind.ITEM:
        item = WorkItem.objects.for_tenant(tenant_id).filter(pk=subject_id).first()
        if item is None:
            raise missing
        return f"Item {item.external_ref}"[:200]
    if subject_kind == SubjectKind.BATCH:
        batch = IntakeBatch.objects.for_tenant(tenant_id).filter(pk=subject_id).first()
        if batch is None:
            raise missing
        return f"Batch {batch.pk} ({batch.source})"[:200]
    if subject_kind == SubjectKind.ENGAGEMENT:
        engagement = Engagement.objects.for_tenant(tenant_id).filter(pk=subject_id).first()
        if engagement is None:
            raise missing
        return f"Engagement {engagement.name}"[:200]
    if subject_kind == SubjectKind.ACCOUNT:
        org = Organization.objects.filter(pk=tenant_id, kind=Organization.Kind.CLIENT).first()
        if org is None or subject_id != tenant_id:
            raise missing
        return f"{org.name} account"[:200]
    if subject_kind == SubjectKind.REQUEST:
        resolve = hooks.subject_resolver(SubjectKind.REQUEST)
        title = resolve(tenant_id, subject_id) if resolve else f"Project request {subject_id}"
        if title is None:
            raise missing
        return title[:200]
    raise DomainError(
        "A conversation is about an item, a batch, an engagement, the account or a project "
        "request.",
        code=ErrorCode.INVALID_SUBJECT_KIND,
        fields={"subject_kind": ["not one of these"]},
    )


def thread_for(*, tenant_id: int, subject_kind: str, subject_id: int, actor: User | None) -> Thread:
    """The subject's thread, started now if it has none (idempotent: one per subject).

    `actor` must be able to see the client's conversations (None: the system, e.g. the
    email app after it has authenticated the sender itself).
    """
    if actor is not None and selectors.VIEW not in selectors.user_perms(actor, tenant_id):
        raise Forbidden(
            "You may not see this client's conversations.", code=ErrorCode.CANNOT_SEE_THREAD
        )
    title = subject_title(tenant_id=tenant_id, subject_kind=subject_kind, subject_id=subject_id)
    if actor is not None and not selectors.user_reaches_subject(
        actor, tenant_id, subject_kind, subject_id
    ):
        # A member narrowed to other engagements: as if there were no such subject.
        raise _no_subject()
    found = _existing(tenant_id, subject_kind, subject_id)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
                tenant_id=tenant_id,
                subject_kind=subject_kind,
                subject_id=subject_id,
                title=title,
                created_by=actor,
                created_at=timezone.now(),
            )
            events.record(tenant=tenant_id, actor=actor, event=events.thread_started(thread))
    except IntegrityError:
        # Someone started it a moment ago: theirs is the one.
        found = _existing(tenant_id, subject_kind, subject_id)
        if found is None:
            raise
        return found
    return thread


def _existing(tenant_id: int, kind: str, subject_id: int) -> Thread | None:
    return (
        Thread.objects.for_tenant(tenant_id)
        .filter(subject_kind=kind, subject_id=subject_id)
        .first()
    )


# --- messages and notes -------------------------------------------------------------------


def post_message(
    *,
    thread: Thread,
    actor: User,
    body: str,
    internal: bool = False,
    attachments: Sequence[Any] = (),
    via: str = "web",
    email_message_id: str | None = None,
) -> Message | InternalNote:
    """Post in the thread: a client-visible message, or with `internal` a provider's note.

    Refused in words, with nothing written: no text, text too long, a role that may not
    post (or write notes), files too large or of a type not accepted, files on a note. An
    email delivered twice (same `email_message_id` for this client) returns what the first
    delivery posted.
    """
    text = check_body(body)
    if via not in Via.values:
        raise DomainError(
            "A message comes from the web, the API or email.", code=ErrorCode.INVALID_VIA
        )
    _require_may_post(thread, actor, internal=internal)
    if internal:
        if attachments:
            raise DomainError(
                "Internal notes take no files; attach them to a message instead.",
                code=ErrorCode.NOTE_NO_FILES,
                fields={"files": ["not on a note"]},
            )
    else:
        _check_files(attachments)
    if not email_message_id:
        if internal:
            return _post_note(thread, actor, text, via, "")
        return _post_visible(thread, actor, text, via, "", attachments)
    already = _by_email_id(thread.tenant_id, email_message_id)
    if already is not None:
        return already
    try:
        if internal:
            return _post_note(thread, actor, text, via, email_message_id)
        return _post_visible(thread, actor, text, via, email_message_id, attachments)
    except IntegrityError:
        already = _by_email_id(thread.tenant_id, email_message_id)
        if already is None:
            raise
        return already


def check_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise DomainError(
            "Write a message first.", code=ErrorCode.EMPTY_MESSAGE, fields={"body": ["required"]}
        )
    if len(text) > MAX_BODY:
        raise DomainError(
            f"A message may have up to {MAX_BODY:,} characters; this one has {len(text):,}.",
            code=ErrorCode.MESSAGE_TOO_LONG,
            fields={"body": [f"at most {MAX_BODY:,} characters"]},
        )
    return text


def _require_may_post(thread: Thread, actor: User, *, internal: bool) -> None:
    perms = selectors.user_perms(actor, thread.tenant_id)
    if internal:
        if not selectors.user_reads_notes(actor, thread.tenant_id):
            raise Forbidden(
                "Only the provider's staff write internal notes.",
                code=ErrorCode.CANNOT_WRITE_NOTES,
            )
        return
    if Perm.POST_MESSAGES not in perms:
        raise Forbidden("Your role may not post in this conversation.", code=ErrorCode.CANNOT_POST)
    if not selectors.user_sees_thread(actor, thread):
        raise Forbidden("You may not see this conversation.", code=ErrorCode.CANNOT_SEE_THREAD)


def _by_email_id(tenant_id: int, email_message_id: str) -> Message | InternalNote | None:
    """What an email with this Message-ID already became in this client (a message or,
    from staff, a note)."""
    key = email_message_id[:255]
    found = Message.objects.for_tenant(tenant_id).filter(email_message_id=key).first()
    if found is None:
        return InternalNote.objects.for_tenant(tenant_id).filter(email_message_id=key).first()
    return found


def _post_visible(
    thread: Thread,
    actor: User,
    text: str,
    via: str,
    email_message_id: str,
    attachments: Sequence[Any],
) -> Message:
    with transaction.atomic():
        now = timezone.now()
        message = Message.objects.create(
            tenant_id=thread.tenant_id,
            thread=thread,
            author=actor,
            body=text,
            via=via,
            email_message_id=email_message_id[:255],
            created_at=now,
        )
        for upload in attachments:
            _store_file(message, upload)
        mentioned = _mentions(thread, text, notes=False)
        MessageMention.objects.bulk_create(
            [
                MessageMention(tenant_id=thread.tenant_id, thread=thread, message=message, user=u)
                for u in mentioned
            ]
        )
        Thread.objects.for_tenant(thread.tenant_id).filter(pk=thread.pk).update(last_message_at=now)
        thread.last_message_at = now
        _mark(thread, actor, now)
        events.record(
            tenant=thread.tenant_id,
            actor=actor,
            event=events.message_posted(
                message, attachments=len(attachments), mentions=len(mentioned)
            ),
        )
        recipients = _recipients(thread, actor, mentioned, notes=False)
        transaction.on_commit(lambda: _announce(Message, message, thread, recipients))
    return message


def _post_note(
    thread: Thread, actor: User, text: str, via: str, email_message_id: str
) -> InternalNote:
    with transaction.atomic():
        now = timezone.now()
        note = InternalNote.objects.create(
            tenant_id=thread.tenant_id,
            thread=thread,
            author=actor,
            body=text,
            via=via,
            email_message_id=email_message_id[:255],
            created_at=now,
        )
        mentioned = _mentions(thread, text, notes=True)
        NoteMention.objects.bulk_create(
            [
                NoteMention(tenant_id=thread.tenant_id, thread=thread, note=note, user=u)
                for u in mentioned
            ]
        )
        Thread.objects.for_tenant(thread.tenant_id).filter(pk=thread.pk).update(last_note_at=now)
        thread.last_note_at = now
        _mark(thread, actor, now)
        provider_id = _provider_of(thread.tenant_id)
        events.record(
            tenant=provider_id,
            actor=actor,
            event=events.note_posted(note, client_id=thread.tenant_id, mentions=len(mentioned)),
        )
        recipients = _recipients(thread, actor, mentioned, notes=True)
        transaction.on_commit(lambda: _announce(InternalNote, note, thread, recipients))
    return note


def _provider_of(tenant_id: int) -> int:
    org = Organization.objects.get(pk=tenant_id)
    return int(org.provider_id or org.pk)


def _announce(sender: type, message: Any, thread: Thread, recipients: list[User]) -> None:
    hooks.message_posted.send(sender=sender, message=message, thread=thread, recipients=recipients)


def _mentions(thread: Thread, text: str, *, notes: bool) -> list[User]:
    """The people named with @username who may see what is written (else not mentioned)."""
    names = {m.group(1).lower() for m in MENTION.finditer(text)}
    if not names:
        return []
    found = []
    people = User.objects.annotate(lname=Lower("username")).filter(lname__in=names, is_active=True)
    for user in people:
        if notes:
            if selectors.user_reads_notes(user, thread.tenant_id):
                found.append(user)
        elif selectors.user_sees_thread(user, thread):
            found.append(user)
    return sorted(found, key=lambda u: u.username)


def _recipients(thread: Thread, actor: User, mentioned: list[User], *, notes: bool) -> list[User]:
    people = {u.pk: u for u in selectors.people_who_see(thread, notes=notes)}
    for user in mentioned:
        people.setdefault(user.pk, user)
    people.pop(actor.pk, None)
    return sorted(people.values(), key=lambda u: u.username)


# --- files --------------------------------------------------------------------------------


def _check_files(uploads: Sequence[Any]) -> None:
    """Every file is checked before anything is written (the work app's limits and types)."""
    if len(uploads) > MAX_FILES:
        raise DomainError(
            f"A message may carry up to {MAX_FILES} files.",
            code=ErrorCode.TOO_MANY_FILES,
            fields={"files": [f"at most {MAX_FILES}"]},
        )
    for upload in uploads:
        try:
            check_upload(upload)
        except UploadProblem as problem:
            raise _worded(problem) from None


def _worded(problem: UploadProblem) -> DomainError:
    """The work app's refusal of a file, in a message's words."""
    name = problem.name
    if problem.reason == UploadProblem.TOO_LARGE:
        return DomainError(
            f"{name} is larger than {problem.limit_mb} MB.",
            code=ErrorCode.ATTACHMENT_TOO_LARGE,
            fields={"files": [f"{name} is too large"]},
        )
    if problem.reason == UploadProblem.EMPTY:
        return DomainError(
            f"{name} is empty.",
            code=ErrorCode.ATTACHMENT_EMPTY,
            fields={"files": [f"{name} is empty"]},
        )
    return DomainError(
        f"{name}: this type of file is not accepted (PDF, images, text, CSV, "
        "email or audio files are).",
        code=ErrorCode.ATTACHMENT_TYPE,
        fields={"files": [f"{name} is not an accepted type"]},
    )


def _store_file(message: Message, upload: Any) -> MessageAttachment:
    name = upload_name(upload)
    attachment = MessageAttachment(
        tenant_id=message.tenant_id,
        message=message,
        name=name,
        content_type=upload_type(upload),
        size=upload.size,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


# --- read markers -------------------------------------------------------------------------


def mark_read(*, thread: Thread, user: User) -> None:
    """Everything in the thread up to now counts as read by `user`.

    A read marker is the reader's own view state, not a change to the conversation: it
    writes no audit event (opening a thread would otherwise fill the client's chain).
    """
    with transaction.atomic():
        _mark(thread, user, timezone.now())


def _mark(thread: Thread, user: User, at: Any) -> None:
    updated = (
        ReadMarker.objects.for_tenant(thread.tenant_id)
        .filter(thread=thread, user=user)
        .update(read_at=at)
    )
    if not updated:
        try:
            with transaction.atomic():
                ReadMarker.objects.create(
                    tenant_id=thread.tenant_id, thread=thread, user=user, read_at=at
                )
        except IntegrityError:
            ReadMarker.objects.for_tenant(thread.tenant_id).filter(thread=thread, user=user).update(
                read_at=at
            )
