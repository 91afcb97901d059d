"""The mails themselves: subjects, headers, the text people read. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from django.core.mail import EmailMessage
from django.urls import reverse

from backoffice.notifications import conf
from backoffice.notifications.threads import Posted, thread_url
from backoffice.tenancy.models import Organization, User

# Our own mails carry this; a mail that comes back with it is a loop.
LOOP_HEADER = "X-Backoffice-Loop"


def new_message_id() -> str:
    return make_msgid(domain=conf.reply_domain())


def thread_reference(tenant_id: int, thread_id: int) -> str:
    """A stable id every mail of one thread refers to, so mail programs group them."""
    return f"<thread.{tenant_id}.{thread_id}@{conf.reply_domain()}>"


def _local(user: User, posted: Posted) -> str:
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    at = posted.created_at.astimezone(zone)
    return f"{at:%d %b %Y, %H:%M} ({zone.key})"


def _footer(tenant: Organization) -> str:
    prefs = conf.site_url() + reverse("notifications:preferences", args=[tenant.slug])
    return f"You can choose how you hear from {tenant.name}: {prefs}"


def message_subject(tenant: Organization, posted: Posted) -> str:
    label = "Internal note: " if posted.internal else ""
    return f"[{tenant.name}] {label}{posted.thread_title}"[:255]


def message_mail(
    *,
    tenant: Organization,
    user: User,
    posted: Posted,
    message_id: str,
    subject: str,
    reply_to: str | None,
) -> EmailMessage:
    link = conf.site_url() + thread_url(tenant, posted.thread_id)
    lines = [f"{posted.author_name} wrote on {_local(user, posted)}:", "", posted.body, ""]
    if posted.attachment_names:
        lines += ["Attached: " + ", ".join(posted.attachment_names), ""]
    if posted.internal:
        lines += [
            "This is an internal note: only the provider's staff see it.",
            f"Answer it in the conversation (not by email): {link}",
        ]
    else:
        lines += [f"Reply to this email to answer in the conversation, or open it: {link}"]
    lines += ["", "-- ", _footer(tenant)]
    ref = thread_reference(tenant.pk, posted.thread_id)
    headers = {
        "Message-ID": message_id,
        "In-Reply-To": ref,
        "References": ref,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        LOOP_HEADER: conf.reply_domain(),
    }
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=conf.from_email(),
        to=[user.email],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )


def digest_subject(tenant: Organization, count: int) -> str:
    noun = "message" if count == 1 else "messages"
    return f"[{tenant.name}] Your daily digest: {count} new {noun}"


def digest_mail(
    *,
    tenant: Organization,
    user: User,
    posts: Sequence[Posted],
    message_id: str,
    subject: str,
) -> EmailMessage:
    lines = [f"What was written in {tenant.name}'s conversations since your last digest.", ""]
    thread_id = None
    for posted in posts:
        if posted.thread_id != thread_id:
            thread_id = posted.thread_id
            link = conf.site_url() + thread_url(tenant, posted.thread_id)
            lines += ["", f"== {posted.thread_title} ==", link, ""]
        label = " (internal note)" if posted.internal else ""
        lines += [f"{posted.author_name}{label}, {_local(user, posted)}:", posted.body, ""]
    lines += [
        "-- ",
        "Open a conversation to answer; this digest takes no replies.",
        _footer(tenant),
    ]
    headers = {
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        LOOP_HEADER: conf.reply_domain(),
    }
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=conf.from_email(),
        to=[user.email],
        headers=headers,
    )
