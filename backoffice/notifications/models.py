"""Notifications: who wants which mail, what was sent, what was queued, what came in.

Every row belongs to the tenant of the thread it is about (a client's thread: the client),
so a person's preferences are per organization they belong to. Threads and messages are
named by id only (they live in `conversations`, which never needs to know about mail).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned


class Kind(models.TextChoices):
    """What a notification is about; each has its own preference."""

    MESSAGES = "messages", "New messages in conversations I follow"
    MENTIONS = "mentions", "Someone mentions me"


class Mode(models.TextChoices):
    IMMEDIATELY = "immediately", "Immediately, one email per message"
    DIGEST = "digest", "Once a day, in a digest"
    OFF = "off", "Never"


class Preference(TenantOwned):
    """How one person wants one kind of notification from one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "kind"], name="notif_pref_one_per_kind"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="notif_pref_kind_known"),
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="notif_pref_mode_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"


class OutboundEmail(TenantOwned):
    """One mail sent (or to be sent) to one person: the outbound log."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"

    class Sort(models.TextChoices):
        MESSAGE = "message", "A new message"
        DIGEST = "digest", "Daily digest"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_address = models.EmailField()
    sort = models.CharField(max_length=10, choices=Sort.choices)
    # For a single message: which one ("message:12" / "note:7"); digests leave it empty.
    source = models.CharField(max_length=40, blank=True)
    thread_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=255, help_text="The mail's Message-ID header")
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    tried_at = models.DateTimeField(null=True, blank=True, help_text="The last try began")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "message_id"], name="notif_out_msgid"),
            # A message is mailed to a person once, however often its signal arrives.
            models.UniqueConstraint(
                fields=["tenant", "user", "source"],
                condition=~Q(source=""),
                name="notif_out_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed"]),
                name="notif_out_status_known",
            ),
            models.CheckConstraint(
                condition=(Q(sort="message") & ~Q(source="")) | (Q(sort="digest") & Q(source="")),
                name="notif_out_source_per_sort",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notif_out_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.to_address}: {self.status}"


class DigestEntry(TenantOwned):
    """A message waiting for a person's next daily digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=40)
    thread_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    digest = models.ForeignKey(
        OutboundEmail, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "source"], name="notif_digest_once_per_source"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user", "digest"])]

    def __str__(self) -> str:
        return f"{self.source} for {self.user_id}"


class InboundEmail(TenantOwned):
    """A reply that came in by mail and was posted to its thread (idempotency by Message-ID)."""

    message_id = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    thread_id = models.BigIntegerField()
    posted = models.CharField(max_length=40, help_text="What it became, e.g. message:12")
    attachments = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "message_id"], name="notif_in_msgid"),
        ]

    def __str__(self) -> str:
        return self.message_id
