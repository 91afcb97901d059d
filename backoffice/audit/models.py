"""Append-only, hash-chained event log, one chain per tenant."""

from django.conf import settings
from django.db import models

from backoffice.core.scoping import TenantOwned, trigger_checked_tenant


class AuditEvent(TenantOwned):
    """One recorded change. `hash` covers every field and the previous event's hash.

    A tenant's chain may run in several lanes: lane 0 takes every change by default, and
    the hottest paths (an agent's claims) append to a lane of their own so that agents do
    not queue behind one chain head. Each lane is a complete hash chain, verified alone.
    """

    # References checked per statement on PostgreSQL (audit migration 0005), not per row:
    # a per-row check takes a share lock on the tenant's organization row, and every agent
    # of a client claiming at once queued on that one row.
    tenant = trigger_checked_tenant()
    lane = models.PositiveSmallIntegerField(default=0)
    seq = models.BigIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lane", "seq"], name="audit_event_lane_seq_unique"
            ),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_event_seq_positive"),
        ]
        indexes = [
            models.Index(fields=["tenant", "object_type", "object_id"]),
            models.Index(fields=["tenant", "at"]),
        ]

    @property
    def number(self) -> str:
        """The event's place in its chain: `12`, or `3.12` in lane 3."""
        return f"{self.lane}.{self.seq}" if self.lane else str(self.seq)

    def __str__(self) -> str:
        return f"#{self.number} {self.action}"


class AuditChainHead(TenantOwned):
    """The last link of a tenant's chain (one per lane); locked while appending so links
    never fork."""

    lane = models.PositiveSmallIntegerField(default=0)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "lane"], name="audit_head_one_per_lane")
        ]

    def __str__(self) -> str:
        return f"head {self.tenant_id}/{self.lane}@{self.last_seq}"
