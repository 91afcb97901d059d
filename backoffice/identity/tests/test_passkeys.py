"""Passkeys, server side, against a software authenticator: registration, sign-in as the
second factor, and the refusals (wrong origin, a replayed challenge, a cloned key, junk)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import DomainError
from backoffice.identity import services
from backoffice.identity.models import Passkey
from backoffice.identity.services.passkeys import RelyingParty
from backoffice.identity.tests.soft_authenticator import SoftAuthenticator
from backoffice.tenancy.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

RP = RelyingParty(id="testserver", origin="http://testserver")


def _register(user, key: SoftAuthenticator, name: str = "Laptop") -> Passkey:
    challenge = services.registration_options(user=user, rp=RP)
    return services.finish_registration(
        user=user,
        name=name,
        credential=json.dumps(key.register(challenge.options_json)),
        challenge=challenge.challenge,
        rp=RP,
    )


def test_register_and_verify(user_a, client_a):
    key = SoftAuthenticator("testserver", "http://testserver")
    row = _register(user_a, key)
    assert row.sign_count == 0 and bytes(row.credential_id) == key.credential_id
    assert AuditEvent.objects.for_tenant(client_a).filter(action="identity.passkey_added").exists()
    challenge = services.authentication_options(user=user_a, rp=RP)
    used = services.verify_passkey(
        user=user_a,
        credential=key.sign(challenge.options_json),
        challenge=challenge.challenge,
        rp=RP,
    )
    assert used.sign_count == 1 and used.last_used_at is not None


def test_a_wrong_origin_is_refused_and_nothing_is_stored(user_a):
    key = SoftAuthenticator("testserver", "http://testserver")
    challenge = services.registration_options(user=user_a, rp=RP)
    with pytest.raises(DomainError) as refused:
        services.finish_registration(
            user=user_a,
            name="Phishing",
            credential=key.register(challenge.options_json, origin="https://evil.example"),
            challenge=challenge.challenge,
            rp=RP,
        )
    assert refused.value.code == "passkey_refused"
    assert not Passkey.objects.filter(user=user_a).exists()


def test_an_answer_to_another_challenge_is_refused(user_a):
    key = SoftAuthenticator("testserver", "http://testserver")
    _register(user_a, key)
    first = services.authentication_options(user=user_a, rp=RP)
    second = services.authentication_options(user=user_a, rp=RP)
    with pytest.raises(DomainError):
        services.verify_passkey(
            user=user_a, credential=key.sign(first.options_json), challenge=second.challenge, rp=RP
        )


def test_a_counter_that_goes_back_is_refused(user_a):
    """A cloned authenticator shows itself by a signature counter that does not increase."""
    key = SoftAuthenticator("testserver", "http://testserver")
    _register(user_a, key)
    challenge = services.authentication_options(user=user_a, rp=RP)
    services.verify_passkey(
        user=user_a,
        credential=key.sign(challenge.options_json, counter_step=5),
        challenge=challenge.challenge,
        rp=RP,
    )
    key.counter = 2
    again = services.authentication_options(user=user_a, rp=RP)
    with pytest.raises(DomainError):
        services.verify_passkey(
            user=user_a, credential=key.sign(again.options_json), challenge=again.challenge, rp=RP
        )
    assert Passkey.objects.get(user=user_a).sign_count == 5


def test_junk_is_refused_in_words(user_a):
    key = SoftAuthenticator("testserver", "http://testserver")
    _register(user_a, key)
    challenge = services.authentication_options(user=user_a, rp=RP)
    for junk in ["", "not json", "[]", json.dumps({"id": "x", "response": {}})]:
        with pytest.raises(DomainError) as refused:
            services.verify_passkey(
                user=user_a, credential=junk, challenge=challenge.challenge, rp=RP
            )
        assert "not accepted" in refused.value.message


def test_names_are_checked(user_a):
    key = SoftAuthenticator("testserver", "http://testserver")
    _register(user_a, key, name="Laptop")
    other = SoftAuthenticator("testserver", "http://testserver")
    with pytest.raises(DomainError) as taken:
        _register(user_a, other, name="  Laptop ")
    assert taken.value.code == "passkey_name_taken"
    with pytest.raises(DomainError) as empty:
        _register(user_a, other, name="   ")
    assert empty.value.code == "invalid_name"


def test_pages_register_a_passkey_and_sign_in_with_it(user_a, web_a):
    key = SoftAuthenticator("testserver", "http://testserver")
    options = web_a.post("/account/security/passkeys/options/")
    assert options.status_code == 200
    response = web_a.post(
        "/account/security/passkeys/",
        {"name": "Work laptop", "credential": json.dumps(key.register(options.content.decode()))},
    )
    assert response.status_code == 302
    assert Passkey.objects.get(user=user_a).name == "Work laptop"
    c = Client()
    assert c.post("/login/", {"username": "alice", "password": TEST_PASSWORD})["Location"] == (
        "/login/verify/"
    )
    page = c.get("/login/verify/").content.decode()
    assert "Use a passkey" in page
    challenge = c.post("/login/passkey/")
    response = c.post(
        "/login/verify/",
        {"kind": "passkey", "credential": json.dumps(key.sign(challenge.content.decode()))},
    )
    assert response.status_code == 302 and "_auth_user_id" in c.session
    assert c.session["identity_verified"] == "passkey"


def test_pages_refuse_a_missing_credential_and_keep_the_name(web_a, user_a):
    web_a.post("/account/security/passkeys/options/")
    response = web_a.post("/account/security/passkeys/", {"name": "Work laptop", "credential": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "did not create a passkey" in text and 'value="Work laptop"' in text
