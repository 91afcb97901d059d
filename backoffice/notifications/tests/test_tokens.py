"""The signed reply-to address: it round-trips, survives lower-casing, and refuses
forgeries, other people's parts and old addresses."""

from __future__ import annotations

import time

import pytest

from backoffice.notifications import tokens


def test_an_address_round_trips_and_fits_a_local_part(settings):
    settings.NOTIFICATIONS_REPLY_DOMAIN = "reply.example.com"
    address = tokens.reply_address(tenant_id=12, thread_id=345678, user_id=9012)
    local, domain = address.split("@")
    assert domain == "reply.example.com" and local.startswith("reply+")
    assert len(local) <= 64
    (token,) = tokens.find_tokens([f"Someone <{address.upper()}>"])  # an MTA lower/upper-cased it
    assert tokens.read_token(token) == tokens.ReplyTarget(12, 345678, 9012)


def test_addresses_of_another_domain_are_not_ours(settings):
    settings.NOTIFICATIONS_REPLY_DOMAIN = "reply.example.com"
    address = tokens.reply_address(tenant_id=1, thread_id=2, user_id=3)
    assert tokens.find_tokens([address.replace("reply.example.com", "evil.test")]) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("1-2-3.", "1-2-4.", 1),  # someone else's user id
        lambda t: t.replace("1-2-3.", "9-2-3.", 1),  # another tenant
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # signature touched
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: "1-2-3.zz.abc",
    ],
)
def test_a_changed_token_is_refused_as_forged(settings, change):
    settings.NOTIFICATIONS_REPLY_DOMAIN = "reply.example.com"
    token = tokens.reply_address(tenant_id=1, thread_id=2, user_id=3)[6:].split("@")[0]
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.read_token(change(token))
    assert not refused.value.expired


def test_a_token_signed_with_another_key_is_forged(settings):
    token = tokens.reply_address(tenant_id=1, thread_id=2, user_id=3)[6:].split("@")[0]
    settings.SECRET_KEY = "another-key-" + "x" * 40
    with pytest.raises(tokens.TokenRefused):
        tokens.read_token(token)


def test_an_old_token_is_refused_as_expired(settings, monkeypatch):
    settings.NOTIFICATIONS_REPLY_MAX_AGE_DAYS = 30
    token = tokens.reply_address(tenant_id=1, thread_id=2, user_id=3)[6:].split("@")[0]
    now = time.time()
    monkeypatch.setattr(tokens.time, "time", lambda: now + 29 * 86400)
    assert tokens.read_token(token).thread_id == 2
    monkeypatch.setattr(tokens.time, "time", lambda: now + 31 * 86400)
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.read_token(token)
    assert refused.value.expired
