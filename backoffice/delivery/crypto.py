"""Webhook secrets: made here, kept encrypted at rest, shown to people exactly once.

The key is derived from Django's `SECRET_KEY` (HKDF-SHA256, its own `info`, so it is no
other use of that key); the stored form is a Fernet token (AES-128-CBC with HMAC-SHA256).
Changing `SECRET_KEY` makes the stored secrets unreadable: rotate each endpoint's secret
afterwards (docs/delivery.md). Deliveries that cannot decrypt their secret fail with a
clear error instead of sending unsigned.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SECRET_PREFIX = "whsec_"


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (SECRET_KEY changed since it was stored)."""


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"backoffice.delivery",
        info=b"webhook signing secrets v1",
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("The endpoint's secret cannot be read: rotate it.") from exc


def hint(secret: str) -> str:
    """What a page may show of a secret: its last four characters."""
    return "…" + secret[-4:]
