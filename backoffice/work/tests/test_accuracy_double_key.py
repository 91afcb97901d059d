"""Double-key captures feed accuracy: each keyer's fields checked against the settled result.

Worked example (four fields: vendor, total, currency, paid), worked out by hand:

- A1 on client A: `agent` keys QA_OUTPUT, `agent-a` keys total 210.5; the adjudicator
  settles total = 120.5 → agent 4/4, agent-a 3/4.
- A2: `agent-a` keys QA_OUTPUT, `agent` keys total 99 and currency USD; the adjudicator
  types total 100 (neither key) and picks EUR → agent-a 3/4, agent 2/4.
- A3: `agent` leaves the optional `paid` out, `agent-a` keys paid false; the adjudicator
  leaves it out → agent 4/4, agent-a 3/4.
- B1 on client B: `agent` and `agent-b` key the same values (matched: 4/4 each); the QA
  sample then scores the holder, agent-b, with the vendor corrected: QA 3/4.

Per agent and engagement: agent on A 10/12 (83.3 %), agent-a on A 9/12 (75.0 %), agent on
B 4/4, agent-b on B double key 4/4 + QA 3/4 = 7/8 (87.5 %). All settled on 1 March 2026
UTC, except A3 at 2 March 03:00 UTC (still 1 March in New York).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from backoffice.core.errors import DomainError
from backoffice.tenancy.selectors import access_tenant
from backoffice.tenancy.tests.factories import make_token
from backoffice.work import double_key, metrics, qa
from backoffice.work.models import DoubleKey, QaReview, State, WorkItem
from backoffice.work.tests.factories import QA_OUTPUT, key, make_qa_engagement, submit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/work"
MARCH_1 = datetime(2026, 3, 1, 12, tzinfo=UTC)
MARCH_2_EARLY = datetime(2026, 3, 2, 3, tzinfo=UTC)
WITHOUT_PAID = {k: v for k, v in QA_OUTPUT.items() if k != "paid"}


def test_keyer_scores_compare_each_key_with_the_settled_value():
    final = {**QA_OUTPUT, "total": 100}
    assert double_key.keyer_scores(QA_OUTPUT, {**QA_OUTPUT, "total": 99.0}, final) == (4, 3, 3)
    # 120.5 and 120.5 agree, 12 and 12.0 are one number; matching keys score every field
    same = {**QA_OUTPUT, "total": 12}
    assert double_key.keyer_scores(same, {**same, "total": 12.0}, same) == (4, 4, 4)
    # a field one key left out and the result left out is right for that key only
    assert double_key.keyer_scores(WITHOUT_PAID, QA_OUTPUT, WITHOUT_PAID) == (4, 4, 3)


def _settle_at(item: WorkItem, at: datetime, keyed_at: datetime | None = None) -> None:
    """Move the settlement (and the second key, when given) to a fixed time."""
    dk = DoubleKey.objects.for_tenant(item.tenant_id).filter(item_id=item.pk)
    if dk.get().status == DoubleKey.Status.ADJUDICATED:
        dk.update(adjudicated_at=at, second_at=keyed_at or at)
    else:
        dk.update(second_at=at)


def _double_key(engagement, ref, first, first_output, second, second_output, reviewer, values):
    item = submit(engagement, ref)
    key(item, first, first_output)
    item = key(item, second, second_output)
    if values is not None:
        double_key.adjudicate(item=item, actor=reviewer, values=values)
    return item


@pytest.fixture
def keyed(client_a, client_b, provider, agent, agent_a_only, agent_b_only, reviewer):
    """The worked example of the module docstring; returns the items by name."""
    dk_a = make_qa_engagement(client_a, provider, code="dk-a", double_key=True)
    dk_b = make_qa_engagement(client_b, provider, code="dk-b", double_key=True)
    other = {**QA_OUTPUT, "total": 210.5}
    a1 = _double_key(dk_a, "A1", agent, QA_OUTPUT, agent_a_only, other, reviewer, {"total": 120.5})
    twice_wrong = {**QA_OUTPUT, "total": 99, "currency": "USD"}
    a2 = _double_key(
        dk_a,
        "A2",
        agent_a_only,
        QA_OUTPUT,
        agent,
        twice_wrong,
        reviewer,
        {"total": 100, "currency": "EUR"},
    )
    a3 = _double_key(
        dk_a, "A3", agent, WITHOUT_PAID, agent_a_only, QA_OUTPUT, reviewer, {"paid": None}
    )
    b1 = _double_key(dk_b, "B1", agent, QA_OUTPUT, agent_b_only, QA_OUTPUT, reviewer, None)
    assert b1.state == State.IN_REVIEW and b1.assignee == agent_b_only  # matched, then sampled
    fix = {name: qa.FieldVerdict("correct") for name in QA_OUTPUT}
    fix["vendor"] = qa.FieldVerdict("corrected", "ACME GmbH")
    review = qa.record_qa_review(item=b1, actor=reviewer, verdicts=fix, decision="accept")
    QaReview.objects.for_tenant(review.tenant_id).filter(pk=review.pk).update(reviewed_at=MARCH_1)
    # A1 was keyed in February but settled on 1 March: the settlement dates it
    _settle_at(a1, MARCH_1, keyed_at=datetime(2026, 2, 27, 12, tzinfo=UTC))
    _settle_at(a2, MARCH_1)
    _settle_at(a3, MARCH_2_EARLY)
    _settle_at(b1, MARCH_1)
    return {"A1": a1, "A2": a2, "A3": a3, "B1": b1, "dk_a": dk_a, "dk_b": dk_b}


def _report(user, tenant, **kw):
    access = access_tenant(user=user, slug=tenant.slug)
    period = metrics.period_for(access, kw.pop("start", None), kw.pop("end", None))
    return metrics.accuracy_report(access, period=period, **kw)


def _figures(r: metrics.AccuracyRow) -> tuple:
    return (
        (r.reviews, r.fields_reviewed, r.fields_correct),
        (r.double_keys, r.double_key_fields, r.double_key_correct),
        (r.combined_fields, r.combined_correct, r.combined_accuracy),
    )


def test_each_keyer_is_scored_against_the_settled_value(keyed, lead, provider):
    report = _report(lead, provider)
    assert {(r.client, r.agent): _figures(r) for r in report.rows} == {
        ("Client A", "agent"): ((0, 0, 0), (3, 12, 10), (12, 10, 83.3)),
        ("Client A", "agent-a"): ((0, 0, 0), (3, 12, 9), (12, 9, 75.0)),
        ("Client B", "agent"): ((0, 0, 0), (1, 4, 4), (4, 4, 100.0)),
        ("Client B", "agent-b"): ((1, 4, 3), (1, 4, 4), (8, 7, 87.5)),
    }
    agent_b = next(r for r in report.rows if r.agent == "agent-b")
    assert (agent_b.accuracy, agent_b.double_key_accuracy) == (75.0, 100.0)
    # the QA figure of a row with no QA review is empty, not 0 %
    assert all(r.accuracy is None for r in report.rows if r.agent != "agent-b")
    assert {r.agent: _figures(r)[1:] for r in report.by_agent} == {
        "agent": ((4, 16, 14), (16, 14, 87.5)),
        "agent-a": ((3, 12, 9), (12, 9, 75.0)),
        "agent-b": ((1, 4, 4), (8, 7, 87.5)),
    }
    assert {r.client: r.combined_accuracy for r in report.by_engagement} == {
        "Client A": 79.2,  # 19 / 24
        "Client B": 91.7,  # 11 / 12
    }
    assert _figures(report.total) == ((1, 4, 3), (8, 32, 27), (36, 30, 83.3))


def test_only_settled_double_keys_count(keyed, lead, provider, agent, agent_a_only):
    # a first key alone, and an open mismatch, are not checked yet
    waiting = submit(keyed["dk_a"], "A4")
    key(waiting, agent, QA_OUTPUT)
    _double_key(keyed["dk_a"], "A5", agent, QA_OUTPUT, agent_a_only, WITHOUT_PAID, None, None)
    assert _figures(_report(lead, provider).total)[1] == (8, 32, 27)


def test_the_settlement_date_places_a_double_key_in_a_period(keyed, lead, provider):
    march_1 = date(2026, 3, 1)
    day = _report(lead, provider, start=march_1, end=march_1)  # lead's zone: UTC
    agent_a = next(r for r in day.by_agent if r.agent == "agent-a")
    assert _figures(agent_a)[1] == (2, 8, 6)  # A3 settled on 2 March UTC
    late = _report(lead, provider, start=date(2026, 3, 2))
    assert {r.agent: _figures(r)[1] for r in late.rows} == {
        "agent": (1, 4, 4),
        "agent-a": (1, 4, 3),
    }
    # A1's second key on 27 February does not place it there: its adjudication does
    feb = date(2026, 2, 27)
    assert _report(lead, provider, start=feb, end=feb).rows == []
    lead.timezone = "America/New_York"
    lead.save()
    in_new_york = _report(lead, provider, start=march_1, end=march_1)
    assert _figures(in_new_york.total)[1] == (8, 32, 27)
    with pytest.raises(DomainError) as exc:
        _report(lead, provider, start=date(2026, 3, 2), end=march_1)
    assert "end" in exc.value.fields


def test_engagement_and_agent_filters_apply_to_double_keys(keyed, lead, provider):
    only_b = _report(lead, provider, engagement_id=keyed["dk_b"].pk)
    assert {r.agent for r in only_b.rows} == {"agent", "agent-b"}
    # naming one agent keeps their side of each double key, never the other keyer's
    agent_a = _report(lead, provider, agent="agent-a")
    assert [(r.agent, _figures(r)[1]) for r in agent_a.rows] == [("agent-a", (3, 12, 9))]


def test_another_clients_double_keys_never_count(keyed, lead_a, lead, provider, client_a):
    report = _report(lead_a, provider)
    assert {r.client for r in report.rows} == {"Client A"}
    # agent also keyed B1 on client B: it is not in agent's figure here
    assert {r.agent: _figures(r)[1] for r in report.by_agent} == {
        "agent": (3, 12, 10),
        "agent-a": (3, 12, 9),
    }
    assert _report(lead_a, provider, engagement_id=keyed["dk_b"].pk).rows == []
    # a lead serving both, acting in client A's tenant, sees client A only
    in_a = _report(lead, client_a)
    assert _figures(in_a.total)[1] == (6, 24, 19)


# --- API and pages -------------------------------------------------------------------------------


def test_api_reports_each_source_and_the_combined_figure(keyed, lead, lead_a, provider):
    api = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    r = api.get(f"{BASE}/qa/accuracy?start=2026-03-01&end=2026-03-01&agent=agent-b")
    assert r.status_code == 200, r.content
    (row,) = r.json()["rows"]
    assert row == {
        "engagement_id": keyed["dk_b"].pk,
        "engagement": "Simple capture",
        "client": "Client B",
        "agent": "agent-b",
        "reviews": 1,
        "fields_reviewed": 4,
        "fields_correct": 3,
        "accuracy_percent": 75.0,
        "double_keys": 1,
        "double_key_fields": 4,
        "double_key_correct": 4,
        "double_key_accuracy_percent": 100.0,
        "combined_fields": 8,
        "combined_correct": 7,
        "combined_accuracy_percent": 87.5,
    }
    total = api.get(f"{BASE}/qa/accuracy").json()["total"]
    assert (total["fields_correct"], total["fields_reviewed"]) == (3, 4)  # QA only, as before
    assert (total["combined_correct"], total["combined_fields"]) == (30, 36)
    api_a = Client(headers={"Authorization": f"Bearer {make_token(lead_a, provider)}"})
    rows = api_a.get(f"{BASE}/qa/accuracy").json()["rows"]
    assert {x["client"] for x in rows} == {"Client A"}
    r = api_a.get(f"{BASE}/qa/accuracy?engagement_id={keyed['dk_b'].pk}")
    assert r.json()["rows"] == []


def test_page_and_export_show_both_sources(keyed, web_lead, lead_a):
    url = "/t/provider/work/accuracy/"
    body = web_lead.get(url).content.decode()
    assert "DK accuracy" in body and "83.3%" in body and "87.5%" in body
    r = web_lead.get(f"{url}?format=csv")
    lines = r.content.decode().splitlines()
    assert next(csv.reader(lines)) == metrics.ACCURACY_HEADER
    # client, engagement, agent | QA: reviews, fields, correct, % | double key: keys, fields,
    # correct, % | combined: fields, correct, %
    assert "Client A,Simple capture,agent,0,0,0,,3,12,10,83.3,12,10,83.3" in lines
    # the double-key total is 27 / 32 = 84.375 %
    assert lines[-1] == "(all),(all),(all),1,4,3,75.0,8,32,27,84.4,36,30,83.3"
    c = Client()
    c.force_login(lead_a)
    body = c.get(f"{url}?format=csv").content.decode()
    assert "Client A" in body and "Client B" not in body and "agent-b" not in body
    assert c.get("/t/client-b/work/accuracy/").status_code == 404


def test_api_opens_accuracy_to_qa_reviewers_and_keeps_handle_time_with_leads(
    keyed, reviewer, provider
):
    """The page and the API answer alike: accuracy is the reviewer's own measure."""
    api = Client(headers={"Authorization": f"Bearer {make_token(reviewer, provider)}"})
    assert api.get(f"{BASE}/qa/accuracy").status_code == 200
    assert api.get(f"{BASE}/handle-time").status_code == 403
