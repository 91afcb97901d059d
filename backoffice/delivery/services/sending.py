"""Sending one delivery: claim it, POST the signed body, log the attempt, decide what next.

A try runs in three steps so that no row lock is held while the network is waited on:

1. claim (a short transaction): the delivery is locked, must still be pending and due, and
   is leased (`next_attempt_at` pushed `LEASE` ahead) so a second worker skips it;
2. send (no transaction): `POST` the event's stored body with the signature header, no
   redirects, short timeouts, through the address guard (`targets.py`);
3. record (a short transaction): the attempt row (status code, duration, error, the first
   500 characters of the answer), and the delivery is delivered, scheduled again after
   `retry_delay`, or failed once `max_attempts()` tries are used.

A 2xx answer is success; anything else (3xx included: redirects are not followed), a
timeout or a refused connection is a failure.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.delivery import crypto, events, signing, targets
from backoffice.delivery.error_codes import ErrorCode
from backoffice.delivery.models import DeliveryAttempt, WebhookDelivery
from backoffice.delivery.services.endpoints import signing_secrets
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

LEASE = timedelta(seconds=60)
EXCERPT = 500
Status = WebhookDelivery.Status


def max_attempts() -> int:
    return int(getattr(settings, "DELIVERY_MAX_ATTEMPTS", 8))


def retry_delay(
    attempt: int, *, base: float | None = None, cap: float | None = None, rand: Any = random
) -> float:
    """Seconds to wait after failed try number `attempt` (1, 2, …): exponential backoff,
    `base * 2**(attempt-1)` capped at `cap`, with "equal jitter" — half of it fixed, the
    other half random — so that many failing deliveries do not all come back at once."""
    base = float(getattr(settings, "DELIVERY_RETRY_BASE_SECONDS", 30) if base is None else base)
    cap = float(getattr(settings, "DELIVERY_RETRY_CAP_SECONDS", 6 * 3600) if cap is None else cap)
    step = min(cap, base * 2 ** max(0, attempt - 1))
    return step / 2 + rand.uniform(0, step / 2)


def schedule(delivery: WebhookDelivery, *, at: datetime | None, manual: bool = False) -> None:
    """Queue the background job that tries `delivery` at `at` (None: as soon as possible),
    in the caller's transaction (the job row commits with it)."""
    from backoffice.delivery.tasks import deliver_webhook  # tasks wrap these services

    task = deliver_webhook.using(run_after=at) if at is not None else deliver_webhook
    task.enqueue(delivery_id=delivery.pk, tenant_id=delivery.tenant_id, manual=manual)


@dataclass
class _Claim:
    delivery: WebhookDelivery
    secrets: list[str]
    problem: str  # set when the try cannot even start (switched off, unreadable secret)


