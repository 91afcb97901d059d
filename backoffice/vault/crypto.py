"""The vault's cryptography, pure: no database, no settings.

Envelope encryption with AES-256-GCM (`cryptography`'s AESGCM): a tenant's data key
encrypts values; a master key (never stored in the database) wraps the data keys. Every
value is sealed with associated data naming its tenant and field, so a ciphertext copied
to another tenant or another field does not open. A value that does not open raises
`DecryptionFailed`: nothing here ever hands back ciphertext in place of a value.

A sealed value is stored in JSON as `{"$enc": "<base64 nonce+ciphertext>", "kid": "v3"}`,
the key id naming the data key version that sealed it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
DIGEST_BYTES = 16  # a blind index keeps the first 128 bits of its HMAC-SHA256
ENC = "$enc"
KID = "kid"


class VaultError(Exception):
    """Something the vault cannot do; the message is safe to show (it never holds a value)."""


class DecryptionFailed(VaultError):
    """A sealed value did not open: tampered, moved, or sealed under another key."""


class KeyDestroyed(VaultError):
    """The data key was destroyed (crypto-shredding): the value is gone for good."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def key_fingerprint(key: bytes) -> str:
    """A short public name of a key (never the key): the first 8 bytes of its SHA-256."""
    return hashlib.sha256(b"backoffice-vault-key-id:" + key).hexdigest()[:16]


def value_aad(tenant_id: int, field: str) -> bytes:
    return f"backoffice-vault:value:{tenant_id}:{field}".encode()


def key_aad(tenant_id: int, version: int) -> bytes:
    return f"backoffice-vault:data-key:{tenant_id}:{version}".encode()


@lru_cache(maxsize=256)
def _aead(key: bytes) -> AESGCM:
    """The cipher of a key, made once (a tenant's keyring seals a whole batch with it)."""
    return AESGCM(key)


def forget_ciphers() -> None:
    """Drop the cached ciphers (a destroyed key must not stay in memory)."""
    _aead.cache_clear()


def _seal_bytes(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(key).encrypt(nonce, plaintext, aad)


def _open_bytes(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + 16:
        raise DecryptionFailed("The sealed value is too short to be one.")
    try:
        return _aead(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise DecryptionFailed(
            "A sealed value did not open: it was altered, moved from another record, or "
            "sealed under another key."
        ) from exc


def wrap_key(master: bytes, data_key: bytes, aad: bytes) -> bytes:
    """The data key sealed under the master key (what the database stores)."""
    return _seal_bytes(master, data_key, aad)


def unwrap_key(master: bytes, wrapped: bytes, aad: bytes) -> bytes:
    return _open_bytes(master, bytes(wrapped), aad)


def is_envelope(value: Any) -> bool:
    return type(value) is dict and ENC in value and KID in value and len(value) == 2


def seal_value(key: bytes, kid: str, value: Any, aad: bytes) -> dict[str, str]:
    """Any JSON value sealed into an envelope (its JSON text is what is encrypted)."""
    plaintext = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = _seal_bytes(key, plaintext, aad)
    return {ENC: base64.b64encode(sealed).decode("ascii"), KID: kid}


def open_value(key: bytes, envelope: dict[str, Any], aad: bytes) -> Any:
    """The value inside `envelope`; raises `DecryptionFailed` when it does not open."""
    try:
        sealed = base64.b64decode(str(envelope[ENC]), validate=True)
    except (ValueError, KeyError) as exc:
        raise DecryptionFailed("A sealed value is not valid base64.") from exc
    return json.loads(_open_bytes(key, sealed, aad))


def derive_index_key(data_key: bytes, tenant_id: int) -> bytes:
    """The blind index's HMAC key, derived from the data key (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=f"backoffice-vault:blind-index:{tenant_id}".encode(),
    ).derive(data_key)


def normalise(value: Any) -> str:
    """How a value is compared by exact-match search: text trimmed and case-folded, inner
    spaces dropped (an IBAN typed with or without its spaces is the same)."""
    text = value if isinstance(value, str) else json.dumps(value)
    return "".join(text.split()).casefold()


def blind_digest(index_key: bytes, field: str, value: Any) -> str:
    mac = hmac.new(index_key, f"{field}\x00{normalise(value)}".encode(), hashlib.sha256)
    return mac.hexdigest()[: DIGEST_BYTES * 2]


def decode_master_key(text: str) -> bytes:
    """A master key written as base64 (32 bytes); a clear error otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise VaultError("The master key is not valid base64.") from exc
    if len(key) != KEY_BYTES:
        raise VaultError(f"The master key must be {KEY_BYTES} bytes (base64 of 32 bytes).")
    return key
