"""Encryption of the secrets this app keeps (TOTP seeds), with a key derived from SECRET_KEY.

HKDF-SHA256 derives a Fernet key (AES-128-CBC + HMAC-SHA256) from SECRET_KEY with a label
of its own, so the key is never the SECRET_KEY itself and no other use of SECRET_KEY can
produce it. SECRET_KEY_FALLBACKS still decrypt (rotate by moving the old key there; a seed is
re-encrypted under the new key the next time it is used). A value that does not decrypt
raises `SecretUnreadable` — there is no fallback to the stored text.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"backoffice.identity totp-secret v1"


class SecretUnreadable(Exception):
    """The stored secret does not decrypt with the current or a fallback key."""


def _fernet_key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def _current() -> MultiFernet:
    fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()) or ())
    return _cipher((settings.SECRET_KEY, *fallbacks))


def encrypt(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("the stored secret does not decrypt with the current keys") from exc
