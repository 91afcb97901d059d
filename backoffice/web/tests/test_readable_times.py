"""Times in the viewer's zone, the zone always named, and the client's clock beside a due
time: an agent in Manila sees when the client in New York expects the work."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from backoffice.ledger.models import JournalEntry
from backoffice.ledger.services import post_journal_entry
from backoffice.ledger.tests.factories import entry, with_chart
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import (
    ClientOrgFactory,
    UserFactory,
    make_member,
    make_token,
)
from backoffice.web.tests.readable import triggers_off
from backoffice.work.models import WorkItem
from backoffice.work.tests.factories import key_item, make_qa_engagement


def _signed_in(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def new_york(provider) -> Organization:
    return ClientOrgFactory.create(
        provider=provider, slug="ny-claims", name="NY Claims", timezone="America/New_York"
    )


@pytest.mark.django_db
def test_qa_queue_shows_the_due_time_in_the_viewers_zone_and_the_clients(provider, new_york):
    reviewer = UserFactory.create(username="rev", timezone="Asia/Manila")
    agent = UserFactory.create(username="keyer")
    for org in (provider, new_york):
        make_member(org, reviewer, Role.QA_REVIEWER)
        make_member(org, agent, Role.AGENT)
    item = key_item(make_qa_engagement(new_york, provider), "INV-1", agent)
    # the item is due at a known instant: 2026-12-01 14:00 UTC
    due = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    WorkItem.objects.for_tenant(new_york).filter(pk=item.pk).update(sla_due_at=due)

    html = _signed_in(reviewer).get(f"/t/{provider.slug}/work/qa/").content.decode()

    # 14:00 UTC is 22:00 in Manila and 09:00 in New York (EST, UTC-5)
    assert "2026-12-01 22:00 Manila time" in html
    assert "2026-12-01 09:00 New York time for the client" in html
    assert not re.search(r"\d\d:\d\d UTC", html)


@pytest.mark.django_db
def test_no_client_time_when_the_client_shares_the_viewers_clock(provider, new_york):
    reviewer = UserFactory.create(username="rev-ny", timezone="America/New_York")
    agent = UserFactory.create(username="keyer2")
    for org in (provider, new_york):
        make_member(org, reviewer, Role.QA_REVIEWER)
        make_member(org, agent, Role.AGENT)
    key_item(make_qa_engagement(new_york, provider), "INV-2", agent)

    html = _signed_in(reviewer).get(f"/t/{provider.slug}/work/qa/").content.decode()

    assert "New York time" in html and "for the client" not in html


@pytest.mark.django_db
def test_journal_entry_shows_its_posting_time_in_the_viewers_zone(client_a):
    with_chart(client_a)
    je = post_journal_entry(
        tenant=client_a, actor=None, entry=entry("2026-11-30", ("1120", 100), ("4100", -100))
    )
    with triggers_off():  # posted entries are immutable on PostgreSQL
        JournalEntry.objects.for_tenant(client_a).filter(pk=je.pk).update(
            posted_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
        )
    finance = UserFactory.create(username="fin", timezone="Asia/Manila")
    make_member(client_a, finance, Role.CLIENT_ADMIN)

    html = _signed_in(finance).get(f"/t/{client_a.slug}/ledger/entries/{je.pk}/").content.decode()

    # 23:30 UTC on the 30th is 07:30 on 1 December in Manila, and it says so
    assert "Posted 2026-12-01 07:30 Manila time" in html


@pytest.mark.django_db
def test_token_times_name_their_zone(user_a, client_a):
    User.objects.filter(pk=user_a.pk).update(timezone="America/New_York")
    make_token(user_a, client_a)

    html = _signed_in(User.objects.get(pk=user_a.pk)).get(f"/t/{client_a.slug}/tokens/")

    assert "New York time" in html.content.decode()
