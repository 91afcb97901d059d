"""The Delivery pages: exports and webhooks for a client, in words, keyboard-usable forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.delivery.models import ResultsExport, WebhookEndpoint
from backoffice.delivery.tests.factories import access_of, batch_of, endpoint, finish
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member


def _url(name: str, tenant: str = "client-a", **kw) -> str:
    return reverse(f"delivery:{name}", kwargs={"tenant": tenant, **kw})


@pytest.mark.django_db
def test_the_delivery_page_lists_exports_and_webhooks(web_a, user_a, client_a, receiver):
    endpoint(access_of(user_a, client_a), receiver.url, description="Our ERP")
    page = web_a.get(_url("index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1>Delivery</h1>" in text and "Results exports" in text
    assert receiver.url in text and "Our ERP" in text and "An item is done" in text
    assert "whsec_" not in text


@pytest.mark.django_db
def test_a_client_user_sees_exports_but_not_webhooks(client_a, user_a, receiver):
    endpoint(access_of(user_a, client_a), receiver.url)
    user = UserFactory.create(username="carol")
    make_member(client_a, user, Role.CLIENT_USER)
    web = Client()
    web.force_login(user)
    text = web.get(_url("index")).content.decode()
    assert "Results exports" in text and receiver.url not in text
    assert web.post(_url("endpoint_new"), {"url": receiver.url}).status_code == 403


@pytest.mark.django_db
def test_adding_an_endpoint_shows_its_secret_once(web_a, client_a, receiver):
    answer = web_a.post(
        _url("endpoint_new"), {"url": receiver.url, "events": ["item.completed"], "is_active": "on"}
    )
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    text = answer.content.decode()
    assert "Copy the signing secret now" in text and 'value="whsec_' in text
    e = WebhookEndpoint.objects.for_tenant(client_a).get()
    assert "whsec_" not in web_a.get(_url("endpoint", endpoint_id=e.pk)).content.decode()


@pytest.mark.django_db
def test_a_refused_address_keeps_what_was_typed(settings, web_a, client_a):
    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = False
    answer = web_a.post(
        _url("endpoint_new"),
        {"url": "http://127.0.0.1:9/x", "description": "Staging", "events": ["batch.completed"]},
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "loopback address (this server itself)" in text
    assert 'value="http://127.0.0.1:9/x"' in text and 'value="Staging"' in text
    assert 'aria-invalid="true"' in text
    assert not WebhookEndpoint.objects.for_tenant(client_a).exists()


@pytest.mark.django_db
def test_the_endpoint_page_shows_the_log_and_sends_again(
    web_a, user_a, client_a, engagement_a, agent, receiver, django_capture_on_commit_callbacks
):
    from backoffice.delivery import services
    from backoffice.delivery.models import WebhookDelivery

    receiver.answers = [500]
    e, _ = endpoint(access_of(user_a, client_a), receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        finish(batch_of(engagement_a, ["L-1"])[0], agent)
    d = WebhookDelivery.objects.for_tenant(client_a).filter(event__type="item.completed").get()
    services.attempt_delivery(delivery_id=d.pk, tenant_id=client_a.pk)
    text = web_a.get(_url("endpoint", endpoint_id=e.pk)).content.decode()
    assert "answer 500" in text and "The receiver answered 500." in text
    assert "next try" in text
    with django_capture_on_commit_callbacks(execute=True):
        sent = web_a.post(_url("redeliver", delivery_id=d.pk))
    assert sent.status_code == 302
    services.attempt_delivery(delivery_id=d.pk, tenant_id=client_a.pk, manual=True)
    text = web_a.get(_url("endpoint", endpoint_id=e.pk)).content.decode()
    assert "sent again by hand" in text and "answer 200" in text


@pytest.mark.django_db
def test_rotating_from_the_page_shows_the_new_secret_and_the_grace(
    web_a, user_a, client_a, receiver
):
    e, old = endpoint(access_of(user_a, client_a), receiver.url)
    answer = web_a.post(_url("endpoint_rotate", endpoint_id=e.pk), {"grace_hours": "12"})
    text = answer.content.decode()
    assert "New signing secret" in text and "signed with both the new and the old secret" in text
    assert old not in text
    bad = web_a.post(_url("endpoint_rotate", endpoint_id=e.pk), {"grace_hours": "soon"})
    assert bad.status_code == 400 and "0 to 168 hours" in bad.content.decode()


@pytest.mark.django_db
def test_an_export_from_the_page_downloads(web_a, client_a, engagement_a, agent):
    (item,) = batch_of(engagement_a, ["D-1"])
    finish(item, agent)
    answer = web_a.post(
        _url("export_new"), {"engagement": "", "batch": str(item.batch_id), "format": "csv"}
    )
    assert answer.status_code == 302
    export = ResultsExport.objects.for_tenant(client_a).get()
    download = web_a.get(_url("export_download", export_id=export.pk))
    assert download.status_code == 200
    assert b"D-1" in b"".join(download.streaming_content)


@pytest.mark.django_db
def test_a_bad_export_form_says_what_is_missing_and_keeps_the_choice(web_a, engagement_a):
    answer = web_a.post(
        _url("export_new"),
        {"engagement": str(engagement_a.pk), "date_from": "2026-13-01", "format": "jsonl"},
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "From: a date (YYYY-MM-DD) is required." in text
    assert 'value="jsonl" selected' in text


@pytest.mark.django_db
def test_another_clients_pages_are_not_found(
    web_a, user_b, client_b, engagement_b, agent, receiver
):
    e, _ = endpoint(access_of(user_b, client_b), receiver.url)
    (item,) = batch_of(engagement_b, ["F-1"])
    finish(item, agent)
    from backoffice.delivery import services

    x = services.create_export(
        access=access_of(user_b, client_b), engagement_id=None, batch_id=item.batch_id, fmt="csv"
    )
    assert web_a.get(_url("endpoint", endpoint_id=e.pk)).status_code == 404
    assert web_a.get(_url("export_download", export_id=x.pk)).status_code == 404
    assert web_a.get(_url("index", tenant="client-b")).status_code == 404
    posted = web_a.post(_url("export_new"), {"batch": str(item.batch_id), "format": "csv"})
    assert posted.status_code == 400 and "No such batch" in posted.content.decode()
