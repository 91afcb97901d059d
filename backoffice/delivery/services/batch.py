"""Sending webhooks in batches: one background job delivers many deliveries of a client.

Fan-out does not queue a job per delivery: it calls `wake(tenant_id)`, which queues the
client's batch sender (`tasks.deliver_due_webhooks`) only when none is queued or running
(the `DeliveryWake` row says so). The sender loops:

1. claim (one short transaction): up to `batch_size()` pending deliveries that are due,
   oldest first, locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (so two senders never
   take the same ones; SQLite serialises writers and has no row locks), and leased — their
   `next_attempt_at` pushed past the time the batch can take, so another sender skips them;
2. send (no transaction open): every claimed delivery through the shared HTTP client of
   the process (`sending.send`: signed, no redirects, short timeouts, the address guard at
   every connection), several at once in threads;
3. record (one short transaction): the tries' log rows in one insert, the deliveries in
   one update — delivered, failed for good, or due again after `retry_delay` (the same
   rules and settings as a single try).

When nothing is due, the sender looks once more with the wake row locked: it deletes the
row (nothing pending), or moves it to the next retry's time and queues itself for then.
A fan-out holds the same row locked until it commits, so a delivery written while the
sender stops is seen by that last look or wakes a new sender.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from backoffice.core.rls import set_rls_tenants
from backoffice.delivery import crypto
from backoffice.delivery.models import DeliveryAttempt, DeliveryWake, WebhookDelivery
from backoffice.delivery.services.endpoints import signing_secrets
from backoffice.delivery.services.sending import (
    LEASE,
    Outcome,
    _Claim,
    _shared_client,
    max_attempts,
    retry_delay,
    send,
)

log = structlog.get_logger("backoffice.delivery")
Status = WebhookDelivery.Status
STALE = timedelta(minutes=10)  # a sender silent this long is presumed dead
BUDGET = timedelta(minutes=2)  # a sender hands over to a fresh job after this long
PER_TRY = 11  # seconds a try may take at most (3 s to connect, 10 s in all, some slack)


def batch_size() -> int:
    return int(getattr(settings, "DELIVERY_BATCH_SIZE", 100))


def concurrency() -> int:
    return max(1, int(getattr(settings, "DELIVERY_SEND_CONCURRENCY", 8)))


def _enqueue(tenant_id: int, at: datetime | None) -> None:
    from backoffice.delivery.tasks import deliver_due_webhooks  # tasks wrap these services

    task = deliver_due_webhooks.using(run_after=at) if at is not None else deliver_due_webhooks
    task.enqueue(tenant_id=tenant_id)


def _locked_wake(tenant_id: int) -> DeliveryWake | None:
    return DeliveryWake.objects.for_tenant(tenant_id).select_for_update().first()


def wake(tenant_id: int, *, now: datetime | None = None) -> bool:
    """Inside the caller's transaction (with the tenant's RLS set): make sure a batch
    sender will look at the client's deliveries now. True when a job was queued."""
    now = now or timezone.now()
    row = _locked_wake(tenant_id)
    if row is None:
        try:
            with transaction.atomic():
                DeliveryWake.objects.create(tenant_id=tenant_id, run_at=now, beat_at=now)
        except IntegrityError:  # a concurrent fan-out made it: lock theirs instead
            row = _locked_wake(tenant_id)
        else:
            _enqueue(tenant_id, None)
            return True
    if row is None:  # gone again meanwhile: the sender stopped; start another
        DeliveryWake.objects.create(tenant_id=tenant_id, run_at=now, beat_at=now)
        _enqueue(tenant_id, None)
        return True
    if row.run_at <= now and row.beat_at >= now - STALE:
        return False  # a sender is queued for now, or running
    row.run_at, row.beat_at = now, now
    row.save(update_fields=["run_at", "beat_at"])
    _enqueue(tenant_id, None)
    return True