@dataclass
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str
    excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _claim(delivery_id: int, tenant_id: int, now: datetime) -> _Claim | None:
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        d = (
            WebhookDelivery.objects.for_tenant(tenant_id)
            .select_for_update(of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if d is None or d.status != Status.PENDING:
            return None
        if d.next_attempt_at is not None and d.next_attempt_at > now + timedelta(seconds=2):
            return None  # not due yet, or another worker holds the lease
        d.next_attempt_at = now + LEASE
        d.save(update_fields=["next_attempt_at"])
        if not d.endpoint.is_active:
            return _Claim(d, [], "Not sent: the endpoint is switched off.")
        try:
            return _Claim(d, signing_secrets(d.endpoint, now=now), "")
        except crypto.SecretUnreadable as exc:
            return _Claim(d, [], str(exc))


def _excerpt(response: httpx.Response) -> str:
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= EXCERPT * 4:
            break
    return data.decode("utf-8", errors="replace")[:EXCERPT]


def send(claim: _Claim, *, http: httpx.Client, attempt: int) -> Outcome:
    """POST the event's body, signed with every current secret; never raises."""
    d = claim.delivery
    body = d.event.body.encode()
    headers = {
        "Content-Type": "application/json",
        signing.HEADER: signing.signature_header(claim.secrets, int(time.time()), body),
        "Backoffice-Event-Id": d.event.public_id,
        "Backoffice-Event-Type": d.event.type,
        "Backoffice-Delivery-Attempt": str(attempt),
    }
    started = time.perf_counter()
    code: int | None = None
    error = excerpt = ""
    try:
        with http.stream("POST", d.endpoint.url, content=body, headers=headers) as response:
            code = response.status_code
            excerpt = _excerpt(response)
        if 300 <= code < 400:
            error = "The receiver answered with a redirect; redirects are not followed."
        elif not 200 <= code < 300:
            error = f"The receiver answered {code}."
    except targets.TargetRefused as exc:
        error = str(exc)
    except httpx.TimeoutException:
        error = "The receiver did not answer in time."
    except httpx.HTTPError as exc:
        error = f"Could not reach the receiver: {exc}"[:300]
    duration = int((time.perf_counter() - started) * 1000)
    return Outcome(code, duration, error, excerpt)


def _record(
    claim: _Claim, outcome: Outcome, *, manual: bool, started_at: datetime
) -> WebhookDelivery:
    now = started_at + timedelta(milliseconds=outcome.duration_ms)
    with transaction.atomic():
        set_rls_tenants([claim.delivery.tenant_id])
        d = (
            WebhookDelivery.objects.for_tenant(claim.delivery.tenant_id)
            .select_for_update()
            .get(pk=claim.delivery.pk)
        )
        d.attempts += 1
        DeliveryAttempt.objects.create(
            tenant_id=d.tenant_id,
            delivery=d,
            number=d.attempts,
            manual=manual,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            succeeded=outcome.succeeded,
            error=outcome.error[:300],
            response_excerpt=outcome.excerpt,
        )
        d.last_status_code = outcome.status_code
        if outcome.succeeded:
            d.status, d.delivered_at, d.next_attempt_at = Status.DELIVERED, now, None
        elif claim.problem or d.attempts >= max_attempts():
            d.status, d.next_attempt_at = Status.FAILED, None
        else:
            d.next_attempt_at = now + timedelta(seconds=retry_delay(d.attempts))
            schedule(d, at=d.next_attempt_at)
        d.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    return d


_client: httpx.Client | None = None


def _shared_client() -> httpx.Client:
    """One client per process: connections to a receiver are kept alive between tries."""
    global _client
    if _client is None:
        _client = targets.client()
    return _client


def attempt_delivery(
    *,
    delivery_id: int,
    tenant_id: int,
    manual: bool = False,
    http: httpx.Client | None = None,
    now: datetime | None = None,
) -> WebhookDelivery | None:
    """One try of a delivery (the background job's body); None when there was nothing to
    do (delivered already, failed for good, not due, or another worker has it)."""
    started_at = now or timezone.now()
    claim = _claim(delivery_id, tenant_id, started_at)
    if claim is None:
        return None
    if claim.problem:
        outcome = Outcome(None, 0, claim.problem, "")
    else:
        attempt = claim.delivery.attempts + 1
        outcome = send(claim, http=http or _shared_client(), attempt=attempt)
    return _record(claim, outcome, manual=manual, started_at=started_at)


def redeliver(*, access: TenantAccess, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (delivered, failed or waiting for a retry): one more try,
    logged like the others and marked as started by a person."""
    access.require(Perm.MANAGE_DELIVERY)
    if not delivery.endpoint.is_active:
        raise DomainError(
            "The endpoint is switched off: switch it on to send again.",
            code=ErrorCode.ENDPOINT_INACTIVE,
        )
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        d = (
            WebhookDelivery.objects.for_tenant(access.tenant)
            .select_for_update(of=("self",))
            .select_related("event", "endpoint")
            .get(pk=delivery.pk)
        )
        d.status = Status.PENDING
        d.next_attempt_at = timezone.now()
        d.save(update_fields=["status", "next_attempt_at"])
        schedule(d, at=None, manual=True)
        events.record(tenant=access.tenant, actor=access.user, event=events.redelivery_requested(d))
    return d
