"""Signed reply-to addresses: `reply+<token>@<REPLY_DOMAIN>`, one per thread and person.

The token is `<tenant>-<thread>-<user>.<time>.<signature>`, signed by Django's
`TimestampSigner` under a salt of its own. Every part is lower-case letters, digits and
`-`/`.`, so an MTA that lower-cases the local part does not break it, and the address stays
under the 64 characters a local part may have.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.utils.crypto import salted_hmac

from backoffice.notifications import conf

SALT = "backoffice.notifications.reply-to"
_ADDRESS = re.compile(r"reply\+([a-z0-9.\-]+)@([a-z0-9.\-]+)", re.IGNORECASE)


class ReplySigner(TimestampSigner):
    """A `TimestampSigner` whose time and signature survive lower-casing (base 36, base 32)."""

    def __init__(self) -> None:
        super().__init__(sep=".", salt=SALT)

    def timestamp(self) -> str:
        return _base36(int(time.time()))

    def signature(self, value: str, key: str | bytes | None = None) -> str:  # type: ignore[override]
        mac = salted_hmac(SALT + "signer", value, key or self.key, algorithm="sha256").digest()
        return base64.b32encode(mac[:15]).decode().lower()

    def unsign(self, value: str, max_age: float | timedelta | None = None) -> str:  # type: ignore[override]
        result = super(TimestampSigner, self).unsign(value)
        value, stamp = result.rsplit(self.sep, 1)
        try:
            signed_at = int(stamp, 36)
        except ValueError as exc:
            raise BadSignature("bad timestamp") from exc
        if max_age is not None:
            limit = max_age.total_seconds() if isinstance(max_age, timedelta) else max_age
            if time.time() - signed_at > limit:
                raise SignatureExpired("reply address expired")
        return value


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


@dataclass(frozen=True)
class ReplyTarget:
    tenant_id: int
    thread_id: int
    user_id: int


class TokenRefused(Exception):
    """The address carries no token we signed, or an expired one (`expired` says which)."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


def reply_address(*, tenant_id: int, thread_id: int, user_id: int) -> str:
    token = ReplySigner().sign(f"{tenant_id}-{thread_id}-{user_id}")
    return f"reply+{token}@{conf.reply_domain()}"


def find_tokens(addresses: list[str]) -> list[str]:
    """The tokens of our reply addresses among `addresses` (other domains are ignored)."""
    domain = conf.reply_domain()
    found = []
    for address in addresses:
        for token, at in _ADDRESS.findall(address or ""):
            if at.lower() == domain and token.lower() not in found:
                found.append(token.lower())
    return found


def read_token(token: str) -> ReplyTarget:
    """Who and which thread a token was issued for; `TokenRefused` if forged or expired."""
    try:
        value = ReplySigner().unsign(token.lower(), max_age=conf.reply_max_age())
    except SignatureExpired as exc:
        raise TokenRefused("the reply address has expired", expired=True) from exc
    except BadSignature as exc:
        raise TokenRefused("the reply address was not issued by us") from exc
    parts = value.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise TokenRefused("the reply address was not issued by us")
    tenant_id, thread_id, user_id = (int(p) for p in parts)
    return ReplyTarget(tenant_id=tenant_id, thread_id=thread_id, user_id=user_id)