def _claim_batch(tenant_id: int, now: datetime) -> list[_Claim]:
    size = batch_size()
    lease = max(LEASE, timedelta(seconds=math.ceil(size / concurrency()) * PER_TRY + 30))
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        ids = list(
            WebhookDelivery.objects.for_tenant(tenant_id)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        WebhookDelivery.objects.for_tenant(tenant_id).filter(pk__in=ids).update(
            next_attempt_at=now + lease
        )
        DeliveryWake.objects.for_tenant(tenant_id).update(beat_at=now)
        rows = (
            WebhookDelivery.objects.for_tenant(tenant_id)
            .select_related("event", "endpoint")
            .filter(pk__in=ids)
            .order_by("id")
        )
        secrets: dict[int, list[str] | str] = {}
        claims = []
        for d in rows:
            if d.endpoint_id not in secrets:
                try:
                    secrets[d.endpoint_id] = signing_secrets(d.endpoint, now=now)
                except crypto.SecretUnreadable as exc:
                    secrets[d.endpoint_id] = str(exc)
            found = secrets[d.endpoint_id]
            if not d.endpoint.is_active:
                claims.append(_Claim(d, [], "Not sent: the endpoint is switched off."))
            elif isinstance(found, str):
                claims.append(_Claim(d, [], found))
            else:
                claims.append(_Claim(d, found, ""))
        return claims


def _send_all(claims: Sequence[_Claim], http: httpx.Client) -> list[Outcome]:
    def one(claim: _Claim) -> Outcome:
        if claim.problem:
            return Outcome(None, 0, claim.problem, "")
        return send(claim, http=http, attempt=claim.delivery.attempts + 1)

    if len(claims) == 1 or concurrency() == 1:
        return [one(c) for c in claims]
    with ThreadPoolExecutor(min(concurrency(), len(claims))) as pool:
        return list(pool.map(one, claims))


def _record_batch(
    tenant_id: int, claims: Sequence[_Claim], outcomes: Sequence[Outcome], started_at: datetime
) -> None:
    """The tries' log rows in one insert, the deliveries in one update."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        fresh = {
            d.pk: d
            for d in WebhookDelivery.objects.for_tenant(tenant_id)
            .select_for_update()
            .filter(pk__in=[c.delivery.pk for c in claims])
            .order_by("id")
        }
        attempts, changed = [], []
        for claim, outcome in zip(claims, outcomes, strict=True):
            d = fresh[claim.delivery.pk]
            done_at = started_at + timedelta(milliseconds=outcome.duration_ms)
            d.attempts += 1
            attempts.append(
                DeliveryAttempt(
                    tenant_id=tenant_id,
                    delivery=d,
                    number=d.attempts,
                    manual=False,
                    started_at=started_at,
                    duration_ms=outcome.duration_ms,
                    status_code=outcome.status_code,
                    succeeded=outcome.succeeded,
                    error=outcome.error[:300],
                    response_excerpt=outcome.excerpt,
                )
            )
            d.last_status_code = outcome.status_code
            if outcome.succeeded:
                d.status, d.delivered_at, d.next_attempt_at = Status.DELIVERED, done_at, None
            elif claim.problem or d.attempts >= max_attempts():
                d.status, d.next_attempt_at = Status.FAILED, None
            else:
                d.next_attempt_at = done_at + timedelta(seconds=retry_delay(d.attempts))
            changed.append(d)
        DeliveryAttempt.objects.bulk_create(attempts)
        WebhookDelivery.objects.for_tenant(tenant_id).bulk_update(
            changed,
            ["attempts", "last_status_code", "status", "delivered_at", "next_attempt_at"],
        )


def _stop(tenant_id: int, now: datetime) -> bool:
    """The last look, with the wake row locked: True when something became due (go on);
    else the row is deleted, or moved to the next retry with a sender queued for then."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        row = _locked_wake(tenant_id)
        pending = WebhookDelivery.objects.for_tenant(tenant_id).filter(status=Status.PENDING)
        if pending.filter(next_attempt_at__lte=now).exists():
            return True
        following = pending.aggregate(at=Min("next_attempt_at"))["at"]
        if following is None:
            if row is not None:
                row.delete()
            return False
        if row is None:
            DeliveryWake.objects.create(tenant_id=tenant_id, run_at=following, beat_at=now)
            _enqueue(tenant_id, following)
        elif row.run_at != following:
            row.run_at, row.beat_at = following, now
            row.save(update_fields=["run_at", "beat_at"])
            _enqueue(tenant_id, following)
        return False


def deliver_due(
    *, tenant_id: int, http: httpx.Client | None = None, now: datetime | None = None
) -> int:
    """The batch sender's body: deliver the client's due deliveries in batches until none
    is due (or the time budget is spent, when a fresh job takes over); tries made."""
    started = timezone.now()
    tried = 0
    while True:
        at = now or timezone.now()
        claims = _claim_batch(tenant_id, at)
        if not claims:
            if _stop(tenant_id, at) and now is None:
                continue
            return tried
        outcomes = _send_all(claims, http or _shared_client())
        _record_batch(tenant_id, claims, outcomes, at)
        tried += len(claims)
        if now is not None:
            continue  # a fixed clock (tests): loop until nothing is due at that time
        if timezone.now() - started > BUDGET:
            with transaction.atomic():
                set_rls_tenants([tenant_id])
                _enqueue(tenant_id, None)
            log.info("delivery.batch_handover", tenant=tenant_id, tried=tried)
            return tried
