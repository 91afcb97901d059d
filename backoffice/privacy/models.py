"""Privacy: retention rules, legal holds, erasures (the tombstones), data-subject requests
and client offboardings with their certificate of destruction.

Every row carries the CLIENT's tenant: the client is the controller of its data (GDPR), so
its retention rules, holds, requests and offboarding are its own rows, hidden from every
other client by the scoped querysets and row-level security. No row here holds an item's
data: `SubjectRequest.subject_value` is the one personal value kept, and only until the
request is closed (it is blanked when decided).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned
from backoffice.work.models import Engagement, IntakeBatch


class Action(models.TextChoices):
    DELETE = "delete", "Delete the item's data"
    ANONYMISE = "anonymise", "Anonymise (keep fields not marked personal)"


class RetentionRule(TenantOwned):
    """Erase an engagement's items `days` after they were finished (done or cancelled)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.DELETE)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "engagement"], name="privacy_rule_engagement"
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=36500), name="privacy_rule_days"
            ),
            models.CheckConstraint(
                condition=Q(action__in=["delete", "anonymise"]), name="privacy_rule_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.days} days"


class LegalHold(TenantOwned):
    """Nothing under a hold is erased, by retention, request or offboarding, until it is
    released. Scope: the whole client, one engagement, or one intake batch."""

    class Scope(models.TextChoices):
        CLIENT = "client", "Whole client"
        ENGAGEMENT = "engagement", "Engagement"
        BATCH = "batch", "Intake batch"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    batch = models.ForeignKey(
        IntakeBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="client") & Q(engagement__isnull=True) & Q(batch__isnull=True))
                | (Q(scope="engagement") & Q(engagement__isnull=False) & Q(batch__isnull=True))
                | (Q(scope="batch") & Q(batch__isnull=False) & Q(engagement__isnull=True)),
                name="privacy_hold_scope",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="privacy_hold_reason"),
        ]

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class Erasure(TenantOwned):
    """The tombstone of one erasure: what kind, how many of each thing, by whom, when.
    No personal value, no item data; the audit chain carries the same figures."""

    class Kind(models.TextChoices):
        RETENTION = "retention", "Retention rule"
        REQUEST = "request", "Data-subject request"
        OFFBOARDING = "offboarding", "Offboarding"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    counts = models.JSONField(default=dict, help_text="{items, attachments, comments, ...}")
    item_first_id = models.BigIntegerField(null=True, blank=True)
    item_last_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["tenant", "at"], name="privacy_erasure_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["retention", "request", "offboarding"]),
                name="privacy_erasure_kind",
            ),
        ]


class ErasedItem(TenantOwned):
    """One item whose data is gone (the item row stays: billing keeps its id and counts)."""

    item_id = models.BigIntegerField()
    erasure = models.ForeignKey(Erasure, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "item_id"], name="privacy_erased_item"),
        ]


class SubjectRequest(TenantOwned):
    """A data subject's request (access or erasure), decided by the client's admin."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Access (a copy of their data)"
        ERASURE = "erasure", "Erasure"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the client's decision"
        COMPLETED = "completed", "Approved and carried out"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=100, help_text="The item field that names the subject")
    subject_value = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=500, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    items_matched = models.PositiveIntegerField(default=0)
    export_file = models.CharField(max_length=300, blank=True)
    export_sha256 = models.CharField(max_length=64, blank=True)
    erasure = models.ForeignKey(
        Erasure, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["access", "erasure"]), name="privacy_request_kind"
            ),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(decided_at__isnull=True) & ~Q(subject_value=""))
                | (~Q(status="pending") & Q(decided_at__isnull=False) & Q(subject_value="")),
                name="privacy_request_decided",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | ~Q(decision_reason=""),
                name="privacy_request_reason",
            ),
        ]


class Offboarding(TenantOwned):
    """A client leaving: everything it owns exported to an archive, then erased; the row
    is its certificate of destruction once `status` is done."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    stage = models.CharField(max_length=20, default="export")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    archive_file = models.CharField(max_length=300, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    archive_bytes = models.PositiveBigIntegerField(default=0)
    exported = models.JSONField(default=dict, help_text="{file: rows} of the archive")
    erased = models.JSONField(default=dict, help_text="{what: how many} erased")
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    exported_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status="running"), name="privacy_one_offboarding"
            ),
        ]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
