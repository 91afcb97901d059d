"""A client member whom the client admin narrowed to some engagements is never emailed about
a thread of another engagement: not immediately, not in a digest, not by a mail queued
before she was narrowed and sent after."""

from __future__ import annotations

import pytest

from backoffice.conversations.tests.factories import item_thread, say
from backoffice.notifications import services
from backoffice.notifications.models import Mode, OutboundEmail
from backoffice.notifications.services import set_preferences
from backoffice.notifications.tests.conftest import text_of
from backoffice.tenancy.models import Membership
from backoffice.tenancy.selectors import access_tenant
from backoffice.work.models import EngagementGrant
from backoffice.work.tests.factories import make_engagement, make_service_type, submit

pytestmark = pytest.mark.django_db

CAROL = "carol@mail.test"


@pytest.fixture
def threads(provider, client_a, agent):
    """Client A's two engagements, an item thread on each: (granted, hidden)."""
    service = make_service_type(provider)
    granted = make_engagement(client_a, service, code="eng-a")
    hidden = make_engagement(client_a, service, code="eng-a2")
    seen = item_thread(submit(granted, "SEEN-1"), agent)
    unseen = item_thread(submit(hidden, "HIDDEN-1"), agent)
    return granted, seen, unseen


def _narrow(user, client, engagement) -> None:
    """What the Members page's editor does: only the named engagement."""
    Membership.objects.filter(user=user, organization=client).update(all_engagements=False)
    EngagementGrant.objects.create(tenant=client, engagement=engagement, user=user)


def _prefer(user, client, mode: str) -> None:
    access = access_tenant(user=user, slug=client.slug)
    set_preferences(access=access, modes={"messages": mode, "mentions": mode})


def test_immediate_mail_names_only_her_engagements_threads(
    smtp, client_a, threads, agent, carol, django_capture_on_commit_callbacks
):
    granted, seen, unseen = threads
    _narrow(carol, client_a, granted)
    with django_capture_on_commit_callbacks(execute=True):
        say(seen, agent, "SEEN-WORD about your item")
        hidden = say(unseen, agent, "HIDDEN-WORD @carol about the other engagement")
    mails = smtp.to(CAROL)
    assert len(mails) == 1 and "SEEN-WORD" in text_of(mails[0])
    # even if she is handed to notifications as a recipient (a stale list), she is withheld
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.notify_posted(message=hidden, recipients=[carol])
    assert plan.withheld == [carol.pk] and plan.mails == [] and plan.digested == []
    assert len(smtp.to(CAROL)) == 1
    assert not OutboundEmail.objects.for_tenant(client_a).filter(user=carol, thread_id=unseen.pk)


def test_digest_drops_another_engagements_thread_queued_before_she_was_narrowed(
    smtp, client_a, threads, agent, carol, django_capture_on_commit_callbacks
):
    granted, seen, unseen = threads
    _prefer(carol, client_a, Mode.DIGEST)
    # while she still sees every engagement, both messages wait for her digest
    with django_capture_on_commit_callbacks(execute=True):
        say(seen, agent, "SEEN-WORD first")
        say(unseen, agent, "HIDDEN-WORD second")
    assert smtp.to(CAROL) == []
    _narrow(carol, client_a, granted)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_digests()
    (digest,) = smtp.to(CAROL)
    body = text_of(digest) + str(digest["Subject"])
    assert "SEEN-WORD" in body and seen.title in body
    assert "HIDDEN-WORD" not in body and unseen.title not in body


def test_digest_of_only_hidden_threads_is_not_sent(
    smtp, client_a, threads, agent, carol, django_capture_on_commit_callbacks
):
    granted, _, unseen = threads
    _prefer(carol, client_a, Mode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        say(unseen, agent, "HIDDEN-WORD only")
    _narrow(carol, client_a, granted)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_digests()
    assert smtp.to(CAROL) == []
    row = OutboundEmail.objects.for_tenant(client_a).get(user=carol)
    assert row.sort == OutboundEmail.Sort.DIGEST and row.status == OutboundEmail.Status.FAILED


def test_mail_queued_before_she_was_narrowed_is_not_sent_after(
    smtp, client_a, threads, agent, carol, django_capture_on_commit_callbacks
):
    granted, _, unseen = threads
    # planned while she saw every engagement; its sending job has not run yet
    with django_capture_on_commit_callbacks(execute=False):
        queued = say(unseen, agent, "HIDDEN-WORD queued")
        plan = services.notify_posted(message=queued, recipients=[carol])
    row = OutboundEmail.objects.for_tenant(client_a).get(user=carol)
    assert plan.mails == [row.pk] and row.status == OutboundEmail.Status.QUEUED
    _narrow(carol, client_a, granted)
    assert services.deliver(tenant_id=client_a.pk, outbound_id=row.pk) == "failed"
    assert smtp.to(CAROL) == []
    row.refresh_from_db()
    assert row.error == "no longer allowed to see it"
