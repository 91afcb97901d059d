"""Handle time from the items' events: worked by hand on one day, 2 March 2026 (UTC).

Client A's engagement:
  X  agent claims 09:00, asks the client 09:10, client answers 11:00, completes 11:05 → 15 min
  Y  agent takes it 12:00, skips 12:30 (30 min, not handed on);
     agent-a takes it 13:00, completes 13:20 → 20 min for agent-a
  Z  agent claims 14:00, completes 14:45 → 45 min
  W  the lead assigns it to agent 15:00, agent completes 15:06 → 6 min
Client B's engagement:
  V  agent takes it 16:00, completes 16:10 → 10 min
Still in progress (not counted): S, agent since 17:00.

agent on A: items 15, 30, 45, 6 min → median (15+30)/2 = 22.5, p90 (nearest rank 4 of 4) 45,
total 96 min, 3 handed on → 3 / 1.6 h = 1.875 → 1.88 items/hour.
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.test import Client

from backoffice.core.errors import DomainError
from backoffice.tenancy.selectors import access_tenant
from backoffice.tenancy.tests.factories import make_token
from backoffice.work import metrics, services
from backoffice.work.models import Comment, State
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/work"
DONE = {"result": "ok"}


@contextmanager
def clock(hh: int, mm: int = 0, day: int = 2):
    at = datetime(2026, 3, day, hh, mm, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


@pytest.fixture
def worked_day(engagement_a, engagement_b, agent, agent_a_only, lead, user_a):
    with clock(8, 50):
        x = submit(engagement_a, "X")
    with clock(9):
        claimed = services.claim_next_item(agent=agent)
        assert claimed is not None and claimed.pk == x.pk
    with clock(9, 10):
        services.ask_client(item=x, actor=agent, question="Which one?")
    with clock(11):
        question = Comment.objects.for_tenant(x.tenant_id).get(item=x, kind="question")
        services.answer_question(question=question, actor=user_a, body="That one")
    with clock(11, 5):
        services.complete_item(item=x, actor=agent, output=DONE)
    with clock(11, 50):
        y = submit(engagement_a, "Y")
    with clock(12):
        services.transition_item(item=y, actor=agent, to=State.IN_PROGRESS)
    with clock(12, 30):
        services.release_item(item=y, actor=agent, reason="blurry")
    with clock(13):
        services.transition_item(item=y, actor=agent_a_only, to=State.IN_PROGRESS)
    with clock(13, 20):
        services.complete_item(item=y, actor=agent_a_only, output=DONE)
    with clock(13, 50):
        z = submit(engagement_a, "Z")
    with clock(14):
        claimed = services.claim_next_item(agent=agent)
        assert claimed is not None and claimed.pk == z.pk
    with clock(14, 45):
        services.complete_item(item=z, actor=agent, output=DONE)
    with clock(14, 55):
        w = submit(engagement_a, "W")
    with clock(15):
        services.assign_item(item=w, assignee=agent, actor=lead)
    with clock(15, 6):
        services.complete_item(item=w, actor=agent, output=DONE)
    with clock(15, 50):
        v = submit(engagement_b, "V")
    with clock(16):
        services.transition_item(item=v, actor=agent, to=State.IN_PROGRESS)
    with clock(16, 10):
        services.complete_item(item=v, actor=agent, output=DONE)
    with clock(16, 50):
        s = submit(engagement_a, "S")
    with clock(17):
        services.transition_item(item=s, actor=agent, to=State.IN_PROGRESS)
    return {"x": x, "y": y, "z": z, "w": w, "v": v}


def _report(user, tenant, start=None, end=None, **kw):
    access = access_tenant(user=user, slug=tenant.slug)
    return metrics.handle_time_report(access, period=metrics.period_for(access, start, end), **kw)


def test_handle_time_per_agent_and_engagement(worked_day, lead, provider):
    report = _report(lead, provider, date(2026, 3, 2), date(2026, 3, 2))
    got = {(r.client, r.agent): r.as_dict() for r in report.rows}
    assert set(got) == {("Client A", "agent"), ("Client A", "agent-a"), ("Client B", "agent")}
    mine = got[("Client A", "agent")]
    assert (mine["items"], mine["completed"], mine["total_seconds"]) == (4, 3, 5760.0)
    assert (mine["median_seconds"], mine["p90_seconds"], mine["items_per_hour"]) == (
        1350.0,
        2700.0,
        1.88,
    )
    theirs = got[("Client A", "agent-a")]
    assert (theirs["items"], theirs["completed"], theirs["total_seconds"]) == (1, 1, 1200.0)
    assert theirs["items_per_hour"] == 3.0
    assert got[("Client B", "agent")]["total_seconds"] == 600.0
    overall = {r.agent: r.as_dict() for r in report.by_agent}["agent"]
    # 6, 10, 15, 30, 45 min: median 15, p90 nearest rank 5 of 5 = 45; 4 handed on in 106 min
    assert (overall["items"], overall["completed"], overall["median_seconds"]) == (5, 4, 900.0)
    assert (overall["p90_seconds"], overall["items_per_hour"]) == (2700.0, 2.26)


def test_time_waiting_on_the_client_is_not_handle_time(worked_day, lead, provider):
    report = _report(lead, provider, engagement_id=worked_day["x"].engagement_id)
    row = next(r for r in report.rows if r.agent == "agent")
    assert row.per_item[worked_day["x"].pk] == 15 * 60


def test_a_reassignment_splits_the_time_between_holders(engagement_a, agent, agent_a_only, lead):
    with clock(9):
        r = submit(engagement_a, "R")
        services.transition_item(item=r, actor=agent, to=State.IN_PROGRESS)
    with clock(9, 10):
        services.assign_item(item=r, assignee=agent_a_only, actor=lead)
    with clock(9, 40):
        services.complete_item(item=r, actor=agent_a_only, output=DONE)
    report = _report(lead, engagement_a.tenant.provider)
    got = {row.agent: (row.total_seconds, len(row.completed)) for row in report.rows}
    assert got == {"agent": (600.0, 0), "agent-a": (1800.0, 1)}


def test_period_filters_and_bad_period(worked_day, lead, provider):
    assert _report(lead, provider, start=date(2026, 3, 3)).rows == []
    assert _report(lead, provider, end=date(2026, 3, 1)).rows == []
    only = _report(lead, provider, agent="agent-a")
    assert [r.agent for r in only.rows] == ["agent-a"]
    with pytest.raises(DomainError):
        _report(lead, provider, start=date(2026, 3, 3), end=date(2026, 3, 2))


def test_an_interval_counts_on_the_day_it_ends(engagement_a, agent, lead):
    with clock(23, 50, day=1):
        item = submit(engagement_a, "N")
        services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    with clock(0, 10, day=2):
        services.complete_item(item=item, actor=agent, output=DONE)
    provider = engagement_a.tenant.provider
    assert _report(lead, provider, end=date(2026, 3, 1)).rows == []
    (row,) = _report(lead, provider, start=date(2026, 3, 2)).rows
    assert row.total_seconds == 1200.0


# --- API and page ------------------------------------------------------------------------------


def test_api_handle_time(worked_day, lead, provider, engagement_b):
    api = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    r = api.get(f"{BASE}/handle-time?start=2026-03-02&end=2026-03-02")
    assert r.status_code == 200, r.content
    rows = {(x["client"], x["agent"]): x for x in r.json()["rows"]}
    assert rows[("Client A", "agent")]["median_seconds"] == 1350.0
    r = api.get(f"{BASE}/handle-time?engagement_id={engagement_b.pk}")
    assert [(x["client"], x["items"]) for x in r.json()["rows"]] == [("Client B", 1)]
    r = api.get(f"{BASE}/handle-time?start=2026-03-03&end=2026-03-02")
    assert r.status_code == 400 and "end" in r.json()["error"]["fields"]
    assert api.get(f"{BASE}/handle-time?end=soon").status_code == 422


def test_api_handle_time_is_scoped_and_for_leads(
    worked_day, lead_a, provider, engagement_b, api_agent, api_a
):
    api = Client(headers={"Authorization": f"Bearer {make_token(lead_a, provider)}"})
    rows = api.get(f"{BASE}/handle-time").json()["rows"]
    assert {x["client"] for x in rows} == {"Client A"}
    assert api.get(f"{BASE}/handle-time?engagement_id={engagement_b.pk}").json()["rows"] == []
    assert api_agent.get(f"{BASE}/handle-time").status_code == 403
    assert api_a.get(f"{BASE}/handle-time").status_code == 403


def test_handle_time_page_and_export(worked_day, web_lead, lead_a, web_a):
    page = web_lead.get("/t/provider/work/handle-time/?start=2026-03-02&end=2026-03-02")
    body = page.content.decode()
    assert page.status_code == 200 and "agent-a" in body and "22.5" in body
    r = web_lead.get("/t/provider/work/handle-time/?format=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0] == metrics.HANDLE_HEADER
    assert ["Client A", "Simple capture", "agent", "4", "3", "96.0", "22.5", "45.0", "1.88"] in rows
    bad = web_lead.get("/t/provider/work/handle-time/?start=2026-02-30&format=csv")
    assert bad.status_code == 200 and 'id="f-start-errors"' in bad.content.decode()
    assert web_a.get("/t/client-a/work/handle-time/").status_code == 403
    c = Client()
    c.force_login(lead_a)
    body = c.get("/t/provider/work/handle-time/").content.decode()
    assert "Client A" in body and "Client B" not in body
    assert c.get("/t/client-b/work/handle-time/").status_code == 404


def test_backlog_shows_todays_handle_time_per_agent(worked_day, web_lead, lead, lead_a):
    with clock(18):
        body = web_lead.get("/t/provider/work/backlog/").content.decode()
    table = body.split('id="handled-today"')[1].split("</table>")[0]
    # agent: 6, 10, 15, 30, 45 min → median 15, p90 45, 2.26 items/hour; agent-a: 20 min
    assert "<td>agent</td>" in table and "15.0" in table and "2.26" in table
    assert "<td>agent-a</td>" in table and "20.0" in table
    with clock(18, day=3):
        web_lead.force_login(lead)  # two days on, the idle session has ended
        body = web_lead.get("/t/provider/work/backlog/").content.decode()
    assert "No items handled yet today" in body
    # a lead of client A only: client B's item V is not in agent's figures
    c = Client()
    c.force_login(lead_a)
    with clock(18):
        body = c.get("/t/provider/work/backlog/").content.decode()
    table = body.split('id="handled-today"')[1].split("</table>")[0]
    # client A only: agent's 6, 15, 30, 45 min → median 22.5; 3 handed on in 96 min → 1.88
    assert "22.5" in table and "1.88" in table and "2.26" not in table
