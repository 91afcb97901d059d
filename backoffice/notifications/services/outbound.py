"""Mail out: who hears of a posted message and how, sending, the daily digest.

`notify_posted` runs when conversations announces a message (after its commit): per
recipient it reads their preference for that tenant and either logs a mail to send now
(`OutboundEmail`, sent after this commit by a task) or queues a `DigestEntry`. Before a
mail is written, and again before it is sent, the recipient is checked: an internal note
goes only to provider staff who read notes, never to a client's member.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from backoffice.core.rls import set_rls_bypass, set_rls_tenants
from backoffice.notifications import conf, mail, threads, tokens
from backoffice.notifications.models import DigestEntry, Kind, Mode, OutboundEmail
from backoffice.notifications.selectors import modes_of
from backoffice.tenancy.models import Organization, User

log = structlog.get_logger("backoffice.notifications")
MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=15)


@dataclass
class Planned:
    mails: list[int]
    digested: list[int]
    withheld: list[int]


def _mode_for(user: User, posted: threads.Posted) -> str:
    modes = modes_of(tenant_id=posted.tenant_id, user_id=user.pk)
    if user.pk in posted.mentioned_ids and modes[Kind.MENTIONS] != Mode.OFF:
        return modes[Kind.MENTIONS]
    return modes[Kind.MESSAGES]


def notify_posted(*, message: Any, recipients: Iterable[User]) -> Planned:
    """Plan the mails for one posted message or note; the mails go out after commit."""
    tenant = Organization.objects.get(pk=message.tenant_id)
    plan = Planned(mails=[], digested=[], withheld=[])
    with transaction.atomic():
        set_rls_tenants([tenant.pk])
        posted = threads.describe(message)
        for user in recipients:
            if user.pk == posted.author_id:
                continue
            if not threads.may_receive(user, posted):
                plan.withheld.append(user.pk)
                continue
            mode = _mode_for(user, posted)
            if mode == Mode.IMMEDIATELY:
                row = _log_mail(tenant, user, posted)
                if row is not None:
                    plan.mails.append(row.pk)
            elif mode == Mode.DIGEST:
                DigestEntry.objects.for_tenant(tenant).get_or_create(
                    tenant=tenant,
                    user=user,
                    source=posted.source,
                    defaults={"thread_id": posted.thread_id},
                )
                plan.digested.append(user.pk)
        ids = list(plan.mails)
        transaction.on_commit(lambda: _enqueue(tenant.pk, ids))
    if plan.withheld:
        log.info("notifications.withheld", source=posted.source, users=plan.withheld)
    return plan


def _log_mail(tenant: Organization, user: User, posted: threads.Posted) -> OutboundEmail | None:
    """The mail's log row (None if this message was already mailed to this person)."""
    try:
        with transaction.atomic():
            return OutboundEmail.objects.create(
                tenant=tenant,
                user=user,
                to_address=user.email,
                sort=OutboundEmail.Sort.MESSAGE,
                source=posted.source,
                thread_id=posted.thread_id,
                message_id=mail.new_message_id(),
                subject=mail.message_subject(tenant, posted),
            )
    except IntegrityError:
        return None


def _enqueue(tenant_id: int, ids: Sequence[int]) -> None:
    from backoffice.notifications.tasks import send_email

    for pk in ids:
        send_email.enqueue(tenant_id=tenant_id, outbound_id=pk)


def deliver(*, tenant_id: int, outbound_id: int) -> str:
    """Send one logged mail (if queued, failed, or stuck sending); its status afterwards.

    The row is claimed (status `sending`) in one short transaction, the mail goes out with
    no transaction open (an SMTP server that hangs must not hold SQLite's write lock), and
    a second transaction records the result. A worker that dies mid-send leaves `sending`;
    `retry_failed` takes such rows up again after STUCK_AFTER (at least once, not exactly).
    """
    claimed = _claim(tenant_id, outbound_id)
    if isinstance(claimed, str):
        return claimed
    error = ""
    try:
        claimed.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        error = str(exc)[:500] or exc.__class__.__name__
        log.warning("notifications.send_failed", outbound=outbound_id, error=error)
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        rows = OutboundEmail.objects.for_tenant(tenant_id).filter(pk=outbound_id)
        if error:
            rows.update(status=OutboundEmail.Status.FAILED, error=error)
            return str(OutboundEmail.Status.FAILED)
        rows.update(status=OutboundEmail.Status.SENT, error="", sent_at=timezone.now())
        return str(OutboundEmail.Status.SENT)


