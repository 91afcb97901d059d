"""The vault's rows: data keys (wrapped), blind-index digests and rotation jobs.

No key is ever stored in the clear: `DataKey.wrapped` is the data key sealed under the
master key, which lives outside the database. Destroying a key (crypto-shredding) blanks
`wrapped` for good; the row stays as the record that the key existed and when it died.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backoffice.core.scoping import TenantOwned


class DataKey(TenantOwned):
    """One version of a tenant's data key. The newest `active` one seals new values; the
    older `retiring` ones still open what they sealed until a rotation has re-sealed it."""

    class State(models.TextChoices):
        ACTIVE = "active", "In use"
        RETIRING = "retiring", "Being replaced"
        RETIRED = "retired", "Replaced"
        DESTROYED = "destroyed", "Destroyed"

    version = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    wrapped = models.BinaryField(help_text="The data key sealed under the master key")
    master_key_id = models.CharField(max_length=16, help_text="Which master key wraps it")
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version"], name="vault_key_version_unique"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(state="active"),
                name="vault_one_active_key",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="vault_key_version_min"),
            models.CheckConstraint(
                condition=Q(state="destroyed") | ~Q(master_key_id=""),
                name="vault_key_wrapped_unless_destroyed",
            ),
        ]

    @property
    def kid(self) -> str:
        return f"v{self.version}"

    def __str__(self) -> str:
        return f"data key {self.kid}"


class BlindIndex(TenantOwned):
    """An exact-match search digest of one sensitive field of one record: a keyed
    HMAC-SHA256 of the normalised value, truncated, never the value."""

    record_type = models.CharField(max_length=40)  # e.g. "work.item"
    record_id = models.BigIntegerField()
    field = models.CharField(max_length=100)
    digest = models.CharField(max_length=32)
    key_version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "record_type", "record_id", "field"],
                name="vault_blind_index_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "record_type", "field", "digest"], name="vault_blind_lookup"
            )
        ]


class RotationJob(TenantOwned):
    """A data-key rotation: re-seal every value of the tenant under the new key version,
    in chunks, by the background worker; `done`/`total` are its progress."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    from_version = models.PositiveIntegerField()
    to_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    cursor = models.JSONField(default=dict, help_text="{store: last record id re-sealed}")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status="running"),
                name="vault_one_running_rotation",
            ),
        ]
        ordering = ["-started_at", "-pk"]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
