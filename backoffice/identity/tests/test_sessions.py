"""Sessions: idle timeout, the list of one's sessions, signing one or all others out (pages
and API), and that nobody reaches another person's sessions."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.identity.models import UserSession
from backoffice.tenancy.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _browser(username: str, agent: str) -> Client:
    c = Client(HTTP_USER_AGENT=agent)
    response = c.post("/login/", {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return c


def _signed_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_idle_session_is_signed_out(user_a, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    c = _browser("alice", "Firefox")
    assert c.get("/account/").status_code == 200
    session = c.session
    session["identity_last_seen"] = time.time() - 601
    session.save()
    response = c.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccount%2F"
    assert not _signed_in(c)
    row = UserSession.objects.get(user=user_a)
    assert row.end_reason == "idle" and row.ended_at is not None
    page = c.get(response["Location"])
    assert "without activity" in page.content.decode()


def test_activity_within_the_timeout_keeps_the_session(user_a, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    c = _browser("alice", "Firefox")
    session = c.session
    session["identity_last_seen"] = time.time() - 599
    session.save()
    assert c.get("/account/").status_code == 200
    assert time.time() - c.session["identity_last_seen"] < 5  # the clock restarted


def test_security_page_lists_sessions_and_signs_out_everywhere_else(user_a, client_a):
    laptop = _browser("alice", "Firefox on the laptop")
    phone = _browser("alice", "Safari on the phone")
    tablet = _browser("alice", "Chrome on the tablet")
    page = laptop.get("/account/security/")
    text = page.content.decode()
    assert "Firefox on the laptop" in text and "Safari on the phone" in text
    assert "This browser" in text
    response = laptop.post("/account/security/sessions/end-others/")
    assert response.status_code == 302
    assert phone.get("/account/").status_code == 302 and not _signed_in(phone)
    assert tablet.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert UserSession.objects.filter(user=user_a, ended_at__isnull=True).count() == 1
    event = AuditEvent.objects.for_tenant(client_a).get(action="identity.other_sessions_ended")
    assert event.after == {"sessions": 2}
    message = phone.get("/login/").content.decode()
    assert "signed out from another device" in message


def test_signing_out_one_session(user_a):
    laptop = _browser("alice", "Firefox")
    phone = _browser("alice", "Safari")
    phone_row = UserSession.objects.get(user=user_a, user_agent="Safari")
    response = laptop.post(f"/account/security/sessions/{phone_row.pk}/end/")
    assert response.status_code == 302
    assert phone.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 200


def test_another_persons_session_is_not_found(user_a, user_b):
    alice = _browser("alice", "Firefox")
    _browser("bob", "Edge")
    bobs = UserSession.objects.get(user=user_b)
    response = alice.post(f"/account/security/sessions/{bobs.pk}/end/")
    assert response.status_code == 404
    assert UserSession.objects.get(pk=bobs.pk).ended_at is None


def test_log_out_closes_the_row(user_a):
    c = _browser("alice", "Firefox")
    c.post("/logout/")
    assert UserSession.objects.get(user=user_a).end_reason == "signed_out"


def test_the_session_key_is_not_stored(user_a):
    c = _browser("alice", "Firefox")
    key = c.session.session_key or ""
    assert key
    row = UserSession.objects.get(user=user_a)
    assert key not in row.key_hash and len(row.key_hash) == 64


def test_api_lists_and_revokes_my_sessions(user_a, user_b, api_a):
    phone = _browser("alice", "Safari")
    _browser("bob", "Edge")
    body = api_a.get("/api/v1/identity/sessions").json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["user_agent"] == "Safari" and item["current"] is False
    bobs = UserSession.objects.get(user=user_b)
    missing = api_a.delete(f"/api/v1/identity/sessions/{bobs.pk}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert api_a.delete(f"/api/v1/identity/sessions/{item['id']}").status_code == 200
    assert phone.get("/account/").status_code == 302
    assert api_a.get("/api/v1/identity/sessions").json()["count"] == 0


def test_api_with_the_browser_session_marks_the_current_one(user_a, client_a):
    c = _browser("alice", "Firefox")
    body = c.get("/api/v1/identity/sessions", HTTP_X_TENANT=client_a.slug).json()
    assert [i["current"] for i in body["items"]] == [True]


def test_api_factors(api_a, user_a):
    from backoffice.identity.tests.factories import enrol_totp

    enrol_totp(user_a)
    assert api_a.get("/api/v1/identity/factors").json() == {
        "authenticator_app": True,
        "passkeys": 0,
        "recovery_codes_left": 0,
    }


def test_the_account_page_links_to_security(web_a):
    page = web_a.get("/account/").content.decode()
    assert 'href="/account/security/"' in page
