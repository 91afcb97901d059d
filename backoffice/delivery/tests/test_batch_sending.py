"""The batch sender: one job delivers many completions, claimed with a lease, results
recorded together; retries, backoff, the per-try log and the address guard as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backoffice.delivery import services, signing
from backoffice.delivery.models import DeliveryAttempt, DeliveryWake, WebhookDelivery
from backoffice.delivery.services import batch
from backoffice.delivery.tests.factories import access_of, batch_of, endpoint, finish
from backoffice.work.tests.factories import submit

Status = WebhookDelivery.Status
SENDER = "backoffice.delivery.tasks.deliver_due_webhooks"


def _jobs(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def _finish_many(engagement, agent, refs):
    for item in batch_of(engagement, refs):
        finish(item, agent)


@pytest.mark.django_db(transaction=True)
def test_one_job_delivers_many_completions_signed(user_a, client_a, engagement_a, agent, receiver):
    _, secret = endpoint(access_of(user_a, client_a), receiver.url, events=["item.completed"])
    # five completions, each committed apart (the work app's signal after each commit)
    _finish_many(engagement_a, agent, [f"B-{i}" for i in range(5)])
    # one batch sender queued for all five, no job per delivery
    assert _jobs(SENDER) == 1
    assert _jobs("backoffice.delivery.tasks.deliver_webhook") == 0
    assert DeliveryWake.objects.for_tenant(client_a).count() == 1
    call_command("worker", "--batch", "--interval", "0")
    # all five arrived once, signed; each delivery logged one try; the wake row is gone
    assert len(receiver.got) == 5
    assert len({g.headers["Backoffice-Event-Id"] for g in receiver.got}) == 5
    assert all(
        signing.verify(g.body, g.headers["Backoffice-Signature"], secret) for g in receiver.got
    )
    rows = WebhookDelivery.objects.for_tenant(client_a)
    assert {d.status for d in rows} == {Status.DELIVERED} and {d.attempts for d in rows} == {1}
    assert DeliveryAttempt.objects.for_tenant(client_a).filter(succeeded=True).count() == 5
    assert not DeliveryWake.objects.for_tenant(client_a).exists()
    # a later completion wakes a new sender
    finish(submit(engagement_a, "B-LATE"), agent)
    assert _jobs(SENDER) == 2


@pytest.mark.django_db
def test_a_failure_in_a_batch_is_retried_with_backoff_and_logged(
    settings, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    settings.DELIVERY_SEND_CONCURRENCY = 1  # the receiver's answers in order
    receiver.answers = [500]  # the first request fails, the rest are accepted
    endpoint(access_of(user_a, client_a), receiver.url, events=["item.completed"])
    with django_capture_on_commit_callbacks(execute=True):
        _finish_many(engagement_a, agent, ["R-1", "R-2", "R-3"])
    t0 = timezone.now() + timedelta(seconds=1)
    # one batch: three tries; the first failed and waits 5 to 10 s (base 10 s, half jitter)
    assert services.deliver_due(tenant_id=client_a.pk, now=t0) == 3
    rows = list(WebhookDelivery.objects.for_tenant(client_a).order_by("id"))
    assert [d.status for d in rows] == [Status.PENDING, Status.DELIVERED, Status.DELIVERED]
    first = rows[0]
    assert first.attempts == 1 and first.last_status_code == 500
    assert first.next_attempt_at is not None
    assert 5 <= (first.next_attempt_at - t0).total_seconds() <= 10.5
    # nothing more is due now; the wake row moved to the retry's time
    assert services.deliver_due(tenant_id=client_a.pk, now=t0) == 0
    assert DeliveryWake.objects.for_tenant(client_a).get().run_at == first.next_attempt_at
    # at that time the retry is sent and succeeds; the log shows both tries
    assert services.deliver_due(tenant_id=client_a.pk, now=first.next_attempt_at) == 1
    first.refresh_from_db()
    log = DeliveryAttempt.objects.for_tenant(client_a).filter(delivery=first).order_by("number")
    assert [(a.number, a.status_code, a.succeeded) for a in log] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert first.status == Status.DELIVERED
    assert [g.headers["Backoffice-Delivery-Attempt"] for g in receiver.got] == ["1", "1", "1", "2"]


@pytest.mark.django_db
def test_a_batch_gives_up_after_the_last_try(
    settings, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    receiver.answers = [503, 503]
    endpoint(access_of(user_a, client_a), receiver.url, events=["item.completed"])
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "G-1"), agent)
    t0 = timezone.now() + timedelta(seconds=1)
    services.deliver_due(tenant_id=client_a.pk, now=t0)
    (d,) = WebhookDelivery.objects.for_tenant(client_a)
    services.deliver_due(tenant_id=client_a.pk, now=d.next_attempt_at)
    d.refresh_from_db()
    assert (d.status, d.attempts, d.next_attempt_at) == (Status.FAILED, 2, None)
    assert not DeliveryWake.objects.for_tenant(client_a).exists()  # nothing pending


@pytest.mark.django_db
def test_the_address_guard_runs_at_each_connection_of_a_batch(
    settings, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    endpoint(access_of(user_a, client_a), receiver.url, events=["item.completed"])
    with django_capture_on_commit_callbacks(execute=True):
        _finish_many(engagement_a, agent, ["S-1", "S-2"])
    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = False  # production: 127.0.0.1 is refused
    services.deliver_due(tenant_id=client_a.pk, now=timezone.now() + timedelta(seconds=1))
    assert receiver.got == []
    attempts = DeliveryAttempt.objects.for_tenant(client_a)
    assert attempts.count() == 2
    assert all("now leads to a loopback address" in a.error for a in attempts)


@pytest.mark.django_db
def test_claimed_deliveries_are_leased_so_a_second_sender_skips_them(
    settings, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    settings.DELIVERY_BATCH_SIZE = 2
    endpoint(access_of(user_a, client_a), receiver.url, events=["item.completed"])
    with django_capture_on_commit_callbacks(execute=True):
        _finish_many(engagement_a, agent, ["L-1", "L-2", "L-3"])
    at = timezone.now() + timedelta(seconds=1)
    first = batch._claim_batch(client_a.pk, at)
    second = batch._claim_batch(client_a.pk, at)
    third = batch._claim_batch(client_a.pk, at)
    assert [len(first), len(second), len(third)] == [2, 1, 0]
    assert {c.delivery.pk for c in first}.isdisjoint(c.delivery.pk for c in second)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_on_postgresql_a_sender_skips_rows_another_is_claiming(
    user_a, client_a, engagement_a, agent, receiver
):
    import threading

    from django.db import transaction

    from backoffice.core.rls import set_rls_tenants

    endpoint(access_of(user_a, client_a), receiver.url, events=["item.completed"])
    _finish_many(engagement_a, agent, ["K-1", "K-2"])
    at = timezone.now() + timedelta(seconds=1)
    locked, release, seen = threading.Event(), threading.Event(), []

    def holder() -> None:
        with transaction.atomic():
            set_rls_tenants([client_a.pk])
            row = (
                WebhookDelivery.objects.for_tenant(client_a)
                .select_for_update()
                .order_by("id")
                .first()
            )
            seen.append(row.pk)
            locked.set()
            release.wait(10)
        connection.close()

    t = threading.Thread(target=holder)
    t.start()
    locked.wait(10)
    claimed = batch._claim_batch(client_a.pk, at)  # does not wait for the locked row
    release.set()
    t.join()
    assert [c.delivery.pk for c in claimed] != [] and seen[0] not in [
        c.delivery.pk for c in claimed
    ]
