"""Mail in: a reply to a notification becomes a message in its thread.

`receive_email(raw)` is the one door (the `backoffice mail ingest` command and the
inbound webhooks both call it). In order: size, automatic mail and loops (ignored), the
signed reply address (forged or expired: refused), the sender (must be the person the
address was issued to), quoted text and signatures stripped, attachments kept, then one
transaction that posts through conversations and logs the Message-ID — the same mail
twice posts once. A refusal writes nothing and is logged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import structlog
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags
from email_reply_parser import EmailReplyParser

from backoffice.core.errors import DomainError, NotFound
from backoffice.core.rls import set_rls_tenants
from backoffice.notifications import conf, events, threads, tokens
from backoffice.notifications.error_codes import Refusal
from backoffice.notifications.mail import LOOP_HEADER
from backoffice.notifications.models import InboundEmail, OutboundEmail
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.selectors import access_tenant

log = structlog.get_logger("backoffice.notifications")


@dataclass(frozen=True)
class Outcome:
    """What became of a mail: `posted`, `duplicate`, `ignored` or `refused`, and why."""

    status: str
    reason: str
    message: str
    thread_id: int | None = None
    posted: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in ("posted", "duplicate", "ignored")


class _Refused(Exception):
    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def receive_email(raw: bytes, *, envelope_recipient: str = "") -> Outcome:
    """Post a mailed reply in its thread, or say in words why not (nothing written then)."""
    try:
        outcome = _receive(raw, envelope_recipient)
    except _Refused as refused:
        outcome = Outcome(status="refused", reason=refused.reason, message=refused.message)
    event = "notifications.inbound_" + outcome.status
    log.info(event, reason=outcome.reason, thread=outcome.thread_id, posted=outcome.posted)
    return outcome


def _receive(raw: bytes, envelope_recipient: str) -> Outcome:
    if len(raw) > conf.max_inbound_bytes():
        limit = conf.max_inbound_bytes() // (1024 * 1024)
        raise _Refused(Refusal.TOO_LARGE, f"The email is larger than {limit} MB.")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        message_id = _message_id(msg, raw)
        automatic = _automatic(msg, message_id)
    except (ValueError, TypeError, LookupError) as exc:
        raise _Refused(Refusal.UNREADABLE, "The email could not be read.") from exc
    if automatic:
        return Outcome(status="ignored", reason=automatic, message=_IGNORED[automatic])
    target = _target(msg, envelope_recipient)
    user = _sender(msg, target)
    body, files = _content(msg)
    return _post(target, user, message_id, body, files)


_IGNORED = {
    "auto_reply": "An automatic reply (out of office, auto-responder) is not posted.",
    "bulk": "Bulk or mailing-list mail is not posted.",
    "loop": "This is one of our own notifications coming back; it is not posted.",
}


def _message_id(msg: EmailMessage, raw: bytes) -> str:
    found = str(msg.get("Message-ID", "") or "").strip()
    if found:
        return found[:255]
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"


def _automatic(msg: EmailMessage, message_id: str) -> str:
    """Why a mail is automatic (an empty string for a person's mail)."""
    submitted = str(msg.get("Auto-Submitted", "no") or "no").strip().lower()
    if submitted.split(";")[0].strip() != "no":
        return "auto_reply"
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond")):
        return "auto_reply"
    precedence = str(msg.get("Precedence", "") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return "bulk"
    if msg.get(LOOP_HEADER):
        return "loop"
    if message_id.rstrip(">").lower().endswith("@" + conf.reply_domain()):
        return "loop"
    return ""


def _target(msg: EmailMessage, envelope_recipient: str) -> tokens.ReplyTarget:
    headers = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
    addresses = [envelope_recipient] + [
        addr for h in headers for _, addr in getaddresses([str(v) for v in msg.get_all(h, [])])
    ]
    found = tokens.find_tokens(addresses)
    if not found:
        raise _Refused(
            Refusal.NO_REPLY_ADDRESS,
            "The email was not sent to a conversation's reply address.",
        )
    try:
        return tokens.read_token(found[0])
    except tokens.TokenRefused as exc:
        if exc.expired:
            raise _Refused(
                Refusal.EXPIRED_TOKEN,
                "The reply address has expired; answer in the conversation on the web.",
            ) from exc
        raise _Refused(Refusal.FORGED_TOKEN, "The reply address is not one we issued.") from exc


def _sender(msg: EmailMessage, target: tokens.ReplyTarget) -> User:
    _, sender = parseaddr(str(msg.get("From", "") or ""))
    user = User.objects.filter(pk=target.user_id, is_active=True).first()
    if user is None or not sender or sender.lower() != (user.email or "").lower():
        raise _Refused(
            Refusal.UNKNOWN_SENDER,
            "The sender is not the person this reply address was issued to.",
        )
    return user


_SIGNATURES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
}


def _content(msg: EmailMessage) -> tuple[str, list[tuple[str, str, bytes]]]:
    part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if part is not None:
        text = str(part.get_content())
        if part.get_content_type() == "text/html":
            text = strip_tags(text)
    body = EmailReplyParser.parse_reply(text.replace("\r\n", "\n")).strip()
    files = []
    for attachment in msg.iter_attachments():
        if attachment.get_content_type() in _SIGNATURES:
            continue  # a mail program's signature of the mail, not a file the person sent
        content = attachment.get_payload(decode=True) or b""
        name = attachment.get_filename() or "attachment"
        files.append((name, attachment.get_content_type(), bytes(content)))
    if not body and files:
        body = "(files sent by email)"
    if not body:
        raise _Refused(Refusal.EMPTY, "The reply has no text of its own.")
    return body, files


def _post(
    target: tokens.ReplyTarget,
    user: User,
    message_id: str,
    body: str,
    files: list[tuple[str, str, bytes]],
) -> Outcome:
    tenant = Organization.objects.filter(pk=target.tenant_id, is_active=True).first()
    if tenant is None:
        raise _Refused(Refusal.NO_ACCESS, "The sender no longer has access to this conversation.")
    try:
        with transaction.atomic():
            set_rls_tenants([tenant.pk])
            done = InboundEmail.objects.for_tenant(tenant).filter(message_id=message_id).first()
            if done is not None:
                return Outcome(
                    status="duplicate",
                    reason="duplicate",
                    message="This email was already posted.",
                    thread_id=done.thread_id,
                    posted=done.posted,
                )
            ours = OutboundEmail.objects.for_tenant(tenant).filter(message_id=message_id)
            if ours.exists():
                return Outcome(status="ignored", reason="loop", message=_IGNORED["loop"])
            access = access_tenant(user=user, slug=tenant.slug)
            posted = threads.post_reply(
                access=access,
                thread_id=target.thread_id,
                body=body,
                internal=False,
                attachments=files,
                email_message_id=message_id,
            )
            row = InboundEmail.objects.create(
                tenant=tenant,
                message_id=message_id,
                user=user,
                thread_id=target.thread_id,
                posted=posted,
                attachments=len(files),
            )
            events.record(tenant=tenant, actor=user, event=events.reply_received(row))
    except NotFound as exc:
        raise _Refused(
            Refusal.NO_ACCESS, "The sender no longer has access to this conversation."
        ) from exc
    except DomainError as exc:
        raise _Refused(Refusal.REJECTED, exc.message) from exc
    except IntegrityError:
        return Outcome(
            status="duplicate", reason="duplicate", message="This email was already posted."
        )
    return Outcome(
        status="posted",
        reason="posted",
        message="The reply was posted in the conversation.",
        thread_id=target.thread_id,
        posted=posted,
    )
