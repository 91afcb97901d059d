"""Conversations: one thread per subject (an item, a batch, an engagement, the client's
account, a project request), client-visible messages and the provider's internal notes.

Every row carries the CLIENT's tenant (the one the thread is about), so row-level security
and the scoped querysets treat them like the client's work items.

Messages and internal notes are different tables on purpose: a page or endpoint a client
can reach reads `Message` only, so a note cannot leak through a forgotten filter or a
template flag. Mentions and read markers are per user.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned


class SubjectKind(models.TextChoices):
    ITEM = "item", "Item"
    BATCH = "batch", "Intake batch"
    ENGAGEMENT = "engagement", "Engagement"
    ACCOUNT = "account", "Account"
    REQUEST = "request", "Project request"


class Via(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    EMAIL = "email", "Email"


class Thread(TenantOwned):
    """The conversation about one subject of one client; made on its first message.

    `subject_id` is the subject's primary key (for the account, the client's own id).
    `last_message_at` follows client-visible messages only; `last_note_at` the internal
    notes (never shown to a client, so a note does not even move a client's inbox).
    """

    subject_kind = models.CharField(max_length=12, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_note_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "subject_kind", "subject_id"], name="conv_thread_subject"
            ),
            models.CheckConstraint(
                condition=Q(subject_kind__in=SubjectKind.values), name="conv_thread_kind"
            ),
            models.CheckConstraint(condition=Q(subject_id__gt=0), name="conv_thread_subject_id"),
        ]
        indexes = [
            models.Index(fields=["tenant", "last_message_at"], name="conv_thread_recent"),
        ]

    def __str__(self) -> str:
        return self.title


def message_file_path(instance: MessageAttachment, filename: str) -> str:
    return f"conversations/{instance.tenant_id}/{instance.message_id}/{filename}"


class Message(TenantOwned):
    """A message the client and the provider both see."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    via = models.CharField(max_length=5, choices=Via.choices, default=Via.WEB)
    email_message_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email_message_id"],
                condition=~Q(email_message_id=""),
                name="conv_message_email_id",
            ),
            models.CheckConstraint(condition=Q(via__in=Via.values), name="conv_message_via"),
            models.CheckConstraint(condition=~Q(body=""), name="conv_message_body"),
        ]
        indexes = [
            models.Index(fields=["tenant", "thread", "created_at"], name="conv_message_thread"),
        ]

    def __str__(self) -> str:
        return self.body[:40]


class InternalNote(TenantOwned):
    """The provider's own note on a thread. No client-facing query ever reads this table."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    via = models.CharField(max_length=5, choices=Via.choices, default=Via.WEB)
    email_message_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email_message_id"],
                condition=~Q(email_message_id=""),
                name="conv_note_email_id",
            ),
            models.CheckConstraint(condition=Q(via__in=Via.values), name="conv_note_via"),
            models.CheckConstraint(condition=~Q(body=""), name="conv_note_body"),
        ]
        indexes = [
            models.Index(fields=["tenant", "thread", "created_at"], name="conv_note_thread"),
        ]

    def __str__(self) -> str:
        return self.body[:40]


class MessageAttachment(TenantOwned):
    """A file on a client-visible message, checked like an item's files before it is kept."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=message_file_path, max_length=500)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="conv_attachment_size"),
        ]
        indexes = [models.Index(fields=["tenant", "message"], name="conv_attachment_message")]

    def __str__(self) -> str:
        return self.name


class MessageMention(TenantOwned):
    """`@username` in a client-visible message, of someone who may see the thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "message", "user"], name="conv_message_mention"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user", "thread"], name="conv_mention_user")]


class NoteMention(TenantOwned):
    """`@username` in an internal note, of provider staff who may read notes (a client
    user named in a note is not mentioned: nothing is stored, nobody is told)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(InternalNote, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "note", "user"], name="conv_note_mention"),
        ]
        indexes = [models.Index(fields=["tenant", "user", "thread"], name="conv_notemention_user")]


class ReadMarker(TenantOwned):
    """Up to when a person has read a thread: what came later (from others) is unread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "thread", "user"], name="conv_read_marker"),
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="conv_read_user")]
