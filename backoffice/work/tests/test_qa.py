"""QA with field-level accuracy: the service, the report, the API and the pages.

Worked example used throughout: the output has four fields (vendor, total, currency,
paid). A review with one correction scores 3/4 = 75 %.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.tenancy.selectors import access_tenant
from backoffice.tenancy.tests.factories import make_token
from backoffice.work import metrics, qa
from backoffice.work.models import QaFieldVerdict, QaReview, State, WorkItem
from backoffice.work.tests.factories import QA_OUTPUT, key_item, make_qa_engagement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/work"
OK = qa.FieldVerdict("correct")


def all_correct(**overrides: qa.FieldVerdict) -> dict[str, qa.FieldVerdict]:
    return {**{name: OK for name in QA_OUTPUT}, **overrides}


@pytest.fixture
def qa_a(client_a, provider):
    return make_qa_engagement(client_a, provider, code="qa-a")


@pytest.fixture
def qa_b(client_b, provider):
    return make_qa_engagement(client_b, provider, code="qa-b")


def post(client: Client, url: str, body: dict, **headers: str):
    return client.post(
        BASE + url, data=json.dumps(body), content_type="application/json", headers=headers
    )


# --- the service -----------------------------------------------------------------------------


def test_sampled_item_waits_for_review_and_all_correct_accepts_it(qa_a, agent, reviewer):
    # given an engagement sampling 100 % for review
    item = key_item(qa_a, "Q1", agent)
    assert item.state == State.IN_REVIEW and item.assignee == agent
    # when the reviewer finds every field correct
    review = qa.record_qa_review(
        item=item, actor=reviewer, verdicts=all_correct(), decision="accept"
    )
    # then
    item.refresh_from_db()
    assert item.state == State.DONE and item.output == QA_OUTPUT
    assert (review.fields_reviewed, review.fields_correct, review.accuracy) == (4, 4, 1.0)
    assert review.agent == agent and review.reviewer == reviewer
    assert review.decision == QaReview.Decision.ACCEPTED
    assert [v.verdict for v in review.verdicts.all()] == ["correct"] * 4


def test_corrections_are_scored_and_become_the_output(qa_a, agent, reviewer):
    item = key_item(qa_a, "Q1", agent)
    verdicts = all_correct(
        total=qa.FieldVerdict("corrected", 125), paid=qa.FieldVerdict("corrected", True)
    )
    review = qa.record_qa_review(item=item, actor=reviewer, verdicts=verdicts, decision="accept")
    item.refresh_from_db()
    assert item.state == State.DONE
    assert item.output == {"vendor": "Acme", "total": 125, "currency": "EUR", "paid": True}
    assert (review.fields_reviewed, review.fields_correct) == (4, 2)
    total = review.verdicts.get(field="total")
    assert (total.agent_value, total.corrected_value) == (120.5, 125)
    last = item.events.order_by("-id").first()
    assert last.note == "QA 2/4 fields correct; corrected paid, total"


def test_rework_keeps_the_agents_output_and_a_second_review_is_scored_again(qa_a, agent, reviewer):
    item = key_item(qa_a, "Q1", agent)
    verdicts = all_correct(vendor=qa.FieldVerdict("corrected", "ACME GmbH"))
    qa.record_qa_review(item=item, actor=reviewer, verdicts=verdicts, decision="rework")
    item.refresh_from_db()
    assert item.state == State.REWORK and item.output == QA_OUTPUT and item.assignee is None
    # the agent reworks it and it is sampled again (the sample is per item)
    from backoffice.work import services

    services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    item = services.complete_item(
        item=item, actor=agent, output={**QA_OUTPUT, "vendor": "ACME GmbH"}
    )
    assert item.state == State.IN_REVIEW
    qa.record_qa_review(item=item, actor=reviewer, verdicts=all_correct(), decision="accept")
    scores = [(r.fields_correct, r.fields_reviewed) for r in item.qa_reviews.all()]
    assert scores == [(3, 4), (4, 4)]


@pytest.mark.parametrize(
    ("verdicts", "decision", "note", "field", "needle"),
    [
        ({"vendor": OK, "total": OK, "currency": OK}, "accept", "", "verdicts.paid", "verdict"),
        (all_correct(nope=OK), "accept", "", "verdicts.nope", "Not a field"),
        (all_correct(total=qa.FieldVerdict("maybe")), "accept", "", "verdicts.total", "correct"),
        (all_correct(total=qa.FieldVerdict("corrected")), "accept", "", "verdicts.total", "value"),
        (
            all_correct(total=qa.FieldVerdict("corrected", 120.5)),
            "accept",
            "",
            "verdicts.total",
            "agent's value",
        ),
        (
            all_correct(currency=qa.FieldVerdict("corrected", "GBP")),
            "accept",
            "",
            "verdicts.currency",
            "Choose one of",
        ),
        (all_correct(), "rework", "  ", "note", "reworked"),
        (all_correct(), "maybe", "", "decision", "accept or rework"),
    ],
)
def test_bad_reviews_are_refused_per_field_and_change_nothing(
    qa_a, agent, reviewer, verdicts, decision, note, field, needle
):
    item = key_item(qa_a, "Q1", agent)
    with pytest.raises(DomainError) as exc:
        qa.record_qa_review(
            item=item, actor=reviewer, verdicts=verdicts, decision=decision, note=note
        )
    assert needle in " ".join(exc.value.fields[field])
    item.refresh_from_db()
    assert item.state == State.IN_REVIEW and item.output == QA_OUTPUT
    assert not QaReview.objects.for_tenant(qa_a.tenant).exists()


def test_nobody_reviews_their_own_work(qa_a, lead):
    # a team lead may both key and review, but not the same item
    item = key_item(qa_a, "Q1", lead)
    with pytest.raises(Forbidden):
        qa.record_qa_review(item=item, actor=lead, verdicts=all_correct(), decision="accept")
    item.refresh_from_db()
    assert item.state == State.IN_REVIEW


def test_only_an_item_in_review_is_scored(qa_a, agent, reviewer):
    item = key_item(qa_a, "Q1", agent)
    qa.record_qa_review(item=item, actor=reviewer, verdicts=all_correct(), decision="accept")
    with pytest.raises(Conflict) as exc:
        qa.record_qa_review(item=item, actor=reviewer, verdicts=all_correct(), decision="accept")
    assert exc.value.code == "not_in_review"
    assert QaReview.objects.for_tenant(qa_a.tenant).count() == 1


def test_the_database_refuses_inconsistent_reviews(qa_a, agent, reviewer):
    item = key_item(qa_a, "Q1", agent)
    base = {
        "tenant_id": item.tenant_id,
        "item": item,
        "engagement": qa_a,
        "agent": agent,
        "reviewer": reviewer,
        "decision": "accepted",
        "fields_reviewed": 4,
        "fields_correct": 4,
        "reviewed_at": datetime(2026, 3, 1, tzinfo=UTC),
    }
    for bad in ({"reviewer": agent}, {"fields_correct": 5}, {"fields_reviewed": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            QaReview.objects.create(**{**base, **bad})
    review = QaReview.objects.create(**base)
    for bad in (
        {"verdict": "corrected", "corrected_value": None},
        {"verdict": "correct", "corrected_value": "x"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            QaFieldVerdict.objects.create(
                tenant_id=item.tenant_id, review=review, field="total", **bad
            )


# --- the accuracy report -----------------------------------------------------------------------


@pytest.fixture
def scored(qa_a, qa_b, agent, agent_a_only, reviewer):
    """agent on A: 4/4 and 2/4; agent-a on A: 1/4; agent on B: 3/4 — all on 2026-03-01 UTC."""

    def review(engagement, ref, who, wrong):
        item = key_item(engagement, ref, who)
        fields = list(QA_OUTPUT)[:wrong]
        fixes = {
            f: qa.FieldVerdict("corrected", {"vendor": "X", "total": 1, "currency": "USD"}[f])
            for f in fields
        }
        return qa.record_qa_review(
            item=item, actor=reviewer, verdicts=all_correct(**fixes), decision="accept"
        )

    reviews = [
        review(qa_a, "A1", agent, 0),
        review(qa_a, "A2", agent, 2),
        review(qa_a, "A3", agent_a_only, 3),
        review(qa_b, "B1", agent, 1),
    ]
    for r in reviews:
        QaReview.objects.for_tenant(r.tenant_id).filter(pk=r.pk).update(
            reviewed_at=datetime(2026, 3, 1, 12, tzinfo=UTC)
        )
    return reviews


def _report(user, tenant, **kw):
    access = access_tenant(user=user, slug=tenant.slug)
    period = metrics.period_for(access, kw.pop("start", None), kw.pop("end", None))
    return metrics.accuracy_report(access, period=period, **kw)


def test_accuracy_per_agent_engagement_and_totals(scored, lead, provider):
    report = _report(lead, provider)
    by_client = {
        (r.client, r.agent): (r.fields_correct, r.fields_reviewed, r.accuracy) for r in report.rows
    }
    assert by_client == {
        ("Client A", "agent"): (6, 8, 75.0),
        ("Client A", "agent-a"): (1, 4, 25.0),
        ("Client B", "agent"): (3, 4, 75.0),
    }
    assert {r.agent: (r.fields_correct, r.fields_reviewed) for r in report.by_agent} == {
        "agent": (9, 12),
        "agent-a": (1, 4),
    }
    assert {r.client: r.accuracy for r in report.by_engagement} == {
        "Client A": 58.3,  # 7 / 12
        "Client B": 75.0,
    }
    assert (report.total.fields_correct, report.total.fields_reviewed) == (10, 16)


def test_accuracy_period_is_local_dates_in_the_viewers_zone(scored, lead, provider):
    # 2026-03-02 03:00 UTC is still 1 March in New York
    late = scored[0]
    QaReview.objects.for_tenant(late.tenant_id).filter(pk=late.pk).update(
        reviewed_at=datetime(2026, 3, 2, 3, tzinfo=UTC)
    )
    lead.timezone = "America/New_York"
    lead.save()
    day = date(2026, 3, 1)
    assert _report(lead, provider, start=day, end=day).total.reviews == 4
    lead.timezone = "UTC"
    lead.save()
    assert _report(lead, provider, start=day, end=day).total.reviews == 3
    assert _report(lead, provider, start=date(2026, 3, 2)).total.reviews == 1
    with pytest.raises(DomainError) as exc:
        _report(lead, provider, start=date(2026, 3, 2), end=day)
    assert "end" in exc.value.fields


def test_accuracy_shows_only_the_clients_the_viewer_serves(scored, provider, lead_a):
    report = _report(lead_a, provider)
    assert {r.client for r in report.rows} == {"Client A"}
    assert report.total.fields_reviewed == 12


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def api_reviewer(reviewer, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(reviewer, provider)}"})


@pytest.fixture
def api_reviewer_a(reviewer_a_only, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(reviewer_a_only, provider)}"})


@pytest.fixture
def api_lead(lead, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})


def _body(decision="accept", **fields):
    verdicts = {name: {"verdict": "correct"} for name in QA_OUTPUT}
    verdicts.update(fields)
    return {"decision": decision, "verdicts": verdicts}


def test_api_reviewer_scores_an_item(api_reviewer, qa_a, agent):
    item = key_item(qa_a, "Q1", agent)
    listed = api_reviewer.get(f"{BASE}/qa/items").json()
    assert [i["external_ref"] for i in listed["items"]] == ["Q1"]
    body = _body(total={"verdict": "corrected", "value": 99})
    r = post(api_reviewer, f"/items/{item.pk}/qa-reviews", body, **{"Idempotency-Key": "q-1"})
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["fields_correct"], out["fields_reviewed"], out["accuracy_percent"]) == (3, 4, 75.0)
    assert out["agent"] == "agent" and out["reviewer"] == "reviewer"
    total = next(v for v in out["verdicts"] if v["field"] == "total")
    assert (total["agent_value"], total["corrected_value"]) == (120.5, 99)
    # a retry with the same key replays; the item is not reviewed twice
    again = post(api_reviewer, f"/items/{item.pk}/qa-reviews", body, **{"Idempotency-Key": "q-1"})
    assert again.status_code == 201 and again.json() == out
    assert QaReview.objects.for_tenant(qa_a.tenant).count() == 1
    assert api_reviewer.get(f"{BASE}/items/{item.pk}").json()["output"]["total"] == 99
    listed = api_reviewer.get(f"{BASE}/items/{item.pk}/qa-reviews").json()
    assert [r["id"] for r in listed] == [out["id"]]


def test_api_bad_reviews_are_400_with_fields(api_reviewer, qa_a, agent):
    item = key_item(qa_a, "Q1", agent)
    url = f"/items/{item.pk}/qa-reviews"
    r = post(api_reviewer, url, {"decision": "accept", "verdicts": {"vendor": {"verdict": "ok"}}})
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert set(fields) == {
        "verdicts.vendor",
        "verdicts.total",
        "verdicts.currency",
        "verdicts.paid",
    }
    r = post(api_reviewer, url, _body(currency={"verdict": "corrected", "value": "GBP"}))
    assert r.status_code == 400 and "verdicts.currency" in r.json()["error"]["fields"]
    r = post(api_reviewer, url, {"decision": "accept"})
    assert r.status_code == 422
    r = api_reviewer.post(BASE + url, data="{", content_type="application/json")
    assert r.status_code == 400
    assert not QaReview.objects.for_tenant(qa_a.tenant).exists()
    item.refresh_from_db()
    assert item.state == State.IN_REVIEW


def test_api_agents_and_clients_cannot_score(api_agent, api_a, qa_a, agent_a_only):
    item = key_item(qa_a, "Q1", agent_a_only)
    assert post(api_agent, f"/items/{item.pk}/qa-reviews", _body()).status_code == 403
    assert post(api_a, f"/items/{item.pk}/qa-reviews", _body()).status_code == 403
    assert api_a.get(f"{BASE}/qa/items").status_code == 403
    assert api_a.get(f"{BASE}/items/{item.pk}/qa-reviews").status_code == 403
    assert api_agent.get(f"{BASE}/qa/accuracy").status_code == 403
    assert not QaReview.objects.for_tenant(qa_a.tenant).exists()


def test_api_qa_endpoints_hide_another_clients_items(api_reviewer_a, api_reviewer, qa_b, agent):
    theirs = key_item(qa_b, "B-SECRET", agent)
    assert api_reviewer_a.get(f"{BASE}/qa/items").json()["count"] == 0
    r = post(api_reviewer_a, f"/items/{theirs.pk}/qa-reviews", _body())
    assert r.status_code == 404 and "B-SECRET" not in r.content.decode()
    assert api_reviewer_a.get(f"{BASE}/items/{theirs.pk}/qa-reviews").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.IN_REVIEW
    assert not QaReview.objects.for_tenant(qa_b.tenant).exists()
    # the reviewer who serves client B can
    assert post(api_reviewer, f"/items/{theirs.pk}/qa-reviews", _body()).status_code == 201


def test_api_accuracy_report_and_its_isolation(scored, api_lead, lead, client_a, qa_b):
    r = api_lead.get(f"{BASE}/qa/accuracy?start=2026-03-01&end=2026-03-01")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["total"]["fields_correct"] == 10 and data["total"]["accuracy_percent"] == 62.5
    assert {a["agent"]: a["accuracy_percent"] for a in data["by_agent"]} == {
        "agent": 75.0,
        "agent-a": 25.0,
    }
    r = api_lead.get(f"{BASE}/qa/accuracy?engagement_id={qa_b.pk}&agent=agent")
    assert [(x["client"], x["fields_correct"]) for x in r.json()["rows"]] == [("Client B", 3)]
    assert api_lead.get(f"{BASE}/qa/accuracy?start=2026-03-02").json()["rows"] == []
    # bad input
    r = api_lead.get(f"{BASE}/qa/accuracy?start=2026-03-02&end=2026-03-01")
    assert r.status_code == 400 and "end" in r.json()["error"]["fields"]
    assert api_lead.get(f"{BASE}/qa/accuracy?start=yesterday").status_code == 422
    # a lead acting in client A's tenant sees client A only, even asking for B
    lead_in_a = Client(headers={"Authorization": f"Bearer {make_token(lead, client_a)}"})
    rows = lead_in_a.get(f"{BASE}/qa/accuracy").json()["rows"]
    assert {x["client"] for x in rows} == {"Client A"}
    assert lead_in_a.get(f"{BASE}/qa/accuracy?engagement_id={qa_b.pk}").json()["rows"] == []


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def web_reviewer(reviewer):
    c = Client()
    c.force_login(reviewer)
    return c


@pytest.fixture
def web_reviewer_a(reviewer_a_only):
    c = Client()
    c.force_login(reviewer_a_only)
    return c


def _form(decision="accept", **changes):
    data = {f"verdict-{name}": "correct" for name in QA_OUTPUT}
    data["decision"] = decision
    data.update(changes)
    return data


def test_reviewer_page_scores_fields(web_reviewer, qa_a, agent):
    item = key_item(qa_a, "Q1", agent)
    queue = web_reviewer.get("/t/provider/work/qa/").content.decode()
    assert "Q1" in queue
    url = f"/t/provider/work/qa/{item.pk}/"
    page = web_reviewer.get(url).content.decode()
    for name in QA_OUTPUT:
        assert f'name="verdict-{name}"' in page and f'name="value-{name}"' in page
    r = web_reviewer.post(
        url,
        _form(
            **{
                "verdict-total": "corrected",
                "value-total": "130",
                "verdict-paid": "corrected",
                "value-paid": "true",
            }
        ),
    )
    assert r.status_code == 302 and r["Location"] == "/t/provider/work/qa/"
    review = QaReview.objects.for_tenant(qa_a.tenant).get()
    assert (review.fields_correct, review.fields_reviewed) == (2, 4)
    item.refresh_from_db()
    assert item.output["total"] == 130 and item.output["paid"] is True and item.state == State.DONE


def test_reviewer_page_shows_field_errors_and_keeps_input(web_reviewer, qa_a, agent):
    item = key_item(qa_a, "Q1", agent)
    url = f"/t/provider/work/qa/{item.pk}/"
    form = _form(**{"verdict-total": "corrected", "value-total": "lots"})
    del form["verdict-vendor"]
    r = web_reviewer.post(url, form)
    body = r.content.decode()
    assert r.status_code == 200
    assert (
        'id="qa-total-errors"' in body and "not a valid number" in body and 'value="lots"' in body
    )
    r = web_reviewer.post(url, _form(**{"verdict-total": "corrected", "value-total": ""}))
    body = r.content.decode()
    assert 'id="qa-total-errors"' in body and "Give the corrected value" in body
    r = web_reviewer.post(url, {k: v for k, v in _form().items() if k != "verdict-vendor"})
    assert 'id="qa-vendor-errors"' in r.content.decode()
    r = web_reviewer.post(url, _form(decision="rework"))
    assert 'id="qa-note-errors"' in r.content.decode()
    assert not QaReview.objects.for_tenant(qa_a.tenant).exists()
    item.refresh_from_db()
    assert item.state == State.IN_REVIEW


def test_reviewer_pages_hide_another_clients_items(web_reviewer_a, qa_b, agent):
    theirs = key_item(qa_b, "B-SECRET", agent)
    assert "B-SECRET" not in web_reviewer_a.get("/t/provider/work/qa/").content.decode()
    url = f"/t/provider/work/qa/{theirs.pk}/"
    assert web_reviewer_a.get(url).status_code == 404
    assert web_reviewer_a.post(url, _form()).status_code == 404
    assert web_reviewer_a.get(f"/t/client-b/work/qa/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.IN_REVIEW
    assert not QaReview.objects.for_tenant(qa_b.tenant).exists()


def test_accuracy_page_filters_and_exports(scored, web_lead):
    page = web_lead.get("/t/provider/work/accuracy/?start=2026-03-01&end=2026-03-01")
    body = page.content.decode()
    assert page.status_code == 200 and "agent-a" in body and "25.0%" in body and "62.5%" in body
    r = web_lead.get("/t/provider/work/accuracy/?start=2026-03-01&end=2026-03-01&format=csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0] == metrics.ACCURACY_HEADER
    # no double keys here: their columns are empty and the combined figure is the QA one
    lines = r.content.decode().splitlines()
    assert "Client A,Simple capture,agent-a,1,4,1,25.0,0,0,0,,4,1,25.0" in lines
    assert lines[-1] == "(all),(all),(all),4,16,10,62.5,0,0,0,,16,10,62.5"
    r = web_lead.get("/t/provider/work/accuracy/?format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    bad = web_lead.get("/t/provider/work/accuracy/?start=2026-13-01&format=csv")
    assert bad.status_code == 200 and 'id="f-start-errors"' in bad.content.decode()
    late = web_lead.get("/t/provider/work/accuracy/?start=2026-03-02&end=2026-03-01")
    assert 'id="f-end-errors"' in late.content.decode()


def test_accuracy_page_is_scoped_and_for_leads(scored, web_a, web_reviewer, lead_a, client_a):
    assert web_a.get("/t/client-a/work/accuracy/").status_code == 403
    assert web_a.get("/t/client-a/work/qa/").status_code == 403
    # accuracy is the reviewer's own measure (issue 14: it was a 403)
    assert web_reviewer.get("/t/provider/work/accuracy/").status_code == 200
    c = Client()
    c.force_login(lead_a)
    body = c.get("/t/provider/work/accuracy/?format=csv").content.decode()
    assert "Client A" in body and "Client B" not in body
    assert c.get("/t/client-b/work/accuracy/").status_code == 404
    assert WorkItem.objects.for_tenant(client_a).filter(state=State.DONE).count() == 3


def test_item_page_shows_qa_findings_to_staff_not_to_the_client(
    qa_a, agent, reviewer, web_agent, web_a
):
    item = key_item(qa_a, "Q1", agent)
    verdicts = all_correct(vendor=qa.FieldVerdict("corrected", "ACME GmbH"))
    qa.record_qa_review(item=item, actor=reviewer, verdicts=verdicts, decision="rework")
    page = web_agent.get(f"/t/provider/work/items/{item.pk}/").content.decode()
    findings = page.split('id="qa-findings"')[1].split("</div>")[0]
    assert "3/4 fields correct" in findings and "ACME GmbH" in findings
    client_page = web_a.get(f"/t/client-a/work/items/{item.pk}/").content.decode()
    assert client_page.count("qa-findings") == 0 and "ACME GmbH" not in client_page


def test_api_pages_past_the_end_are_empty(api_reviewer, api_a, qa_a, agent):
    key_item(qa_a, "Q1", agent)
    huge = 2**61 + 1  # an offset no database holds (found by schemathesis)
    for client, url in ((api_reviewer, "/qa/items"), (api_a, "/items")):
        r = client.get(f"{BASE}{url}?page={huge}&page_size=432")
        assert r.status_code == 200, (url, r.content)
        assert r.json()["items"] == [] and r.json()["count"] == 1


def test_ids_beyond_64_bits_are_refused_not_a_crash(api_reviewer, web_reviewer, api_lead, web_lead):
    huge = 876850409684472572830205539786948608  # found by schemathesis: a 500 on SQLite
    for client, url in (
        (api_reviewer, "/qa/items"),
        (api_lead, "/items"),
        (api_lead, "/qa/accuracy"),
        (api_lead, "/handle-time"),
    ):
        r = client.get(f"{BASE}{url}?engagement_id={huge}")
        assert r.status_code == 422 and "engagement_id" in r.json()["error"]["fields"], url
    for client, url in (
        (web_reviewer, "qa/"),
        (web_lead, "items/"),
        (web_lead, "accuracy/"),
        (web_lead, "handle-time/"),
    ):
        assert client.get(f"/t/provider/work/{url}?engagement={huge}").status_code == 200, url


def test_demo_reviewer_scores_the_sampled_items(qa_a, agent, reviewer, provider, client_a):
    from backoffice.tenancy.demo import DemoContext
    from backoffice.work.demo import _score_samples

    item = key_item(qa_a, "D1", agent)
    _score_samples(DemoContext(provider, [client_a], {"qa": reviewer}), [qa_a])
    item.refresh_from_db()
    review = item.qa_reviews.get()
    assert item.state == State.DONE and (review.fields_correct, review.fields_reviewed) == (3, 4)
    # the first correctable field by name, currency, got another allowed value
    assert item.output["currency"] == "USD"
