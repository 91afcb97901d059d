"""The preferences page and API, the outbound log page: each person's own, in words,
another tenant's a 404, bad input answered beside the field with what was chosen kept."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from backoffice.notifications.models import OutboundEmail, Preference
from backoffice.notifications.selectors import modes_of

pytestmark = pytest.mark.django_db


def _url(tenant: str = "client-a") -> str:
    return reverse("notifications:preferences", args=[tenant])


def test_the_page_shows_the_defaults_in_words(web_a):
    page = web_a.get(_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Email notifications</h1>" in html
    assert "New messages in conversations I follow" in html and "Once a day, in a digest" in html
    assert 'name="messages" value="immediately" checked' in html


def test_saving_the_page_keeps_the_choice_and_audits_it(web_a, user_a, client_a):
    answer = web_a.post(_url(), {"messages": "digest", "mentions": "immediately"})
    assert answer.status_code == 302
    assert modes_of(tenant_id=client_a.pk, user_id=user_a.pk) == {
        "messages": "digest",
        "mentions": "immediately",
    }
    event = AuditEvent.objects.for_tenant(client_a).get(action="notifications.preferences_changed")
    assert event.before == {"messages": "immediately", "mentions": "immediately"}
    assert event.after == {"messages": "digest", "mentions": "immediately"}
    page = web_a.get(_url()).content.decode()
    assert 'name="messages" value="digest" checked' in page
    # the same choice again changes nothing and writes no second event
    web_a.post(_url(), {"messages": "digest", "mentions": "immediately"})
    assert AuditEvent.objects.for_tenant(client_a).filter(action__startswith="notif").count() == 1


def test_a_bad_choice_is_refused_in_words_and_the_rest_is_kept(web_a, user_a, client_a):
    answer = web_a.post(_url(), {"messages": "hourly", "mentions": "off"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Choose immediately, daily digest or never for: new messages" in html
    assert 'name="mentions" value="off" checked' in html
    assert not Preference.objects.for_tenant(client_a).exists()


def test_another_tenants_page_is_a_404(web_a):
    assert web_a.get(_url("client-b")).status_code == 404


def test_the_page_needs_a_sign_in():
    assert Client().get(_url()).status_code == 302


def test_the_api_reads_and_sets_preferences(api_a, user_a, client_a):
    got = api_a.get("/api/v1/notifications/preferences").json()
    assert got["preferences"][0] == {
        "kind": "messages",
        "label": "New messages in conversations I follow",
        "mode": "immediately",
    }
    put = api_a.put(
        "/api/v1/notifications/preferences", {"mentions": "off"}, content_type="application/json"
    )
    assert put.status_code == 200
    assert {p["kind"]: p["mode"] for p in put.json()["preferences"]} == {
        "messages": "immediately",
        "mentions": "off",
    }
    assert Preference.objects.for_tenant(client_a).get(user=user_a).mode == "off"


def test_the_api_refuses_an_unknown_mode_with_the_error_body(api_a, client_a):
    answer = api_a.put(
        "/api/v1/notifications/preferences", {"messages": "hourly"}, content_type="application/json"
    )
    assert answer.status_code in (400, 422)
    assert set(answer.json()["error"]) == {"code", "message", "fields"}
    assert not Preference.objects.for_tenant(client_a).exists()


def test_preferences_are_per_tenant(api_a, api_b, client_a, client_b, user_b):
    api_b.put(
        "/api/v1/notifications/preferences", {"messages": "off"}, content_type="application/json"
    )
    assert Preference.objects.for_tenant(client_a).count() == 0
    assert Preference.objects.for_tenant(client_b).get(user=user_b).mode == "off"


def _sent(tenant, user, subject: str) -> OutboundEmail:
    return OutboundEmail.objects.create(
        tenant=tenant,
        user=user,
        to_address=f"{user.username}@mail.test",
        sort="message",
        source=f"message:{OutboundEmail.objects.for_tenant(tenant).count() + 1}",
        message_id=f"<{subject}@reply.test>",
        subject=subject,
    )


def test_the_outbound_log_shows_ones_own_mail_and_never_another_tenants(
    web_a, api_a, user_a, user_b, client_a, client_b
):
    _sent(client_a, user_a, "For-Alice")
    _sent(client_b, user_b, "For-Bob")
    html = web_a.get(reverse("notifications:outbound", args=["client-a"])).content.decode()
    assert "For-Alice" in html and "For-Bob" not in html
    assert "Waiting to be sent" in html
    listed = api_a.get("/api/v1/notifications/outbound").json()
    assert [m["subject"] for m in listed["items"]] == ["For-Alice"]
    assert web_a.get(reverse("notifications:outbound", args=["client-b"])).status_code == 404
