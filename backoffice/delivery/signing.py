"""Signing webhook payloads, and the check a receiver runs (copy it freely).

Every request carries the header

    Backoffice-Signature: t=1764590400,v1=5257a869e7ec…[,v1=<signature with the old secret>]

where `t` is the Unix time of sending and each `v1` is the hex HMAC-SHA256, keyed with an
endpoint secret (the whole `whsec_…` text, as UTF-8), of `f"{t}.".encode() + body`. During a
secret rotation's grace window the request carries one `v1` per secret (new first), so a
receiver that still holds the old secret keeps accepting while it switches.

A receiver accepts a request when one `v1` matches one of its secrets AND `t` is within
its tolerance of its own clock (300 s here): a captured request replayed later fails the
time check, and changing `t` breaks the signature. Compare in constant time.

This module imports nothing of Django or the project, so receivers can copy it as is.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

HEADER = "Backoffice-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not signed with a known secret, or too old (a replay)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<sig>[,v1=<sig>…]`, one signature per secret, in the order given."""
    parts = [f"t={timestamp}"]
    parts += [f"v1={signature(s, timestamp, body)}" for s in secrets]
    return ",".join(parts)


def parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            sigs.append(value)
    if timestamp is None or not sigs:
        raise SignatureError("The signature header has no timestamp or no signature.")
    return timestamp, sigs


def verify(
    body: bytes,
    header: str,
    secrets: str | Iterable[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a received request; return its timestamp, or raise `SignatureError`.

    `body` must be the raw bytes as received (not re-serialised JSON); `secrets` the one
    secret or the several a receiver accepts while it rotates.
    """
    timestamp, sigs = parse_header(header)
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("The request is too old (or its clock is off): refused as a replay.")
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    for key in keys:
        expected = signature(key, timestamp, body)
        if any(hmac.compare_digest(expected, s) for s in sigs):
            return timestamp
    raise SignatureError("No signature matches a known secret.")
