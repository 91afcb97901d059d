"""The vault's cryptography alone: round trips, and every way a value must fail to open."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.vault import crypto
from backoffice.vault.keys import Keyring

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values, tenant=st.integers(1, 10**9), field=st.text(min_size=1, max_size=30))
def test_round_trip(value, tenant, field):
    envelope = crypto.seal_value(KEY, "v1", value, crypto.value_aad(tenant, field))
    assert crypto.is_envelope(envelope)
    assert envelope["kid"] == "v1"
    assert crypto.open_value(KEY, envelope, crypto.value_aad(tenant, field)) == value


@settings(max_examples=50, deadline=None)
@given(value=st.text(min_size=4, max_size=40))
def test_the_plaintext_is_not_in_the_envelope(value):
    envelope = crypto.seal_value(KEY, "v1", value, crypto.value_aad(1, "data.name"))
    assert value not in str(envelope)


def _aad():
    return crypto.value_aad(7, "data.iban")


def test_a_tampered_ciphertext_raises():
    envelope = crypto.seal_value(KEY, "v1", "DE89370400440532013000", _aad())
    raw = bytearray(base64.b64decode(envelope["$enc"]))
    raw[-1] ^= 1
    tampered = {**envelope, "$enc": base64.b64encode(bytes(raw)).decode()}
    with pytest.raises(crypto.DecryptionFailed, match="did not open"):
        crypto.open_value(KEY, tampered, _aad())


def test_a_wrong_key_raises():
    envelope = crypto.seal_value(KEY, "v1", "secret", _aad())
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_value(OTHER, envelope, _aad())


@pytest.mark.parametrize(
    "aad",
    [crypto.value_aad(8, "data.iban"), crypto.value_aad(7, "data.name")],
    ids=["tenant", "field"],
)
def test_a_value_moved_to_another_tenant_or_field_raises(aad):
    envelope = crypto.seal_value(KEY, "v1", "secret", _aad())
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_value(KEY, envelope, aad)


@pytest.mark.parametrize("bad", ["not base64!", "", base64.b64encode(b"short").decode()])
def test_garbage_raises_and_never_comes_back_as_a_value(bad):
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_value(KEY, {"$enc": bad, "kid": "v1"}, _aad())


def test_a_wrapped_key_opens_only_under_its_master_and_its_name():
    wrapped = crypto.wrap_key(KEY, OTHER, crypto.key_aad(3, 1))
    assert crypto.unwrap_key(KEY, wrapped, crypto.key_aad(3, 1)) == OTHER
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap_key(OTHER, wrapped, crypto.key_aad(3, 1))
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap_key(KEY, wrapped, crypto.key_aad(4, 1))


def test_a_keyring_opens_old_versions_and_seals_with_the_active_one():
    ring = Keyring(5, 2, {1: KEY, 2: OTHER})
    old = Keyring(5, 1, {1: KEY}).seal("1234", "data.card")
    new = ring.seal("1234", "data.card")
    assert (old["kid"], new["kid"]) == ("v1", "v2")
    assert ring.open(old, "data.card") == ring.open(new, "data.card") == "1234"


def test_a_destroyed_key_says_so():
    envelope = Keyring(5, 1, {1: KEY}).seal("x", "data.card")
    with pytest.raises(crypto.KeyDestroyed, match="cannot be recovered"):
        Keyring(5, 0, {}, frozenset({1})).open(envelope, "data.card")


def test_blind_digests_are_keyed_normalised_and_truncated():
    a = crypto.blind_digest(KEY, "data.iban", "DE89 3704 0044")
    assert a == crypto.blind_digest(KEY, "data.iban", "de8937040044")
    assert a != crypto.blind_digest(OTHER, "data.iban", "DE89 3704 0044")
    assert a != crypto.blind_digest(KEY, "data.other", "DE89 3704 0044")
    assert len(a) == 32


@pytest.mark.parametrize(
    ("text", "words"),
    [("%%%", "not valid base64"), (base64.b64encode(b"x" * 16).decode(), "32 bytes")],
)
def test_a_bad_master_key_is_refused_in_words(text, words):
    with pytest.raises(crypto.VaultError, match=words):
        crypto.decode_master_key(text)
