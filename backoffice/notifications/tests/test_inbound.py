"""Bad input by mail: each refused or ignored with a clear outcome and nothing written."""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.conversations.models import Message, MessageAttachment
from backoffice.notifications import services, tokens
from backoffice.notifications.models import InboundEmail
from backoffice.notifications.tests.conftest import REPLY_DOMAIN

pytestmark = pytest.mark.django_db


def _address(thread, user) -> str:
    return tokens.reply_address(tenant_id=thread.tenant_id, thread_id=thread.pk, user_id=user.pk)


def _mail(
    *,
    to: str,
    sender: str = "alice@client-a.test",
    body: str = "Yes, please go ahead.",
    message_id: str = "<r1@client-a.test>",
    headers: dict[str, str] | None = None,
    files: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = sender, to, "Re: question", message_id
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(body)
    for name, content_type, content in files:
        main, sub = content_type.split("/")
        m.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return m.as_bytes()


def _written(tenant) -> tuple[int, int, int, int]:
    return (
        Message.objects.for_tenant(tenant).count(),
        MessageAttachment.objects.for_tenant(tenant).count(),
        InboundEmail.objects.for_tenant(tenant).count(),
        AuditEvent.objects.for_tenant(tenant).count(),
    )


def _refused(raw: bytes, tenant, reason: str, words: str) -> None:
    before = _written(tenant)
    outcome = services.receive_email(raw)
    assert (outcome.status, outcome.reason) == ("refused", reason)
    assert words in outcome.message
    assert _written(tenant) == before


def test_a_good_reply_posts_once_however_often_it_is_delivered(client_a, thread_a, alice):
    raw = _mail(to=_address(thread_a, alice))
    first = services.receive_email(raw)
    assert first.status == "posted" and first.thread_id == thread_a.pk
    written = _written(client_a)
    again = services.receive_email(raw)
    assert (again.status, again.message) == ("duplicate", "This email was already posted.")
    assert _written(client_a) == written
    assert Message.objects.for_tenant(client_a).filter(via="email").count() == 1


def test_a_forged_token_is_refused(client_a, thread_a, alice, carol):
    # alice edits the address she got so it names carol's thread membership
    address = _address(thread_a, alice).replace(f"-{alice.pk}.", f"-{carol.pk}.")
    _refused(_mail(to=address), client_a, "forged_token", "not one we issued")


def test_an_expired_token_is_refused(client_a, thread_a, alice, settings, monkeypatch):
    settings.NOTIFICATIONS_REPLY_MAX_AGE_DAYS = 7
    address = _address(thread_a, alice)
    later = time.time() + 8 * 86400
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    _refused(_mail(to=address), client_a, "expired_token", "expired")


def test_mail_from_an_unknown_sender_is_refused(client_a, thread_a, alice):
    raw = _mail(to=_address(thread_a, alice), sender="mallory@evil.test")
    _refused(raw, client_a, "unknown_sender", "not the person this reply address was issued to")


def test_mail_from_another_member_with_alices_address_is_refused(client_a, thread_a, alice, carol):
    raw = _mail(to=_address(thread_a, alice), sender=carol.email)
    _refused(raw, client_a, "unknown_sender", "not the person")


def test_mail_to_no_reply_address_is_refused(client_a, thread_a, alice):
    raw = _mail(to=f"support@{REPLY_DOMAIN}")
    _refused(raw, client_a, "no_reply_address", "not sent to a conversation's reply address")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
        ({"Auto-Submitted": "auto-generated"}, "auto_reply"),
        ({"X-Autoreply": "yes"}, "auto_reply"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"Precedence": "junk"}, "bulk"),
        ({"Precedence": "list"}, "bulk"),
        ({"X-Backoffice-Loop": REPLY_DOMAIN}, "loop"),
    ],
)
def test_automatic_mail_is_ignored(client_a, thread_a, alice, headers, reason):
    before = _written(client_a)
    outcome = services.receive_email(_mail(to=_address(thread_a, alice), headers=headers))
    assert (outcome.status, outcome.reason) == ("ignored", reason)
    assert outcome.accepted
    assert _written(client_a) == before


def test_auto_submitted_no_is_a_person(client_a, thread_a, alice):
    raw = _mail(to=_address(thread_a, alice), headers={"Auto-Submitted": "no"})
    assert services.receive_email(raw).status == "posted"


def test_our_own_mail_coming_back_is_a_loop(client_a, thread_a, alice):
    raw = _mail(to=_address(thread_a, alice), message_id=f"<123.456@{REPLY_DOMAIN}>")
    outcome = services.receive_email(raw)
    assert (outcome.status, outcome.reason) == ("ignored", "loop")


def test_an_oversize_attachment_is_refused_whole(client_a, thread_a, alice, monkeypatch):
    from backoffice.work.services import attachments

    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 1024 * 1024)
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    raw = _mail(to=_address(thread_a, alice), files=[("big.pdf", "application/pdf", big)])
    _refused(raw, client_a, "rejected", "big.pdf is larger than 1 MB")


def test_a_disallowed_attachment_is_refused_whole(client_a, thread_a, alice):
    raw = _mail(
        to=_address(thread_a, alice),
        files=[("setup.exe", "application/octet-stream", b"MZ\x90\x00binary")],
    )
    _refused(raw, client_a, "rejected", "setup.exe: this type of file is not accepted")


def test_a_mail_larger_than_the_limit_is_refused_unread(client_a, thread_a, alice, settings):
    settings.NOTIFICATIONS_MAX_INBOUND_BYTES = 2000
    raw = _mail(to=_address(thread_a, alice), body="x " * 2000)
    _refused(raw, client_a, "too_large", "larger than")


def test_a_reply_with_only_quoted_text_is_refused(client_a, thread_a, alice):
    raw = _mail(to=_address(thread_a, alice), body="On Monday, Agent wrote:\n> the question\n")
    _refused(raw, client_a, "empty", "no text of its own")


def test_a_reply_to_another_clients_thread_is_refused(client_a, client_b, thread_a, user_b):
    # bob (client B) holds a genuine token naming client A's thread: never issued, but the
    # access check stands even so
    user_b.email = "bob@client-b.test"
    user_b.save(update_fields=["email"])
    raw = _mail(to=_address(thread_a, user_b), sender=user_b.email)
    _refused(raw, client_a, "no_access", "no longer has access")


def test_a_member_who_left_is_refused(client_a, thread_a, carol):
    from backoffice.tenancy.models import Membership

    address = _address(thread_a, carol)
    Membership.objects.filter(user=carol, organization=client_a).update(is_active=False)
    _refused(_mail(to=address, sender=carol.email), client_a, "no_access", "no longer has access")


def test_html_only_replies_are_read_as_text(client_a, thread_a, alice):
    m = EmailMessage()
    m["From"], m["To"], m["Message-ID"] = alice.email, _address(thread_a, alice), "<h1@a.test>"
    m.set_content("<p>Fine <b>by us</b>.</p>", subtype="html")
    assert services.receive_email(m.as_bytes()).status == "posted"
    posted = Message.objects.for_tenant(client_a).get(email_message_id="<h1@a.test>")
    assert posted.body == "Fine by us."


def test_a_mail_programs_signature_part_is_not_taken_for_a_file(client_a, thread_a, alice):
    raw = _mail(
        to=_address(thread_a, alice),
        files=[("smime.p7s", "application/pkcs7-signature", b"0\x82\x05signature")],
    )
    assert services.receive_email(raw).status == "posted"
    assert MessageAttachment.objects.for_tenant(client_a).count() == 0
