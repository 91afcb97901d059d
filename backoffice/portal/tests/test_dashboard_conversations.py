"""The client dashboard shows the conversations with messages the viewer has not read,
linking to the inbox; a member limited to one engagement does not count another's."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.conversations import services as conv
from backoffice.tenancy.models import Membership
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.models import EngagementGrant
from backoffice.work.tests.factories import make_engagement, make_service_type, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(provider, client_a, user_a):
    st = make_service_type(provider)
    inv = make_engagement(client_a, st, code="eng-inv", name="Invoices")
    clm = make_engagement(client_a, st, code="eng-clm", name="Claims")
    agent = UserFactory.create(username="agent")
    make_member(provider, agent, Role.AGENT)
    make_member(client_a, agent, Role.AGENT)
    threads = []
    for engagement, ref in ((inv, "INV-1"), (clm, "CLM-1")):
        item = submit(engagement, ref)
        t = conv.thread_for(
            tenant_id=client_a.pk, subject_kind="item", subject_id=item.pk, actor=agent
        )
        conv.post_message(thread=t, actor=agent, body=f"A question about {ref}")
        threads.append(t)
    return inv, threads


def _dashboard(user, client_a) -> str:
    web = Client()
    web.force_login(user)
    page = web.get(f"/t/{client_a.slug}/portal/dashboard/")
    assert page.status_code == 200
    return page.content.decode()


def test_unread_conversations_on_the_dashboard_link_to_the_inbox(world, user_a, client_a):
    _, (inv_thread, clm_thread) = world
    html = _dashboard(user_a, client_a)
    assert "2 conversations with messages you have not read" in html
    assert f"/t/{client_a.slug}/conversations/?show=unread" in html
    assert "Item INV-1" in html and "Item CLM-1" in html
    # reading one leaves one; reading both leaves nothing waiting
    conv.mark_read(thread=inv_thread, user=user_a)
    assert "1 conversation with messages you have not read" in _dashboard(user_a, client_a)
    conv.mark_read(thread=clm_thread, user=user_a)
    assert "Nothing waiting for you." in _dashboard(user_a, client_a)


def test_a_limited_member_counts_only_her_engagements_threads(world, client_a):
    inv, _ = world
    carol = UserFactory.create(username="carol")
    make_member(client_a, carol, Role.CLIENT_USER)
    Membership.objects.filter(user=carol, organization=client_a).update(all_engagements=False)
    EngagementGrant.objects.create(tenant=client_a, engagement=inv, user=carol)
    html = _dashboard(carol, client_a)
    assert "1 conversation with messages you have not read" in html
    assert "Item INV-1" in html and "Item CLM-1" not in html
