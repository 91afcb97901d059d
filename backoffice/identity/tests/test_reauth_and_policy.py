"""Re-authentication before sensitive actions, and the organization's policy page."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory

from backoffice.audit.models import AuditEvent
from backoffice.identity.models import MfaPolicy, TotpDevice
from backoffice.identity.reauth import reauth_required, require_recent_auth
from backoffice.identity.tests.factories import code_now, enrol_totp
from backoffice.tenancy.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _stale(c: Client) -> None:
    session = c.session
    session["identity_auth_at"] = time.time() - 3600
    session["identity_verified"] = "authenticator app"  # as after our sign-in flow
    session.save()


def test_helper_answers_none_when_recent_and_a_redirect_when_old(user_a):
    request = RequestFactory().post("/t/client-a/tokens/")
    request.user = user_a
    request.session = SessionStore()
    request.session["identity_auth_at"] = time.time() - 10
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    assert require_recent_auth(request, max_age=60) is None
    request.session["identity_auth_at"] = time.time() - 61
    answer = require_recent_auth(request, max_age=60)
    assert answer is not None and answer.status_code == 302
    # A POST returns to the page that showed the form (the Referer), else the start page.
    assert answer["Location"] == "/account/confirm/?next=%2F"
    request = RequestFactory().post(
        "/t/client-a/tokens/", HTTP_REFERER="http://testserver/t/client-a/tokens/"
    )
    request.user = user_a
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    answer = require_recent_auth(request, max_age=60)
    assert answer is not None
    assert answer["Location"] == "/account/confirm/?next=%2Ft%2Fclient-a%2Ftokens%2F"


def test_api_callers_get_a_json_refusal(user_a):
    request = RequestFactory().post("/api/v1/something")
    request.user = user_a
    request.session = SessionStore()
    answer = require_recent_auth(request)
    assert answer is not None and answer.status_code == 403
    assert b"reauth_required" in answer.content


def test_decorator_only_guards_the_named_methods(user_a):
    @reauth_required(methods=("POST",))
    def view(request):
        return HttpResponse("done")

    request = RequestFactory().get("/x/")
    request.user = user_a
    request.session = SessionStore()
    assert view(request).content == b"done"


def test_confirming_with_the_password_returns_to_the_action(user_a, client_a, web_a):
    _stale(web_a)
    response = web_a.post(
        "/account/security/codes/new/", HTTP_REFERER="http://testserver/account/security/"
    )
    assert response.status_code == 302 and response["Location"].startswith("/account/confirm/")
    page = web_a.get(response["Location"])
    assert page.status_code == 200 and b"Confirm it is you" in page.content
    wrong = web_a.post(
        response["Location"], {"kind": "password", "password": "nope", "next": "/account/security/"}
    )
    assert wrong.status_code == 400 and "password is not right" in wrong.content.decode()
    right = web_a.post(
        response["Location"],
        {"kind": "password", "password": TEST_PASSWORD, "next": "/account/security/"},
    )
    assert right.status_code == 302 and right["Location"] == "/account/security/"
    assert web_a.post("/account/security/codes/new/").status_code == 302
    assert (
        AuditEvent.objects.for_tenant(client_a).filter(action="identity.reauthenticated").exists()
    )


def test_confirming_with_a_code(user_a, web_a):
    secret = enrol_totp(user_a)
    _stale(web_a)
    response = web_a.post(
        "/account/confirm/", {"kind": "totp", "code": code_now(secret), "next": "/account/"}
    )
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_confirmation_refuses_a_foreign_next(web_a):
    response = web_a.post(
        "/account/confirm/",
        {"kind": "password", "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_removing_a_factor_needs_a_recent_proof(user_a, web_a):
    enrol_totp(user_a)
    _stale(web_a)
    response = web_a.post("/account/security/app/remove/")
    assert response["Location"].startswith("/account/confirm/")
    assert TotpDevice.objects.get(user=user_a).confirmed_at is not None


def test_a_required_policy_keeps_the_last_factor(provider, staff):
    MfaPolicy.objects.create(tenant=provider, staff="required", members="optional")
    enrol_totp(staff)
    c = Client()
    c.force_login(staff)
    session = c.session
    session["identity_verified"] = "authenticator app"
    session.save()
    response = c.post("/account/security/app/remove/")
    assert response.status_code == 409
    assert "add a passkey before removing" in response.content.decode()


def test_client_admin_sets_the_policy(client_a, user_a, web_a):
    page = web_a.get("/t/client-a/identity/policy/")
    assert page.status_code == 200
    response = web_a.post(
        "/t/client-a/identity/policy/", {"staff": "required", "members": "required"}
    )
    assert response.status_code == 302
    row = MfaPolicy.objects.for_tenant(client_a).get()
    assert (row.staff, row.members) == ("required", "required")
    event = AuditEvent.objects.for_tenant(client_a).get(action="identity.policy_changed")
    assert event.before == {"staff": "optional", "members": "optional"}


def test_bad_policy_values_are_refused_beside_the_fields(client_a, web_a):
    response = web_a.post("/t/client-a/identity/policy/", {"staff": "always", "members": ""})
    assert response.status_code == 400
    assert "Choose optional or required" in response.content.decode()
    assert not MfaPolicy.objects.for_tenant(client_a).exists()


def test_other_tenants_policy_is_not_found_and_users_may_not(client_b, web_a, client_a):
    assert web_a.get("/t/client-b/identity/policy/").status_code == 404
    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.tests.factories import UserFactory, make_member

    plain = UserFactory.create(username="carol")
    make_member(client_a, plain, Role.CLIENT_USER)
    c = Client()
    c.force_login(plain)
    assert c.get("/t/client-a/identity/policy/").status_code == 403


def test_creating_a_token_and_changing_members_need_a_recent_proof(user_a, client_a, web_a):
    from backoffice.tenancy.models import ApiToken, Membership

    _stale(web_a)
    tokens = web_a.post(
        "/t/client-a/tokens/",
        {"name": "ci", "days": "30"},
        HTTP_REFERER="http://testserver/t/client-a/tokens/",
    )
    assert tokens["Location"] == "/account/confirm/?next=%2Ft%2Fclient-a%2Ftokens%2F"
    assert not ApiToken.objects.filter(user=user_a).exists()
    members = web_a.post("/t/client-a/members/", {"revoke": "alice"})
    assert members["Location"].startswith("/account/confirm/")
    assert Membership.objects.get(user=user_a, organization=client_a).is_active
    assert web_a.get("/t/client-a/tokens/").status_code == 200  # reading needs no proof
    web_a.post(
        "/account/confirm/",
        {"kind": "password", "password": TEST_PASSWORD, "next": "/t/client-a/tokens/"},
    )
    assert web_a.post("/t/client-a/tokens/", {"name": "ci", "days": "30"}).status_code == 200
    assert ApiToken.objects.filter(user=user_a, name="ci").count() == 1
