"""The notifications app's settings, each read when used (never at import) with a default.

| setting | default | meaning |
| --- | --- | --- |
| `NOTIFICATIONS_REPLY_DOMAIN` | `reply.localhost` | the domain of the signed reply-to addresses |
| `NOTIFICATIONS_REPLY_MAX_AGE_DAYS` | 90 | how long a reply-to address keeps working |
| `NOTIFICATIONS_FROM_EMAIL` | `DEFAULT_FROM_EMAIL` | the sender of every notification |
| `NOTIFICATIONS_SITE_URL` | `http://localhost:8000` | links in mails point here |
| `NOTIFICATIONS_MAX_INBOUND_BYTES` | 25 MiB | a larger mail is refused whole |
| `NOTIFICATIONS_DIGEST_HOUR` | 8 | the digest's hour (0-23) in each person's own zone |
| `ANYMAIL["WEBHOOK_SECRET"]` | unset | `user:password` for the inbound webhooks (unset: 404) |
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def reply_domain() -> str:
    return str(getattr(settings, "NOTIFICATIONS_REPLY_DOMAIN", "reply.localhost")).lower()


def reply_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "NOTIFICATIONS_REPLY_MAX_AGE_DAYS", 90)))


def from_email() -> str:
    return str(getattr(settings, "NOTIFICATIONS_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL))


def site_url() -> str:
    return str(getattr(settings, "NOTIFICATIONS_SITE_URL", "http://localhost:8000")).rstrip("/")


def digest_hour() -> int:
    return min(23, max(0, int(getattr(settings, "NOTIFICATIONS_DIGEST_HOUR", 8))))


def max_inbound_bytes() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_INBOUND_BYTES", 25 * 1024 * 1024))


def max_attachment_bytes() -> int:
    """The web's upload limit, so a mailed attachment obeys the same rule."""
    return int(settings.BACKOFFICE.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def webhook_secrets() -> list[str]:
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    secret = anymail.get("WEBHOOK_SECRET") or getattr(settings, "ANYMAIL_WEBHOOK_SECRET", None)
    if not secret:
        return []
    return [secret] if isinstance(secret, str) else list(secret)