def _claim(tenant_id: int, outbound_id: int) -> Any:
    """The mail to send now, its row marked `sending`; or the status that says why not."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        row = (
            OutboundEmail.objects.for_tenant(tenant_id)
            .select_for_update()
            .select_related("user", "tenant")
            .filter(pk=outbound_id)
            .first()
        )
        if row is None:
            return "missing"
        now = timezone.now()
        busy = (
            row.status == OutboundEmail.Status.SENDING
            and row.tried_at
            and (now - row.tried_at < STUCK_AFTER)
        )
        if row.status == OutboundEmail.Status.SENT or busy:
            return row.status
        email = _compose(row)
        if email is None:
            row.status, row.error = OutboundEmail.Status.FAILED, "no longer allowed to see it"
            row.attempts = MAX_ATTEMPTS
            row.save(update_fields=["status", "error", "attempts"])
            return row.status
        row.status, row.attempts, row.tried_at = OutboundEmail.Status.SENDING, row.attempts + 1, now
        row.save(update_fields=["status", "attempts", "tried_at"])
        return email


def _compose(row: OutboundEmail) -> Any:
    """The mail for a log row, or None when its recipient may no longer see what it says."""
    user, tenant = row.user, row.tenant
    if row.sort == OutboundEmail.Sort.DIGEST:
        sources = DigestEntry.objects.for_tenant(tenant).filter(digest=row)
        posts = threads.load_many(tenant_id=tenant.pk, sources=[e.source for e in sources])
        posts = [p for p in posts if threads.may_receive(user, p)]
        if not posts:
            return None
        return mail.digest_mail(
            tenant=tenant, user=user, posts=posts, message_id=row.message_id, subject=row.subject
        )
    posted = threads.load(tenant_id=tenant.pk, source=row.source)
    if posted is None or not threads.may_receive(user, posted):
        return None
    reply_to = None
    if not posted.internal:
        reply_to = tokens.reply_address(
            tenant_id=tenant.pk, thread_id=posted.thread_id, user_id=user.pk
        )
    return mail.message_mail(
        tenant=tenant,
        user=user,
        posted=posted,
        message_id=row.message_id,
        subject=row.subject,
        reply_to=reply_to,
    )


def digest_due_since(user_zone: str, now: datetime) -> datetime:
    """The latest digest time (`conf.digest_hour()` o'clock in the person's zone) at or
    before `now`, in UTC. An unknown zone counts as UTC."""
    try:
        zone = ZoneInfo(user_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), time(conf.digest_hour()), tzinfo=zone)
    if due > local:
        due = datetime.combine(local.date() - timedelta(days=1), time(conf.digest_hour()), zone)
    return due.astimezone(UTC)


def send_due_digests(*, now: datetime | None = None) -> list[int]:
    """The periodic run: a person's digest goes out once their local digest hour (08:00 by
    default) has come since their oldest waiting message; the digests' ids. Run it often
    (every 15 minutes): each person's digest leaves within one run of their hour."""
    now = now or timezone.now()
    with transaction.atomic():
        set_rls_bypass()
        oldest = (
            DigestEntry.objects.unscoped("the digest run serves every tenant")
            .filter(digest__isnull=True)
            .values("tenant_id", "user_id")
            .annotate(first=Min("created_at"))
        )
        waiting = [(r["tenant_id"], r["user_id"], r["first"]) for r in oldest]
        zones = dict(
            User.objects.filter(pk__in={w[1] for w in waiting}).values_list("pk", "timezone")
        )
    due = sorted(
        (tenant_id, user_id)
        for tenant_id, user_id, first in waiting
        if first < digest_due_since(zones.get(user_id, "UTC"), now)
    )
    return _send_groups(due)


def send_digests(*, now: datetime | None = None) -> list[int]:
    """Gather every person's waiting entries into one digest per tenant, whatever the
    hour (`backoffice mail digests` by hand); the digests' ids."""
    with transaction.atomic():
        set_rls_bypass()
        waiting = (
            DigestEntry.objects.unscoped("the digest run serves every tenant")
            .filter(digest__isnull=True)
            .values_list("tenant_id", "user_id")
            .distinct()
        )
        groups = sorted(set(waiting))
    return _send_groups(groups)


def _send_groups(groups: Sequence[tuple[int, int]]) -> list[int]:
    made = []
    for tenant_id, user_id in groups:
        digest = _make_digest(tenant_id, user_id)
        if digest is not None:
            made.append(digest)
            deliver(tenant_id=tenant_id, outbound_id=digest)
    return made


def _make_digest(tenant_id: int, user_id: int) -> int | None:
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        entries = list(
            DigestEntry.objects.for_tenant(tenant_id)
            .select_for_update()
            .filter(user_id=user_id, digest__isnull=True)
        )
        user = User.objects.get(pk=user_id)
        if not entries or not user.email:
            return None
        tenant = Organization.objects.get(pk=tenant_id)
        row = OutboundEmail.objects.create(
            tenant=tenant,
            user=user,
            to_address=user.email,
            sort=OutboundEmail.Sort.DIGEST,
            message_id=mail.new_message_id(),
            subject=mail.digest_subject(tenant, len(entries)),
        )
        DigestEntry.objects.for_tenant(tenant_id).filter(pk__in=[e.pk for e in entries]).update(
            digest=row
        )
        return row.pk


def retry_failed() -> list[int]:
    """Send again the mails that failed or got stuck sending (up to MAX_ATTEMPTS tries
    each); their ids."""
    with transaction.atomic():
        set_rls_bypass()
        rows = list(
            OutboundEmail.objects.unscoped("the retry run serves every tenant")
            .filter(
                Q(status=OutboundEmail.Status.FAILED)
                | Q(status=OutboundEmail.Status.SENDING, tried_at__lt=timezone.now() - STUCK_AFTER),
                attempts__lt=MAX_ATTEMPTS,
            )
            .values_list("tenant_id", "pk")
        )
    for tenant_id, pk in rows:
        deliver(tenant_id=tenant_id, outbound_id=pk)
    return [pk for _, pk in rows]
