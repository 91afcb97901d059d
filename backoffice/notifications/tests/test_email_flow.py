"""Mail out and back in through a real SMTP server: a client replies by email and the reply
lands in the right thread; an internal note never reaches a client; digests batch."""

from __future__ import annotations

import pytest

from backoffice.conversations.models import InternalNote, Message, MessageAttachment
from backoffice.conversations.tests.factories import note, say
from backoffice.notifications import services
from backoffice.notifications.models import DigestEntry, InboundEmail, Mode, OutboundEmail
from backoffice.notifications.selectors import outbound_log
from backoffice.notifications.services import set_preferences
from backoffice.notifications.tests.conftest import REPLY_DOMAIN, reply_to, smtp_mailers, text_of
from backoffice.tenancy.selectors import access_tenant

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _prefer(user, tenant, mode: str) -> None:
    access = access_tenant(user=user, slug=tenant.slug)
    set_preferences(access=access, modes={"messages": mode, "mentions": mode})


def test_a_client_reply_by_email_lands_in_its_thread(
    smtp, client_a, thread_a, agent, alice, carol, django_capture_on_commit_callbacks
):
    # given: the agent asks client A a question in its account thread
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "Which date format do your invoices use?")
    # then: alice and carol each got one mail (the agent, the author, none)
    assert sorted(r for m in smtp.mails for r in m.recipients) == [
        "alice@client-a.test",
        "carol@mail.test",
    ]
    mail = smtp.to("alice@client-a.test")[0]
    assert mail["Subject"] == "[Client A] " + thread_a.title
    assert "Which date format do your invoices use?" in text_of(mail)
    assert str(mail["Reply-To"]).startswith("reply+") and REPLY_DOMAIN in str(mail["Reply-To"])
    assert mail["Auto-Submitted"] == "auto-generated"
    link = f"https://backoffice.test/t/client-a/conversations/threads/{thread_a.pk}/"
    assert link in text_of(mail)
    assert "https://backoffice.test/t/client-a/notifications/preferences/" in text_of(mail)
    assert smtp.to("carol@mail.test")[0]["Reply-To"] != mail["Reply-To"]  # per person

    # when: alice replies from her mail program, quoting the question, with a PDF
    raw = reply_to(
        mail,
        sender="Alice <alice@client-a.test>",
        body="Day first: 31/12/2026.",
        attachments=[("sample.pdf", "application/pdf", PDF)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.receive_email(raw)

    # then: posted in the same thread as alice, by email, without the quote or signature
    assert outcome.status == "posted", outcome.message
    posted = Message.objects.for_tenant(client_a).get(email_message_id="<reply-1@client-a.test>")
    assert posted.thread_id == thread_a.pk and posted.author_id == alice.pk
    assert posted.via == "email"
    assert posted.body == "Day first: 31/12/2026."
    files = MessageAttachment.objects.for_tenant(client_a).filter(message=posted)
    assert [(f.name, f.size) for f in files] == [("sample.pdf", len(PDF))]
    # and the agent and carol hear of alice's answer by mail in turn
    assert "Day first: 31/12/2026." in text_of(smtp.to("agent@mail.test")[0])
    assert len(smtp.to("carol@mail.test")) == 2


def test_an_internal_note_is_never_mailed_to_a_client(
    smtp, client_a, thread_a, agent, ops, alice, carol, django_capture_on_commit_callbacks
):
    _prefer(alice, client_a, Mode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        note(thread_a, agent, "Client A is slow to pay; @alice @ops keep this between us.")
    # only the operations manager (staff who reads notes) got it, with no reply address
    assert [r for m in smtp.mails for r in m.recipients] == ["ops@mail.test"]
    staff_mail = smtp.to("ops@mail.test")[0]
    assert "slow to pay" in text_of(staff_mail)
    assert staff_mail["Reply-To"] is None
    assert "Internal note" in staff_mail["Subject"]
    # nothing queued for a client's digest either
    assert not DigestEntry.objects.for_tenant(client_a).filter(user__in=[alice, carol]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_digests()
    assert all(
        "slow to pay" not in text_of(m.message)
        for m in smtp.mails
        if m.recipients != ["ops@mail.test"]
    )
    assert smtp.to("alice@client-a.test") == [] and smtp.to("carol@mail.test") == []


def test_a_note_signal_naming_a_client_still_mails_only_staff(
    smtp, client_a, thread_a, agent, ops, alice, django_capture_on_commit_callbacks
):
    # even if a caller handed a client as a recipient of a note, the mail is withheld
    with django_capture_on_commit_callbacks(execute=False):
        posted = note(thread_a, agent, "Margin on this client is thin.")
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.notify_posted(message=posted, recipients=[alice, ops])
    assert plan.withheld == [alice.pk]
    assert smtp.to("alice@client-a.test") == []
    assert "Margin" in text_of(smtp.to("ops@mail.test")[0])
    assert isinstance(posted, InternalNote)


def test_digest_mode_batches_a_days_messages_into_one_mail(
    smtp, client_a, thread_a, agent, alice, carol, django_capture_on_commit_callbacks
):
    # given: alice wants a daily digest, carol everything off
    _prefer(alice, client_a, Mode.DIGEST)
    _prefer(carol, client_a, Mode.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "First batch arrived.")
        say(thread_a, agent, "Second batch arrived.")
    # then: nothing mailed yet, two entries wait
    assert smtp.mails == []
    assert DigestEntry.objects.for_tenant(client_a).filter(user=alice).count() == 2
    # when the daily task runs: one mail with both messages
    with django_capture_on_commit_callbacks(execute=True):
        made = services.send_digests()
    assert len(made) == 1
    (digest,) = smtp.to("alice@client-a.test")
    assert digest["Subject"] == "[Client A] Your daily digest: 2 new messages"
    body = text_of(digest)
    assert body.index("First batch arrived.") < body.index("Second batch arrived.")
    assert digest["Reply-To"] is None
    # and a second run sends nothing new
    assert services.send_digests() == []
    assert len(smtp.mails) == 1
    assert smtp.to("carol@mail.test") == []


def test_the_outbound_log_records_each_mail(
    smtp, client_a, thread_a, agent, alice, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "Logged?")
    rows = OutboundEmail.objects.for_tenant(client_a).order_by("to_address")
    assert [(r.to_address, r.status, r.attempts) for r in rows] == [
        ("alice@client-a.test", "sent", 1),
        ("carol@mail.test", "sent", 1),
    ]
    sent_ids = {str(m.message["Message-ID"]) for m in smtp.mails}
    assert sent_ids == {r.message_id for r in rows}
    # carol sees her own mail only, and so does alice, client A's admin
    assert [r.to_address for r in outbound_log(access_tenant(user=carol, slug="client-a"))] == [
        "carol@mail.test"
    ]
    assert [r.to_address for r in outbound_log(access_tenant(user=alice, slug="client-a"))] == [
        "alice@client-a.test"
    ]


def test_a_clients_people_never_see_the_mails_about_notes_in_the_log(
    smtp, provider_admin, client_a, thread_a, agent, ops, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note(thread_a, agent, "Between us.")
    assert OutboundEmail.objects.for_tenant(client_a).get().user == ops
    assert not outbound_log(access_tenant(user=alice, slug="client-a")).exists()
    # the provider's admin, who reads notes and the audit, sees it
    as_admin = outbound_log(access_tenant(user=provider_admin, slug="client-a"))
    assert [r.to_address for r in as_admin] == ["ops@mail.test"]


def test_a_failing_smtp_server_marks_the_mail_failed_and_a_retry_sends_it(
    smtp, settings, client_a, thread_a, agent, alice, django_capture_on_commit_callbacks
):
    settings.MAILERS = smtp_mailers(1)  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "Will this arrive?")
    row = OutboundEmail.objects.for_tenant(client_a).get(user=alice)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert row.error
    settings.MAILERS = smtp_mailers(smtp.port)
    assert services.retry_failed() == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.to("alice@client-a.test")) == 1


def test_the_same_signal_twice_mails_once(
    smtp, client_a, thread_a, agent, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = say(thread_a, agent, "Once only.")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_posted(message=message, recipients=[alice])
    assert len(smtp.to("alice@client-a.test")) == 1
    assert InboundEmail.objects.for_tenant(client_a).count() == 0


def test_mail_trouble_never_fails_the_post(
    client_a, thread_a, agent, alice, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**_):
        raise RuntimeError("mail system down")

    monkeypatch.setattr(services, "notify_posted", broken)
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "Still posted.")
    assert Message.objects.for_tenant(client_a).filter(body="Still posted.").exists()
    assert not OutboundEmail.objects.for_tenant(client_a).exists()


def test_mentions_have_their_own_preference(
    smtp, client_a, thread_a, agent, alice, django_capture_on_commit_callbacks
):
    access = access_tenant(user=alice, slug=client_a.slug)
    set_preferences(access=access, modes={"messages": Mode.OFF, "mentions": Mode.IMMEDIATELY})
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "A note to everyone.")
        say(thread_a, agent, f"@{alice.username} could you check the totals?")
    (mail,) = smtp.to("alice@client-a.test")
    assert "could you check the totals?" in text_of(mail)


def test_a_mail_stuck_sending_is_left_alone_then_taken_up_again(
    smtp, client_a, thread_a, agent, alice, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):  # logged, not sent yet
        say(thread_a, agent, "Stuck?")
    services.notify_posted(
        message=Message.objects.for_tenant(client_a).get(body="Stuck?"), recipients=[alice]
    )
    row = OutboundEmail.objects.for_tenant(client_a).get(user=alice)
    # a worker claimed it a minute ago (and may still be sending): nobody sends it twice
    rows = OutboundEmail.objects.for_tenant(client_a).filter(pk=row.pk)
    rows.update(status="sending", attempts=1, tried_at=timezone.now() - timedelta(minutes=1))
    assert services.deliver(tenant_id=client_a.pk, outbound_id=row.pk) == "sending"
    assert services.retry_failed() == []
    assert smtp.mails == []
    # that worker died: after a quarter of an hour the retry sends it
    rows.update(tried_at=timezone.now() - timedelta(minutes=16))
    assert services.retry_failed() == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.to("alice@client-a.test")) == 1
