"""The client dashboard's figures, worked by hand on a small fixture.

Client A's engagement "Invoices" (target 95 %):
* 10 items done yesterday at noon (UTC, the viewer's zone): 8 by their due time, 2 after
  → SLA met 8 / 10 = 80 %, below target; 10 done in 30 days → 0.3 a day.
* 1 item done 40 days ago, late: outside the 30-day window, counted nowhere.
* 5 open items, one per age bucket: received 30 minutes, 2 hours, 10 hours, 2 days and
  5 days ago; the 2-hour one at risk, the 10-hour one overdue, the 2-day one waiting on
  the client → open 5, at risk 1, overdue 1, waiting 1, oldest received 5 days ago.
* QA: two reviews this window, 9 of 10 and 7 of 10 fields correct → 16 / 20 = 80 %; one
  40 days ago, 10 of 10, in the weekly chart only.
Client B has 3 items done on time yesterday: they never appear in Client A's figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice.portal.dashboard import figures as fig
from backoffice.portal.dashboard import grants
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import access_tenant
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token
from backoffice.work.models import QaReview, State, WorkItem
from backoffice.work.tests.factories import make_engagement, make_service_type, submit

NOW = timezone.now()
YESTERDAY_NOON = datetime.combine((NOW - timedelta(days=1)).date(), time(12), UTC)


def _done(engagement, ref, completed, *, late):
    item = submit(engagement, ref)
    due = completed + (timedelta(hours=-1) if late else timedelta(hours=1))
    WorkItem.objects.for_tenant(engagement.tenant_id).filter(pk=item.pk).update(
        state=State.DONE, completed_at=completed, sla_due_at=due, received_at=completed
    )
    return item


def _open(engagement, ref, age, **changes):
    item = submit(engagement, ref)
    WorkItem.objects.for_tenant(engagement.tenant_id).filter(pk=item.pk).update(
        state=changes.pop("state", State.QUEUED), received_at=NOW - age, **changes
    )
    return item


@pytest.fixture
def acme(provider, client_a, client_b, user_a):
    st = make_service_type(provider)
    inv = make_engagement(client_a, st, code="eng-inv", name="Invoices")
    clm = make_engagement(client_a, st, code="eng-clm", name="Claims")
    done = [
        _done(inv, f"D{i}", YESTERDAY_NOON - timedelta(minutes=i), late=i >= 8) for i in range(10)
    ]
    _done(inv, "OLD", NOW - timedelta(days=40), late=True)
    _open(inv, "O-30m", timedelta(minutes=30))
    _open(inv, "O-2h", timedelta(hours=2), at_risk=True)
    _open(inv, "O-10h", timedelta(hours=10), at_risk=True, breached=True)
    _open(inv, "O-2d", timedelta(days=2), state=State.WAITING_ON_CLIENT, paused_at=NOW)
    _open(inv, "O-5d", timedelta(days=5))
    agent = UserFactory.create(username="agent")
    reviewer = UserFactory.create(username="reviewer")
    for item, correct, when in (
        (done[0], 9, NOW - timedelta(days=2)),
        (done[1], 7, NOW - timedelta(days=3)),
        (done[2], 10, NOW - timedelta(days=40)),
    ):
        QaReview.objects.create(
            tenant=client_a,
            item=item,
            engagement=inv,
            agent=agent,
            reviewer=reviewer,
            decision="accepted",
            fields_reviewed=10,
            fields_correct=correct,
            reviewed_at=when,
        )
    other = make_engagement(client_b, st, code="eng-b", name="B work")
    for i in range(3):
        _done(other, f"B{i}", YESTERDAY_NOON, late=False)
    return {"inv": inv, "clm": clm, "client": client_a}


def test_figures_worked_by_hand(acme, user_a, client_a):
    access = access_tenant(user=user_a, slug=client_a.slug)
    f = fig.compute(access, now=NOW)
    # SLA: 8 of 10 on time
    assert (f.total_done, f.total_met, f.total_late) == (10, 8, 2)
    assert f.sla_percent == 80.0 and f.sla_target == 95
    inv = next(r for r in f.engagements if r.engagement.code == "eng-inv")
    assert inv.below_target
    # throughput: 10 in 30 days; yesterday's column holds 8 on time and 2 late
    assert f.done_per_day == 0.3
    assert (f.on_time_by_day[-2], f.late_by_day[-2]) == (8, 2)
    assert sum(f.on_time_by_day) + sum(f.late_by_day) == 10
    # backlog and its age
    assert (f.total_open, f.total_at_risk, f.total_breached, f.total_waiting) == (5, 1, 1, 1)
    assert f.age_counts == {"lt1h": 1, "lt4h": 1, "lt1d": 1, "lt3d": 1, "gt3d": 1}
    assert f.oldest_open is not None
    assert abs((f.oldest_open - (NOW - timedelta(days=5))).total_seconds()) < 1
    # QA: 16 of 20 fields in the window; the old review counts only in its week
    assert f.qa_percent == 80.0
    assert 100.0 in f.qa_by_week
    # the engagement without work is shown with zeros
    clm = next(r for r in f.engagements if r.engagement.code == "eng-clm")
    assert (clm.open, clm.done, clm.sla_percent) == (0, 0, None)


def test_items_behind_each_figure(acme, user_a, client_a):
    access = access_tenant(user=user_a, slug=client_a.slug)

    def refs(**kw):
        return sorted(i.external_ref for i in fig.items_behind(access, now=NOW, **kw))

    assert refs(figure="late") == ["D8", "D9"]
    assert len(refs(figure="on_time")) == 8
    assert len(refs(figure="done")) == 10  # not the 40-day-old one
    assert refs(figure="breached") == ["O-10h"]
    assert refs(figure="at_risk") == ["O-2h"]
    assert refs(figure="waiting") == ["O-2d"]
    assert refs(figure="open", age="gt3d") == ["O-5d"]
    assert len(refs(figure="done", day=YESTERDAY_NOON.date())) == 10
    assert refs(figure="open", engagement_id=acme["clm"].pk) == []


def test_page_links_and_tenant_isolation(acme, user_a, client_a):
    web = Client()
    web.force_login(user_a)
    url = reverse("portal:dashboard", kwargs={"tenant": client_a.slug})
    page = web.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "80.0 %" in body and "Invoices" in body
    assert "B work" not in body  # another client's engagement never appears
    # the polled fragment and a figure's items
    frag = web.get(reverse("portal:dashboard_figures", kwargs={"tenant": client_a.slug}))
    assert frag.status_code == 200 and "<html" not in frag.content.decode()
    late = web.get(
        reverse("portal:dashboard_items", kwargs={"tenant": client_a.slug}) + "?figure=late"
    )
    assert late.status_code == 200
    assert "D8" in late.content.decode() and "B0" not in late.content.decode()
    # bad input is not an error page
    odd = web.get(
        reverse("portal:dashboard_items", kwargs={"tenant": client_a.slug})
        + "?figure=nope&day=yesterday&engagement=abc"
    )
    assert odd.status_code == 200


def test_api_figures_and_isolation(acme, user_a, client_a, client_b, user_b):
    api = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    body = api.get("/api/v1/portal/dashboard").json()
    assert body["sla_percent"] == 80.0 and body["done"] == 10 and body["open"] == 5
    assert {e["code"] for e in body["engagements"]} == {"eng-inv", "eng-clm"}
    late = api.get("/api/v1/portal/dashboard/items?figure=late").json()
    assert sorted(i["external_ref"] for i in late["items"]) == ["D8", "D9"]
    # Client B's admin sees Client B's 3 on-time items only
    api_b = Client(headers={"Authorization": f"Bearer {make_token(user_b, client_b)}"})
    b = api_b.get("/api/v1/portal/dashboard").json()
    assert (b["done"], b["sla_percent"], b["open"]) == (3, 100.0, 0)
    assert [e["code"] for e in b["engagements"]] == ["eng-b"]
    # and asking for Client A's engagement's items gives nothing
    other = api_b.get(f"/api/v1/portal/dashboard/items?figure=done&engagement_id={acme['inv'].pk}")
    assert other.json()["count"] == 0


def test_a_limited_member_sees_only_their_engagements_figures(acme, user_a, client_a):
    ann = UserFactory.create(username="ann")
    make_member(client_a, ann, Role.CLIENT_USER)
    grants.set_member_grants(
        access=access_tenant(user=user_a, slug=client_a.slug),
        username="ann",
        all_engagements=False,
        engagement_ids=[acme["clm"].pk],
    )
    f = fig.compute(access_tenant(user=ann, slug=client_a.slug), now=NOW)
    assert [r.engagement.code for r in f.engagements] == ["eng-clm"]
    assert (f.total_done, f.total_open, f.qa_percent) == (0, 0, None)
    web = Client()
    web.force_login(ann)
    body = web.get(reverse("portal:dashboard", kwargs={"tenant": client_a.slug})).content
    assert b"Invoices" not in body
    # a client user does not see money; the money part is refused
    money = web.get(reverse("portal:dashboard_money", kwargs={"tenant": client_a.slug}))
    assert money.status_code == 403


def test_home_dashboard_links_to_the_client_dashboard(acme, user_a, client_a):
    web = Client()
    web.force_login(user_a)
    body = web.get(reverse("web:dashboard", kwargs={"tenant": client_a.slug})).content.decode()
    assert reverse("portal:dashboard", kwargs={"tenant": client_a.slug}) in body
    assert "80.0 %" in body
