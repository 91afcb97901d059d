"""Signing in with a passkey alone (no username, no password), with a software authenticator:
the options name no keys, the passkey that signs says whose it is, and it stands for both
steps even when the policy requires two; the refusals read plainly and sign nobody in."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backoffice.identity import services
from backoffice.identity.models import MfaPolicy
from backoffice.identity.services.passkeys import RelyingParty
from backoffice.identity.tests import soft_authenticator
from backoffice.identity.tests.factories import enrol_totp
from backoffice.identity.tests.soft_authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db

RP = RelyingParty(id="testserver", origin="http://testserver")


def _register(user) -> SoftAuthenticator:
    key = SoftAuthenticator("testserver", "http://testserver")
    challenge = services.registration_options(user=user, rp=RP)
    services.finish_registration(
        user=user,
        name="Phone",
        credential=key.register(challenge.options_json),
        challenge=challenge.challenge,
        rp=RP,
    )
    return key


def _options(c: Client) -> str:
    answer = c.post("/login/passkey-only/options/")
    assert answer.status_code == 200
    return answer.content.decode()


def _signed_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_a_passkey_alone_signs_in_even_when_two_steps_are_required(user_a, client_a):
    key = _register(user_a)
    enrol_totp(user_a)
    MfaPolicy.objects.create(tenant=client_a, staff="required", members="required")
    c = Client()
    options = _options(c)
    parsed = json.loads(options)
    assert parsed.get("allowCredentials", []) == [] and parsed["userVerification"] == "required"
    answer = c.post("/login/passkey-only/", {"credential": json.dumps(key.sign(options))})
    assert answer.status_code == 302 and _signed_in(c)
    assert c.session["_auth_user_id"] == str(user_a.pk)
    assert c.session["identity_verified"] == "passkey"


def test_refusals_sign_nobody_in(user_a, monkeypatch):
    key = _register(user_a)
    stranger = SoftAuthenticator("testserver", "http://testserver")  # never registered
    c = Client()
    answer = c.post("/login/passkey-only/", {"credential": json.dumps(stranger.sign(_options(c)))})
    assert answer.status_code == 400 and not _signed_in(c)
    assert "The passkey was not accepted" in answer.content.decode()
    # The challenge is used once: the same answer again is refused.
    options = _options(c)
    signed = json.dumps(key.sign(options))
    c.post("/login/passkey-only/", {"credential": json.dumps(stranger.sign(options))})
    answer = c.post("/login/passkey-only/", {"credential": signed})
    assert answer.status_code == 400 and "Start again" in answer.content.decode()
    # Someone else's user handle on the answer.
    forged = key.sign(_options(c))
    forged["response"]["userHandle"] = "OTk5"
    answer = c.post("/login/passkey-only/", {"credential": json.dumps(forged)})
    assert answer.status_code == 400 and not _signed_in(c)
    # An authenticator that did not verify its user (no fingerprint or PIN): refused.
    monkeypatch.setattr(soft_authenticator, "UV", 0)
    answer = c.post("/login/passkey-only/", {"credential": json.dumps(key.sign(_options(c)))})
    assert answer.status_code == 400 and not _signed_in(c)
    # Junk.
    _options(c)
    answer = c.post("/login/passkey-only/", {"credential": "{not json"})
    assert answer.status_code == 400 and not _signed_in(c)


def test_the_page_offers_the_button(db):
    page = Client().get("/login/passkey-only/")
    assert page.status_code == 200
    assert 'id="passwordless-go"' in page.content.decode()
