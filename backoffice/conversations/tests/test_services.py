"""The public entry points: thread_for, post_message, the message_posted signal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.audit.models import AuditEvent
from backoffice.conversations import hooks, selectors, services
from backoffice.conversations.models import InternalNote, Message, MessageAttachment, Thread
from backoffice.conversations.tests.conftest import staff
from backoffice.conversations.tests.factories import item_thread, note, say
from backoffice.core.errors import DomainError, Forbidden
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess

pytestmark = pytest.mark.django_db


def test_thread_for_is_idempotent_one_per_subject(item_a, user_a):
    # given an item of client A
    # when its thread is asked for twice
    first = item_thread(item_a, user_a)
    second = item_thread(item_a, user_a)
    # then there is one thread, titled after the item, and one audit event for it
    assert first.pk == second.pk
    assert first.title == "Item INV-A-1"
    assert Thread.objects.for_tenant(item_a.tenant_id).count() == 1
    started = AuditEvent.objects.for_tenant(item_a.tenant_id).filter(
        action="conversations.thread_started"
    )
    assert started.count() == 1


def test_thread_for_refuses_a_subject_of_another_client(item_b, client_a, user_a):
    with pytest.raises(DomainError) as err:
        services.thread_for(
            tenant_id=client_a.pk, subject_kind="item", subject_id=item_b.pk, actor=user_a
        )
    assert err.value.code == "unknown_subject"
    assert Thread.objects.for_tenant(client_a).count() == 0


def test_thread_for_refuses_someone_who_cannot_see_the_client(item_a, user_b):
    with pytest.raises(Forbidden):
        item_thread(item_a, user_b)


def test_account_and_unknown_kind(client_a, user_a):
    thread = services.thread_for(
        tenant_id=client_a.pk, subject_kind="account", subject_id=client_a.pk, actor=user_a
    )
    assert thread.title == "Client A account"
    with pytest.raises(DomainError) as err:
        services.thread_for(
            tenant_id=client_a.pk, subject_kind="planet", subject_id=1, actor=user_a
        )
    assert err.value.code == "invalid_subject_kind"


def test_message_and_note_go_to_different_tables(item_a, user_a, agent):
    thread = item_thread(item_a, agent)
    m = say(thread, user_a, "Where is page 2?")
    n = note(thread, agent, "Client scanned it upside down")
    assert isinstance(m, Message) and isinstance(n, InternalNote)
    assert list(Message.objects.for_tenant(item_a.tenant_id).values_list("body", flat=True)) == [
        "Where is page 2?"
    ]
    thread.refresh_from_db()
    assert thread.last_message_at == m.created_at
    assert thread.last_note_at == n.created_at


def test_note_event_goes_to_the_providers_chain(item_a, agent, provider):
    thread = item_thread(item_a, agent)
    note(thread, agent, "between us")
    client_chain = AuditEvent.objects.for_tenant(item_a.tenant_id).values_list("action", flat=True)
    provider_chain = AuditEvent.objects.for_tenant(provider).values_list("action", flat=True)
    assert "conversations.note_posted" not in list(client_chain)
    assert "conversations.note_posted" in list(provider_chain)


def test_client_may_not_write_a_note(item_a, user_a):
    thread = item_thread(item_a, user_a)
    with pytest.raises(Forbidden) as err:
        note(thread, user_a, "sneaky")
    assert err.value.code == "cannot_write_notes"
    assert InternalNote.objects.for_tenant(item_a.tenant_id).count() == 0


def test_auditor_may_not_post(item_a, auditor_a):
    thread = item_thread(item_a, auditor_a)
    with pytest.raises(Forbidden):
        say(thread, auditor_a, "hello")


def test_empty_and_long_messages_are_refused(item_a, user_a):
    thread = item_thread(item_a, user_a)
    for body, code in [("   ", "empty_message"), ("x" * 20_001, "message_too_long")]:
        with pytest.raises(DomainError) as err:
            say(thread, user_a, body)
        assert err.value.code == code
    assert Message.objects.for_tenant(item_a.tenant_id).count() == 0


def test_email_message_id_makes_redelivery_harmless(item_a, user_a):
    thread = item_thread(item_a, user_a)
    first = say(thread, user_a, "by mail", via="email", email_message_id="<abc@mail>")
    again = say(thread, user_a, "by mail", via="email", email_message_id="<abc@mail>")
    assert first.pk == again.pk
    assert Message.objects.for_tenant(item_a.tenant_id).count() == 1


def test_bad_via_is_refused(item_a, user_a):
    thread = item_thread(item_a, user_a)
    with pytest.raises(DomainError) as err:
        say(thread, user_a, "x", via="pigeon")
    assert err.value.code == "invalid_via"


def test_signal_after_commit_with_recipients(
    item_a, user_a, agent, carol, user_b, django_capture_on_commit_callbacks
):
    # given a receiver connected like the notifications app will be
    heard = []

    def receiver(sender, message, thread, recipients, **kw):
        heard.append((sender, message.body, sorted(u.username for u in recipients)))

    hooks.message_posted.connect(receiver)
    try:
        thread = item_thread(item_a, agent)
        with django_capture_on_commit_callbacks(execute=True):
            say(thread, agent, "Done, @carol")
            assert heard == []  # nothing before commit
        with django_capture_on_commit_callbacks(execute=True):
            note(thread, agent, "note for staff")
    finally:
        hooks.message_posted.disconnect(receiver)
    # then the message is for client A's people (not the author, not client B's bob);
    # the note for nobody but staff who read notes (the author is the only one here)
    assert heard[0] == (Message, "Done, @carol", ["alice", "carol"])
    assert heard[1] == (InternalNote, "note for staff", [])


def test_mentions(item_a, user_a, agent, carol, user_b, provider):
    staff("lead", Role.TEAM_LEAD, provider, item_a.tenant)
    thread = item_thread(item_a, agent)
    # a message mentioning carol (sees it) and bob (client B: cannot) -> only carol
    m = say(thread, agent, "@carol and @bob please look")
    assert [x.user.username for x in m.mentions.all()] == ["carol"]
    # a note mentioning carol (a client user) and the lead -> only the lead
    n = note(thread, agent, "@carol must not know; @lead check")
    assert [x.user.username for x in n.mentions.all()] == ["lead"]


def test_attachments_checked_before_anything_is_written(item_a, user_a):
    thread = item_thread(item_a, user_a)
    good = SimpleUploadedFile("a.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    bad = SimpleUploadedFile("x.exe", b"MZ...", content_type="application/x-msdownload")
    with pytest.raises(DomainError) as err:
        say(thread, user_a, "two files", attachments=[good, bad])
    assert err.value.code == "attachment_type"
    assert "x.exe" in err.value.message
    assert Message.objects.for_tenant(item_a.tenant_id).count() == 0
    assert MessageAttachment.objects.for_tenant(item_a.tenant_id).count() == 0
    big = SimpleUploadedFile("b.txt", b"x" * (10 * 1024 * 1024 + 1), content_type="text/plain")
    with pytest.raises(DomainError) as err:
        say(thread, user_a, "big", attachments=[big])
    assert err.value.code == "attachment_too_large"
    fake = SimpleUploadedFile("f.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError):
        say(thread, user_a, "fake", attachments=[fake])
    good.seek(0)
    m = say(thread, user_a, "one good file", attachments=[good])
    assert [a.name for a in m.attachments.all()] == ["a.pdf"]


def test_unread_counts_follow_read_markers(item_a, user_a, agent, client_a):
    thread = item_thread(item_a, agent)
    say(thread, agent, "one")
    say(thread, agent, "two")
    note(thread, agent, "internal")
    alice = TenantAccess(user=user_a, tenant=client_a, role="client_admin")
    assert selectors.unread_in(alice, thread) == {"messages": 2, "notes": 0}
    assert selectors.unread_total(alice) == 2
    services.mark_read(thread=thread, user=user_a)
    assert selectors.unread_total(alice) == 0
    # her own message does not count as unread for her
    say(thread, user_a, "thanks")
    assert selectors.unread_total(alice) == 0


def test_a_staff_reply_by_email_can_be_a_note_and_is_posted_once(item_a, agent):
    thread = item_thread(item_a, agent)
    first = services.post_message(
        thread=thread, actor=agent, body="by mail", internal=True, via="email",
        email_message_id="<n1@mail>",
    )  # fmt: skip
    again = services.post_message(
        thread=thread, actor=agent, body="by mail", internal=True, via="email",
        email_message_id="<n1@mail>",
    )  # fmt: skip
    assert isinstance(first, InternalNote) and again.pk == first.pk
    assert InternalNote.objects.for_tenant(item_a.tenant_id).count() == 1
    # a note takes no files, said in words
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(DomainError) as err:
        services.post_message(
            thread=thread, actor=agent, body="x", internal=True, attachments=[pdf]
        )
    assert err.value.code == "note_no_files"
