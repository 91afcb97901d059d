"""Signed-in browsers: recorded at sign-in, touched at most once a minute, ended on request.

A row is found by the SHA-256 digest of the session key; the middleware signs a browser out
at its next request once its row is ended (so "sign out everywhere else" takes effect on
each device's next click, without keeping the keys themselves)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from backoffice.identity import events
from backoffice.identity.models import UserSession
from backoffice.identity.selectors import home_tenant_id
from backoffice.tenancy.models import User

TOUCH_EVERY = timedelta(minutes=1)


def key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def record_sign_in(
    *,
    user: User,
    session_key: str,
    user_agent: str,
    ip: str | None,
    method: str,
    audit: bool = True,
) -> UserSession:
    """A new signed-in session (the key was just cycled by `login`), and, when `audit`, the
    sign-in event (the sign-in flow audits; a session met without a row only gets its row)."""
    now = timezone.now()
    with transaction.atomic():
        row, _ = UserSession.objects.update_or_create(
            key_hash=key_hash(session_key),
            defaults={
                "user": user,
                "user_agent": (user_agent or "")[:400],
                "ip_address": ip or None,
                "method": method[:20],
                "last_seen_at": now,
                "ended_at": None,
                "end_reason": "",
            },
        )
        if audit:
            events.record(
                tenant_id=home_tenant_id(user), actor=user, event=events.signed_in(user, method)
            )
    return row


def touch_session(*, row: UserSession, ip: str | None) -> None:
    """Note that the session is in use, at most once a minute (one UPDATE)."""
    now = timezone.now()
    if now - row.last_seen_at < TOUCH_EVERY:
        return
    UserSession.objects.filter(pk=row.pk, ended_at__isnull=True).update(
        last_seen_at=now, ip_address=ip or row.ip_address
    )


def end_by_key(*, session_key: str, reason: str) -> None:
    """The browser itself signed out, or idled out: no audit event (it is the person's own act
    or the clock's), the row just closes."""
    UserSession.objects.filter(key_hash=key_hash(session_key), ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason
    )


def end_session(*, user: User, session: UserSession) -> None:
    """Sign one of the person's sessions out (it notices at its next request)."""
    with transaction.atomic():
        ended = UserSession.objects.filter(pk=session.pk, user=user, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=UserSession.EndReason.REVOKED
        )
        if ended:
            events.record(
                tenant_id=home_tenant_id(user),
                actor=user,
                event=events.session_ended(user, session.pk, UserSession.EndReason.REVOKED),
            )


def end_other_sessions(*, user: User, keep_session_key: str | None) -> int:
    """Sign out every session of the person but the one named (None: all of them)."""
    with transaction.atomic():
        open_rows = UserSession.objects.filter(user=user, ended_at__isnull=True)
        if keep_session_key:
            open_rows = open_rows.exclude(key_hash=key_hash(keep_session_key))
        count = open_rows.update(ended_at=timezone.now(), end_reason=UserSession.EndReason.REVOKED)
        if count:
            events.record(
                tenant_id=home_tenant_id(user),
                actor=user,
                event=events.other_sessions_ended(user, count),
            )
    return count


def note_signed_in(*, user: User, method: str) -> None:
    """The audit event of a completed sign-in (the flow's last step; no secret in it)."""
    with transaction.atomic():
        events.record(
            tenant_id=home_tenant_id(user), actor=user, event=events.signed_in(user, method)
        )
