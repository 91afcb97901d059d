"""Results delivery: exports of finished work and signed outgoing webhooks.

Every row carries the CLIENT's tenant (the owner of the work it delivers), so the scoped
querysets and row-level security hide it from every other client:

* `ResultsExport` — one requested export (a batch, or an engagement over a period, in one
  format); its file is streamed afresh from the finished items on every download.
* `WebhookEndpoint` — where a client wants to be told (URL, events, active) and the secret
  its payloads are signed with, stored encrypted (`crypto.py`) and shown once.
* `WebhookEvent` — one thing that happened (an item or a batch completed) with the exact
  body every endpoint receives; unique per object, so a batch found complete twice is told
  once.
* `WebhookDelivery` — one event to one endpoint: pending, delivered or failed, with
  `DeliveryAttempt` rows, one per try (the delivery log).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from backoffice.core.scoping import TenantOwned


class EventType(models.TextChoices):
    ITEM_COMPLETED = "item.completed", "An item is done"
    BATCH_COMPLETED = "batch.completed", "A batch is finished"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV (spreadsheet text)"
    JSONL = "jsonl", "JSON Lines"
    XLSX = "xlsx", "Excel workbook"


class ResultsExport(TenantOwned):
    """The finished items of one batch, or of one engagement over a period, in one format."""

    engagement = models.ForeignKey("work.Engagement", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(
        "work.IntakeBatch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True, help_text="Exclusive")
    format = models.CharField(max_length=10, choices=ExportFormat.choices)
    item_count = models.PositiveIntegerField(default=0, help_text="Finished items when made")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=["csv", "jsonl", "xlsx"]), name="delivery_export_format"
            ),
            # Either a batch, or a period with both ends in the right order — never both.
            models.CheckConstraint(
                condition=(
                    Q(batch__isnull=False)
                    & Q(period_start__isnull=True)
                    & Q(period_end__isnull=True)
                )
                | (
                    Q(batch__isnull=True)
                    & Q(period_start__isnull=False)
                    & Q(period_end__gt=F("period_start"))
                ),
                name="delivery_export_batch_or_period",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="delivery_export_recent")]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.format})"


class WebhookEndpoint(TenantOwned):
    """A client's receiver of signed event notifications."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text='e.g. ["item.completed"]')
    is_active = models.BooleanField(default=True)
    # Fernet tokens (see crypto.py); the plain secret is shown once and never stored.
    secret_encrypted = models.TextField()
    secret_hint = models.CharField(max_length=12, help_text="The secret's last characters")
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["url", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "url"], name="delivery_endpoint_url"),
            models.CheckConstraint(
                condition=Q(url__startswith="https://") | Q(url__startswith="http://"),
                name="delivery_endpoint_http",
            ),
            # A previous secret exists only with the end of its grace window.
            models.CheckConstraint(
                condition=(
                    Q(previous_secret_encrypted="") & Q(previous_secret_expires_at__isnull=True)
                )
                | (~Q(previous_secret_encrypted="") & Q(previous_secret_expires_at__isnull=False)),
                name="delivery_endpoint_grace",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def subscribes(self, event_type: str) -> bool:
        return event_type in self.events


class WebhookEvent(TenantOwned):
    """Something that happened, with the exact JSON body every endpoint receives."""

    type = models.CharField(max_length=30, choices=EventType.choices)
    object_id = models.BigIntegerField(help_text="The item's or the batch's id")
    body = models.TextField(help_text="The payload, serialised once: what is signed and sent")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "type", "object_id"], name="delivery_event_once"
            ),
            models.CheckConstraint(
                condition=Q(type__in=["item.completed", "batch.completed"]),
                name="delivery_event_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"

    @property
    def public_id(self) -> str:
        return f"evt_{self.pk}"


class WebhookDelivery(TenantOwned):
    """One event to one endpoint, tried until it is accepted or the tries run out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "event", "endpoint"], name="delivery_delivery_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]),
                name="delivery_delivery_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="delivery_delivered_at",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "endpoint", "created_at"], name="delivery_delivery_endpoint"
            ),
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class DeliveryAttempt(TenantOwned):
    """One try of a delivery: what the receiver answered, how long it took, what failed."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    manual = models.BooleanField(default=False, help_text="Started by a person (redelivery)")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField()
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "delivery", "number"], name="delivery_attempt_number"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="delivery_attempt_positive"),
            models.CheckConstraint(
                condition=~Q(succeeded=True) | Q(status_code__gte=200, status_code__lt=300),
                name="delivery_attempt_success_is_2xx",
            ),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"


class DeliveryWake(TenantOwned):
    """A client's batch sender is queued (to run at `run_at`) or running: fan-out enqueues
    one only when there is none, so one job delivers many completions. Its row is locked
    by the fan-out that reads it and by the sender's last look before it deletes it, so a
    delivery written meanwhile is never left without a sender."""

    run_at = models.DateTimeField()
    beat_at = models.DateTimeField(help_text="The sender's last sign of life")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="delivery_wake_one")]

    def __str__(self) -> str:
        return f"wake {self.tenant_id} at {self.run_at}"
