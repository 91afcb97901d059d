"""Webhooks end to end against a real local HTTP receiver (tests/conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.delivery import services, signing
from backoffice.delivery.models import (
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from backoffice.delivery.tests.factories import OUTPUT, access_of, batch_of, endpoint, finish
from backoffice.work.tests.factories import submit

Status = WebhookDelivery.Status


def _deliveries(tenant) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.for_tenant(tenant).select_related("event").order_by("id"))


def _try(d: WebhookDelivery, now=None) -> WebhookDelivery:
    done = services.attempt_delivery(delivery_id=d.pk, tenant_id=d.tenant_id, now=now)
    assert done is not None
    return done


def _log(delivery) -> list[tuple[int | None, bool]]:
    rows = DeliveryAttempt.objects.for_tenant(delivery.tenant_id).filter(delivery=delivery)
    return [(a.status_code, a.succeeded) for a in rows.order_by("number")]


@pytest.mark.django_db(transaction=True)
def test_a_completed_item_reaches_the_receiver_signed_through_the_worker(
    api_a, client_a, engagement_a, agent, receiver
):
    # given an endpoint added through the API (its secret is in the answer, this once)
    made = api_a.post(
        "/api/v1/delivery/endpoints",
        {"url": receiver.url, "events": ["item.completed"]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in api_a.get(f"/api/v1/delivery/endpoints/{made.json()['id']}").json()
    # when an agent finishes an item (the signal goes out after the commit) and the worker runs
    item = finish(submit(engagement_a, "INV-1"), agent)
    call_command("worker", "--batch", "--interval", "0")
    # then the receiver got one request whose signature verifies with the secret
    assert len(receiver.got) == 1
    got = receiver.got[0]
    assert signing.verify(got.body, got.headers["Backoffice-Signature"], secret)
    payload = got.json()
    assert payload["type"] == "item.completed"
    assert payload["client"] == "client-a"
    assert payload["data"]["item"]["external_ref"] == "INV-1"
    assert payload["data"]["item"]["output"] == OUTPUT
    assert got.headers["Backoffice-Event-Id"] == payload["id"]
    # and the delivery log shows the one successful try
    (d,) = _deliveries(client_a)
    assert d.status == Status.DELIVERED and d.event.object_id == item.pk
    assert _log(d) == [(200, True)]


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_backoff_and_each_try_is_logged(
    user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    # given a receiver that fails twice with 500, then accepts
    receiver.answers = [500, 500]
    endpoint(access_of(user_a, client_a), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "INV-2"), agent)
    (d,) = _deliveries(client_a)
    t0 = timezone.now()
    # when the first try fails: the next is 5 to 10 s later (base 10 s, half of it jitter)
    d = _try(d, now=t0)
    assert d.status == Status.PENDING and d.attempts == 1
    assert d.next_attempt_at is not None
    first_wait = (d.next_attempt_at - t0).total_seconds()
    assert 5 <= first_wait <= 10.5
    # and a try before that time does nothing
    assert services.attempt_delivery(delivery_id=d.pk, tenant_id=d.tenant_id, now=t0) is None
    # the second failure waits 10 to 20 s
    t1 = d.next_attempt_at
    d = _try(d, now=t1)
    assert t1 is not None and d.next_attempt_at is not None
    second_wait = (d.next_attempt_at - t1).total_seconds()
    assert d.attempts == 2 and 10 <= second_wait <= 20.5
    # the third try is accepted
    d = _try(d, now=d.next_attempt_at)
    assert d.status == Status.DELIVERED
    # then the log shows each try, and the receiver saw the same event three times
    assert _log(d) == [(500, False), (500, False), (200, True)]
    assert len({r.headers["Backoffice-Event-Id"] for r in receiver.got}) == 1
    assert [r.headers["Backoffice-Delivery-Attempt"] for r in receiver.got] == ["1", "2", "3"]
    excerpt = DeliveryAttempt.objects.for_tenant(client_a).filter(delivery=d, number=1).get()
    assert excerpt.response_excerpt == "receiver is down"
    assert excerpt.error == "The receiver answered 500."


@pytest.mark.django_db
def test_a_delivery_gives_up_after_the_last_try(
    settings, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    receiver.answers = [503, 503, 503]
    endpoint(access_of(user_a, client_a), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "INV-3"), agent)
    (d,) = _deliveries(client_a)
    d = _try(d)
    d = _try(d, now=d.next_attempt_at)
    assert d.status == Status.FAILED and d.next_attempt_at is None
    assert _log(d) == [(503, False), (503, False)]


def test_retry_delay_doubles_up_to_the_cap_with_jitter():
    class Fixed:
        def __init__(self, share: float) -> None:
            self.share = share

        def uniform(self, lo: float, hi: float) -> float:
            return lo + (hi - lo) * self.share

    # the fixed half, then the whole: 30 s steps doubling, capped at 600 s
    assert [services.retry_delay(n, base=30, cap=600, rand=Fixed(0)) for n in (1, 2, 3, 6)] == [
        15,
        30,
        60,
        300,
    ]
    assert services.retry_delay(3, base=30, cap=600, rand=Fixed(1)) == 120
    assert services.retry_delay(9, base=30, cap=600, rand=Fixed(1)) == 600


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_sends_the_same_event_again(
    api_a, user_a, client_a, engagement_a, agent, receiver
):
    _, secret = endpoint(access_of(user_a, client_a), receiver.url)
    finish(submit(engagement_a, "INV-4"), agent)
    call_command("worker", "--batch", "--interval", "0")
    (d,) = _deliveries(client_a)
    # when the client asks for it again
    answer = api_a.post(f"/api/v1/delivery/deliveries/{d.pk}/redeliver")
    assert answer.status_code == 202
    call_command("worker", "--batch", "--interval", "0")
    # then the receiver got the same body twice, the second marked attempt 2, both signed
    assert len(receiver.got) == 2
    assert receiver.got[0].body == receiver.got[1].body
    for got in receiver.got:
        signing.verify(got.body, got.headers["Backoffice-Signature"], secret)
    detail = api_a.get(f"/api/v1/delivery/deliveries/{d.pk}").json()
    assert [(a["number"], a["manual"], a["status_code"]) for a in detail["attempt_log"]] == [
        (1, False, 200),
        (2, True, 200),
    ]
    assert (
        AuditEvent.objects.for_tenant(client_a)
        .filter(action="delivery.redelivery_requested")
        .exists()
    )


@pytest.mark.django_db
def test_a_rotated_secret_signs_beside_the_old_one_until_the_grace_ends(
    user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    access = access_of(user_a, client_a)
    e, old = endpoint(access, receiver.url)
    e, new = services.rotate_secret(access=access, endpoint=e, grace_hours=24)
    assert new != old and e.secret_hint == "…" + new[-4:]
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "INV-5"), agent)
    (d,) = _deliveries(client_a)
    services.attempt_delivery(delivery_id=d.pk, tenant_id=d.tenant_id)
    got = receiver.got[0]
    header = got.headers["Backoffice-Signature"]
    # both secrets verify during the window (receivers switch at their pace)
    assert header.count("v1=") == 2
    assert signing.verify(got.body, header, new) and signing.verify(got.body, header, old)
    # after the window only the new one signs
    later = timezone.now() + timedelta(hours=25)
    assert services.signing_secrets(e, now=later) == [new]
    # a rotation without grace retires the old secret at once
    e, newest = services.rotate_secret(access=access, endpoint=e, grace_hours=0)
    assert services.signing_secrets(e, now=timezone.now()) == [newest]
    # and no audit event holds a secret or its encrypted form
    stored = WebhookEndpoint.objects.for_tenant(client_a).get(pk=e.pk).secret_encrypted
    for ev in AuditEvent.objects.for_tenant(client_a).filter(action__startswith="delivery."):
        text = f"{ev.before} {ev.after}"
        assert "whsec_" not in text and stored not in text


@pytest.mark.django_db
def test_a_batch_is_told_once_when_its_last_item_is_done(
    user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    endpoint(access_of(user_a, client_a), receiver.url, events=["batch.completed"])
    first, second = batch_of(engagement_a, ["B-1", "B-2"])
    with django_capture_on_commit_callbacks(execute=True):
        finish(first, agent)
    assert not WebhookEvent.objects.for_tenant(client_a).exists()
    with django_capture_on_commit_callbacks(execute=True):
        finish(second, agent)
    (event,) = WebhookEvent.objects.for_tenant(client_a)
    assert event.type == "batch.completed" and event.object_id == first.batch_id
    # reported again (a concurrent completion): still one event, one delivery
    assert services.record_batch_completed(tenant_id=client_a.pk, batch_id=event.object_id) is None
    assert WebhookDelivery.objects.for_tenant(client_a).count() == 1
    services.attempt_delivery(delivery_id=_deliveries(client_a)[0].pk, tenant_id=client_a.pk)
    batch = receiver.got[0].json()["data"]["batch"]
    assert batch["items_done"] == 2 and batch["items_cancelled"] == 0


@pytest.mark.django_db
def test_an_inactive_endpoint_or_an_unsubscribed_event_sends_nothing(
    user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    access = access_of(user_a, client_a)
    endpoint(access, receiver.url, is_active=False)
    endpoint(access, receiver.url + "/batches", events=["batch.completed"])
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "INV-6"), agent)
    assert not WebhookDelivery.objects.for_tenant(client_a).exists()
