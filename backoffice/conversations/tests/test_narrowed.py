"""A client member whom the client admin narrowed to named engagements sees, hears of and
can start only the conversations about those (and the account's)."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.conversations import hooks, services
from backoffice.conversations.tests.factories import item_thread, say
from backoffice.core.errors import DomainError, Forbidden
from backoffice.tenancy.models import Membership
from backoffice.tenancy.tests.factories import make_token
from backoffice.work.models import EngagementGrant
from backoffice.work.tests.factories import make_engagement, submit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/conversations"


@pytest.fixture
def other_item(client_a, service_type):
    """An item of client A's second engagement, which carol may not see."""
    return submit(make_engagement(client_a, service_type, code="eng-a2"), "HIDDEN-1")


@pytest.fixture
def narrowed_carol(carol, client_a, engagement_a):
    Membership.objects.filter(user=carol, organization=client_a).update(all_engagements=False)
    EngagementGrant.objects.create(tenant=client_a, engagement=engagement_a, user=carol)
    return carol


def test_narrowed_member_sees_only_her_engagements_threads(
    narrowed_carol, item_a, other_item, agent, client_a, django_capture_on_commit_callbacks
):
    mine = item_thread(item_a, agent)
    hidden = item_thread(other_item, agent)
    heard = []

    def receiver(sender, message, thread, recipients, **kw):
        heard.append((thread.pk, {u.username for u in recipients}))

    hooks.message_posted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            say(mine, agent, "about INV-A-1")
            hidden_msg = say(hidden, agent, "SECRETWORD about HIDDEN-1 @carol")
    finally:
        hooks.message_posted.disconnect(receiver)
    # she is told of the first, not of the second, and not mentioned there
    assert "carol" in heard[0][1] and "carol" not in heard[1][1]
    assert hidden_msg.mentions.count() == 0
    api = Client(headers={"Authorization": f"Bearer {make_token(narrowed_carol, client_a)}"})
    titles = [t["title"] for t in api.get(f"{BASE}/threads").json()["items"]]
    assert titles == ["Item INV-A-1"]
    assert api.get(f"{BASE}/threads/{hidden.pk}").status_code == 404
    assert "SECRETWORD" not in api.get(f"{BASE}/search?q=about").content.decode()
    assert api.get(f"{BASE}/unread").json()["total"] == 1
    # she cannot start one on the hidden item, nor post into its thread
    r = api.post(
        f"{BASE}/threads",
        {"subject_kind": "item", "subject_id": other_item.pk, "body": "hi"},
        content_type="application/json",
    )
    assert r.status_code == 404
    with pytest.raises(DomainError):
        item_thread(other_item, narrowed_carol)
    with pytest.raises(Forbidden):
        say(hidden, narrowed_carol, "let me in")
    # the account's thread is everyone's in the client
    account = services.thread_for(
        tenant_id=client_a.pk, subject_kind="account", subject_id=client_a.pk, actor=narrowed_carol
    )
    say(account, narrowed_carol, "hello all")
