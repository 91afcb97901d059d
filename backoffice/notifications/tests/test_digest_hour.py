"""The daily digest leaves at 08:00 in each person's own time zone (their account page),
not on a fixed interval. Worked by hand for 1 December 2026 (winter time): Berlin is
UTC+1, so its 08:00 is 07:00 UTC; New York is UTC-5, so its 08:00 is 13:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backoffice.conversations.tests.factories import say
from backoffice.notifications import services
from backoffice.notifications.models import DigestEntry, Mode
from backoffice.notifications.services import set_preferences
from backoffice.notifications.services.outbound import digest_due_since
from backoffice.notifications.tests.conftest import text_of
from backoffice.tenancy.selectors import access_tenant

pytestmark = pytest.mark.django_db
ALICE, CAROL = "alice@client-a.test", "carol@mail.test"


def utc(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_the_last_digest_time_in_two_zones():
    # Berlin at 07:59 local (06:59 UTC): the last 08:00 was yesterday's, 30 Nov 07:00 UTC
    assert digest_due_since("Europe/Berlin", utc(1, 6, 59)) == utc(30, 7, month=11)
    assert digest_due_since("Europe/Berlin", utc(1, 7)) == utc(1, 7)
    # New York at 02:00 local (07:00 UTC): the last 08:00 was 30 Nov 13:00 UTC
    assert digest_due_since("America/New_York", utc(1, 7)) == utc(30, 13, month=11)
    assert digest_due_since("America/New_York", utc(1, 13)) == utc(1, 13)
    # summer time: Berlin is UTC+2 in July, its 08:00 is 06:00 UTC
    assert digest_due_since("Europe/Berlin", utc(15, 6, month=7)) == utc(15, 6, month=7)
    # an unknown zone counts as UTC
    assert digest_due_since("Mars/Olympus", utc(1, 9)) == utc(1, 8)


def _at(person, when: datetime) -> None:
    DigestEntry.objects.for_tenant(person.memberships.first().organization_id).filter(
        user=person, digest__isnull=True
    ).update(created_at=when)


def test_each_person_gets_the_digest_at_eight_in_their_own_zone(
    smtp, client_a, thread_a, agent, alice, carol, django_capture_on_commit_callbacks
):
    alice.timezone, carol.timezone = "Europe/Berlin", "America/New_York"
    alice.save(update_fields=["timezone"])
    carol.save(update_fields=["timezone"])
    for person in (alice, carol):
        set_preferences(
            access=access_tenant(user=person, slug="client-a"),
            modes={"messages": Mode.DIGEST, "mentions": Mode.DIGEST},
        )
    # two messages at 06:00 UTC on 1 Dec: 07:00 in Berlin, 01:00 in New York
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "FIRST question")
        say(thread_a, agent, "SECOND question")
    _at(alice, utc(1, 6))
    _at(carol, utc(1, 6))

    def run(when: datetime) -> list[str]:
        before = len(smtp.mails)
        with django_capture_on_commit_callbacks(execute=True):
            services.send_due_digests(now=when)
        return [r for m in smtp.mails[before:] for r in m.recipients]

    assert run(utc(1, 6, 59)) == []  # 07:59 in Berlin, 01:59 in New York
    assert run(utc(1, 7)) == [ALICE]  # 08:00 in Berlin
    assert run(utc(1, 7, 15)) == []  # alice's digest is sent; carol's hour has not come
    assert run(utc(1, 12, 59)) == []  # 07:59 in New York
    assert run(utc(1, 13)) == [CAROL]  # 08:00 in New York
    for address in (ALICE, CAROL):
        (digest,) = smtp.to(address)
        assert "FIRST question" in text_of(digest) and "SECOND question" in text_of(digest)
    # a message after alice's digest (07:30 UTC) waits for tomorrow's 08:00 in Berlin
    with django_capture_on_commit_callbacks(execute=True):
        say(thread_a, agent, "THIRD question")
    _at(alice, utc(1, 7, 30))
    _at(carol, utc(1, 13, 30))  # hers came after her 08:00 too: tomorrow 13:00 UTC
    assert run(utc(2, 6, 59)) == []
    assert run(utc(2, 7)) == [ALICE]
