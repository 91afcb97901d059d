"""Stored responses for Idempotency-Key retries."""

from django.db import models

from backoffice.core.scoping import TenantOwned


class IdempotencyRecord(TenantOwned):
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return self.key
