"""Refusals in words with nothing written: private targets in production, foreign ids."""

from __future__ import annotations

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.delivery import services, targets
from backoffice.delivery.models import WebhookDelivery, WebhookEndpoint
from backoffice.delivery.tests.factories import access_of, endpoint, finish
from backoffice.work.tests.factories import submit


@pytest.fixture
def production(settings):
    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = False


def _post(api, url: str, events=("item.completed",)):
    return api.post(
        "/api/v1/delivery/endpoints",
        {"url": url, "events": list(events)},
        content_type="application/json",
    )


@pytest.mark.django_db
def test_a_webhook_to_127_0_0_1_in_production_is_refused_and_nothing_is_written(
    production, api_a, client_a
):
    answer = _post(api_a, "http://127.0.0.1:8000/hooks")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "target_refused"
    assert error["message"] == (
        "127.0.0.1 leads to a loopback address (this server itself), "
        "which may not receive webhooks."
    )
    assert not WebhookEndpoint.objects.for_tenant(client_a).exists()
    assert (
        not AuditEvent.objects.for_tenant(client_a).filter(action__startswith="delivery.").exists()
    )


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fd00::1", "private"),
    ],
)
def test_every_inner_address_kind_is_named(address, problem):
    assert problem in (targets.address_problem(address) or "")


def test_public_addresses_pass():
    assert targets.address_problem("93.184.216.34") is None
    assert targets.address_problem("2606:2800:220:1:248:1893:25c8:1946") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/x", "must start with https://"),
        ("https://user:pw@example.com/x", "user name and password"),
        ("https://", "no host name"),
        ("", "Enter the address"),
        ("http://localhost:9000/", "loopback"),
        ("http://[::1]:9000/", "loopback"),
        ("http://10.0.0.8/", "private network"),
        ("http://no-such-host.invalid/", "cannot be found"),
    ],
)
def test_bad_addresses_are_refused_in_words(production, api_a, client_a, url, words):
    answer = _post(api_a, url)
    assert answer.status_code == 400, answer.content
    assert words in answer.json()["error"]["message"]
    assert not WebhookEndpoint.objects.for_tenant(client_a).exists()


@pytest.mark.django_db
def test_unknown_events_are_refused(api_a, client_a):
    answer = _post(api_a, "https://example.com/hooks", events=["item.deleted"])
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_events"
    assert not WebhookEndpoint.objects.for_tenant(client_a).exists()


@pytest.mark.django_db
def test_a_target_that_turns_private_after_saving_is_not_sent(
    settings, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    # given an endpoint saved while the address rule was off (a host that later resolves inward)
    endpoint(access_of(user_a, client_a), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "R-1"), agent)
    # when the rule is on at delivery time
    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = False
    (d,) = WebhookDelivery.objects.for_tenant(client_a)
    done = services.attempt_delivery(delivery_id=d.pk, tenant_id=client_a.pk)
    # then nothing reached the receiver and the log says why
    assert done is not None and done.attempts == 1
    assert receiver.got == []
    attempt = done.attempt_log.get()
    assert attempt.status_code is None
    assert "now leads to a loopback address" in attempt.error


@pytest.mark.django_db
def test_another_clients_endpoint_and_deliveries_are_not_found(
    api_b, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    e, _ = endpoint(access_of(user_a, client_a), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        finish(submit(engagement_a, "R-2"), agent)
    (d,) = WebhookDelivery.objects.for_tenant(client_a)
    base = "/api/v1/delivery"
    assert api_b.get(f"{base}/endpoints/{e.pk}").status_code == 404
    patched = api_b.patch(
        f"{base}/endpoints/{e.pk}", {"is_active": False}, content_type="application/json"
    )
    assert patched.status_code == 404
    rotated = api_b.post(
        f"{base}/endpoints/{e.pk}/rotate-secret", {}, content_type="application/json"
    )
    assert rotated.status_code == 404
    assert api_b.get(f"{base}/endpoints/{e.pk}/deliveries").status_code == 404
    assert api_b.get(f"{base}/deliveries/{d.pk}").status_code == 404
    assert api_b.post(f"{base}/deliveries/{d.pk}/redeliver").status_code == 404
    assert api_b.get(f"{base}/endpoints").json()["count"] == 0
    e.refresh_from_db()
    assert e.is_active


@pytest.mark.django_db
def test_a_client_user_may_not_manage_webhooks(client_a, receiver):
    from django.test import Client

    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token

    user = UserFactory.create(username="carol")
    make_member(client_a, user, Role.CLIENT_USER)
    api = Client(headers={"Authorization": f"Bearer {make_token(user, client_a)}"})
    assert _post(api, receiver.url).status_code == 403
    assert not WebhookEndpoint.objects.for_tenant(client_a).exists()


@pytest.mark.django_db
def test_a_duplicate_address_and_a_bad_grace_window_are_refused(user_a, client_a, receiver):
    from backoffice.core.errors import DomainError

    access = access_of(user_a, client_a)
    e, _ = endpoint(access, receiver.url)
    with pytest.raises(DomainError, match="already an endpoint"):
        endpoint(access, receiver.url)
    with pytest.raises(DomainError, match="0 to 168 hours"):
        services.rotate_secret(access=access, endpoint=e, grace_hours=500)
