"""Double-key entry: two agents key blind; a match moves on, a mismatch is settled by a third."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.tenancy.tests.factories import make_token
from backoffice.work import double_key, qa, services
from backoffice.work.models import DoubleKey, QaReview, State, WorkItem
from backoffice.work.tests.factories import (
    QA_OUTPUT,
    QA_OUTPUT_SCHEMA,
    key,
    make_engagement,
    make_qa_engagement,
    make_service_type,
    submit,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/work"
OTHER = {**QA_OUTPUT, "total": 210.5, "currency": "USD"}


def _dk_engagement(client, provider, code):
    st = make_service_type(
        provider, code=f"st-{code}", output_schema=QA_OUTPUT_SCHEMA, qa_sample_percent=0
    )
    return make_engagement(client, st, code=code, double_key=True)


@pytest.fixture
def dk_a(client_a, provider):
    return _dk_engagement(client_a, provider, "dk-a")


@pytest.fixture
def dk_b(client_b, provider):
    return _dk_engagement(client_b, provider, "dk-b")


def _dk(item: WorkItem) -> DoubleKey:
    return DoubleKey.objects.for_tenant(item.tenant_id).get(item_id=item.pk)


@pytest.fixture
def mismatched(dk_a, agent, agent_a_only):
    item = submit(dk_a, "M1")
    key(item, agent, QA_OUTPUT)
    return key(item, agent_a_only, OTHER)


# --- the match path ----------------------------------------------------------------------------


def test_first_key_goes_back_to_the_queue_blind(dk_a, agent):
    item = submit(dk_a, "K1")
    item = key(item, agent, QA_OUTPUT)
    assert item.state == State.QUEUED and item.assignee is None
    assert item.output is None  # the second agent keys blind
    dk = _dk(item)
    assert dk.status == DoubleKey.Status.AWAITING_SECOND and dk.first_agent == agent
    assert dk.first_output == QA_OUTPUT


def test_matching_keys_move_the_item_on(dk_a, agent, agent_a_only):
    item = submit(dk_a, "K1")
    key(item, agent, {**QA_OUTPUT, "total": 120})
    # the second agent keys the same values (120 and 120.0 are one number)
    item = key(item, agent_a_only, {**QA_OUTPUT, "total": 120.0})
    assert item.state == State.DONE and item.output == {**QA_OUTPUT, "total": 120.0}
    dk = _dk(item)
    assert dk.status == DoubleKey.Status.MATCHED and dk.mismatched_fields == []
    assert dk.second_agent == agent_a_only


def test_matching_keys_still_meet_the_qa_sample(client_a, provider, agent, agent_a_only, reviewer):
    engagement = make_qa_engagement(client_a, provider, code="dk-qa", double_key=True)
    item = submit(engagement, "K1")
    key(item, agent, QA_OUTPUT)
    item = key(item, agent_a_only, QA_OUTPUT)
    assert item.state == State.IN_REVIEW
    review = qa.record_qa_review(
        item=item,
        actor=reviewer,
        verdicts={n: qa.FieldVerdict("correct") for n in QA_OUTPUT},
        decision="accept",
    )
    assert review.agent == agent_a_only


# --- the mismatch path -------------------------------------------------------------------------


def test_mismatching_fields_wait_for_a_third_person(mismatched, agent, agent_a_only, reviewer):
    item = mismatched
    assert item.state == State.IN_REVIEW and item.output is None
    dk = _dk(item)
    assert dk.status == DoubleKey.Status.MISMATCH
    assert dk.mismatched_fields == ["total", "currency"]
    assert item.events.order_by("-id").first().note == "double-key mismatch: total, currency"
    # neither an accept, a rework nor a QA score gets past the mismatch
    with pytest.raises(Conflict) as exc:
        services.review_item(item=item, actor=reviewer, accept=True)
    assert exc.value.code == "needs_adjudication"
    with pytest.raises(Conflict):
        services.transition_item(item=item, actor=reviewer, to=State.REWORK)
    with pytest.raises(Conflict):
        qa.record_qa_review(
            item=item,
            actor=reviewer,
            verdicts={n: qa.FieldVerdict("correct") for n in QA_OUTPUT},
            decision="accept",
        )
    # neither keyer may settle it
    for keyer in (agent, agent_a_only):
        with pytest.raises(Forbidden):
            double_key.adjudicate(item=item, actor=keyer, values={"total": 1, "currency": "EUR"})
    # the third person picks the first key's total and types another currency
    dk = double_key.adjudicate(
        item=item, actor=reviewer, values={"total": 120.5, "currency": "USD"}
    )
    item.refresh_from_db()
    assert item.state == State.DONE
    assert item.output == {"vendor": "Acme", "total": 120.5, "currency": "USD", "paid": False}
    assert dk.status == DoubleKey.Status.ADJUDICATED and dk.adjudicator == reviewer
    assert not QaReview.objects.for_tenant(item.tenant_id).exists()


def test_a_field_only_one_agent_keyed_is_a_mismatch(dk_a, agent, agent_a_only, reviewer):
    # the optional `paid` left out by the first agent (this comparison once crashed)
    item = submit(dk_a, "K1")
    without_paid = {k: v for k, v in QA_OUTPUT.items() if k != "paid"}
    key(item, agent, without_paid)
    item = key(item, agent_a_only, QA_OUTPUT)
    assert item.state == State.IN_REVIEW and _dk(item).mismatched_fields == ["paid"]
    double_key.adjudicate(item=item, actor=reviewer, values={"paid": None})
    item.refresh_from_db()
    assert item.state == State.DONE and item.output == without_paid


@pytest.mark.parametrize(
    ("values", "field", "needle"),
    [
        ({"total": 1}, "values.currency", "Pick"),
        ({"total": 1, "currency": "USD", "vendor": "X"}, "values.vendor", "agreed"),
        ({"total": 1, "currency": "GBP"}, "values.currency", "Choose one of"),
        ({"total": -5, "currency": "USD"}, "values.total", "0 or more"),
        ({"total": 1, "currency": None}, "values.currency", "required"),
    ],
)
def test_bad_adjudications_are_refused_per_field(mismatched, reviewer, values, field, needle):
    with pytest.raises(DomainError) as exc:
        double_key.adjudicate(item=mismatched, actor=reviewer, values=values)
    assert field in exc.value.fields and needle in " ".join(exc.value.fields[field])
    mismatched.refresh_from_db()
    assert mismatched.state == State.IN_REVIEW and _dk(mismatched).status == "mismatch"


def test_only_a_mismatch_is_adjudicated(dk_a, agent, reviewer):
    item = submit(dk_a, "K1")
    key(item, agent, QA_OUTPUT)
    with pytest.raises(Conflict) as exc:
        double_key.adjudicate(item=item, actor=reviewer, values={})
    assert exc.value.code == "no_mismatch"


# --- the same agent may not key both -----------------------------------------------------------


def test_the_first_keyer_cannot_key_again(dk_a, agent, lead):
    item = submit(dk_a, "K1")
    key(item, agent, QA_OUTPUT)
    # taking it again by hand, or being assigned it, is refused
    with pytest.raises(Conflict) as exc:
        services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    assert exc.value.code == "same_agent"
    with pytest.raises(Conflict):
        services.assign_item(item=item, assignee=agent, actor=lead)
    # claim-next passes over it for this agent
    assert services.claim_next_item(agent=agent) is None
    item.refresh_from_db()
    assert item.state == State.QUEUED and item.assignee is None
    dk = _dk(item)
    assert dk.status == DoubleKey.Status.AWAITING_SECOND and dk.second_agent is None
    # someone else keys it
    item = key(item, lead, QA_OUTPUT)
    assert item.state == State.DONE


def test_the_database_refuses_one_agent_in_two_roles(mismatched, agent, agent_a_only):
    dk = _dk(mismatched)
    for changes in (
        {"second_agent": agent},
        {"status": "adjudicated", "adjudicator": agent_a_only},
        {"status": "awaiting_second"},
        {"status": "adjudicated"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            DoubleKey.objects.for_tenant(dk.tenant_id).filter(pk=dk.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        DoubleKey.objects.create(
            tenant_id=dk.tenant_id,
            item=mismatched,
            status="awaiting_second",
            first_agent=agent,
            first_output={},
            first_at=dk.first_at,
        )


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def api_reviewer(reviewer, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(reviewer, provider)}"})


def post(client: Client, url: str, body: dict):
    return client.post(BASE + url, data=json.dumps(body), content_type="application/json")


def test_engagement_option_through_the_api(provider_admin, provider, client_a, service_type):
    in_a = Client(headers={"Authorization": f"Bearer {make_token(provider_admin, client_a)}"})
    body = {"code": "dk", "service_type_id": service_type.pk, "double_key": True}
    r = post(in_a, "/engagements", body)
    assert r.status_code == 201 and r.json()["double_key"] is True
    r = post(in_a, "/engagements", {**body, "code": "dk2", "double_key": "perhaps"})
    assert r.status_code == 422


def test_api_second_agent_sees_no_first_key_and_reviewer_settles(
    mismatched, api_reviewer, api_agent
):
    assert api_agent.get(f"{BASE}/items/{mismatched.pk}").json()["output"] is None
    assert api_agent.get(f"{BASE}/items/{mismatched.pk}/double-key").status_code == 403
    r = api_reviewer.get(f"{BASE}/items/{mismatched.pk}/double-key")
    assert r.status_code == 200
    assert r.json()["mismatched_fields"] == ["total", "currency"]
    assert r.json()["second_output"]["total"] == 210.5
    url = f"/items/{mismatched.pk}/double-key/adjudication"
    bad = post(api_reviewer, url, {"values": {"total": 1}})
    assert bad.status_code == 400 and "values.currency" in bad.json()["error"]["fields"]
    assert post(api_reviewer, url, {"nope": 1}).status_code == 422
    r = post(api_reviewer, url, {"values": {"total": 210.5, "currency": "EUR"}})
    assert r.status_code == 200 and r.json()["status"] == "adjudicated"
    assert r.json()["final_output"]["total"] == 210.5
    again = post(api_reviewer, url, {"values": {"total": 1, "currency": "EUR"}})
    assert again.status_code == 409


@pytest.fixture
def mismatched_b(dk_b, agent, agent_b_only):
    """Client B's item keyed differently by agent and agent-b."""
    item = submit(dk_b, "B-SECRET")
    key(item, agent, QA_OUTPUT)
    return key(item, agent_b_only, OTHER)


def test_api_double_key_hides_another_clients_items(mismatched_b, reviewer_a_only, provider):
    api = Client(headers={"Authorization": f"Bearer {make_token(reviewer_a_only, provider)}"})
    r = api.get(f"{BASE}/items/{mismatched_b.pk}/double-key")
    assert r.status_code == 404 and "B-SECRET" not in r.content.decode()
    url = f"/items/{mismatched_b.pk}/double-key/adjudication"
    r = post(api, url, {"values": {"total": 1, "currency": "EUR"}})
    assert r.status_code == 404
    assert _dk(mismatched_b).status == DoubleKey.Status.MISMATCH


# --- pages -------------------------------------------------------------------------------------


@pytest.fixture
def web_reviewer(reviewer):
    c = Client()
    c.force_login(reviewer)
    return c


def test_adjudication_page(mismatched, web_reviewer):
    queue = web_reviewer.get("/t/provider/work/qa/").content.decode()
    assert "double-key mismatch" in queue and f"/qa/{mismatched.pk}/adjudicate/" in queue
    qa_page = web_reviewer.get(f"/t/provider/work/qa/{mismatched.pk}/")
    assert qa_page["Location"] == f"/t/provider/work/qa/{mismatched.pk}/adjudicate/"
    url = f"/t/provider/work/qa/{mismatched.pk}/adjudicate/"
    page = web_reviewer.get(url).content.decode()
    assert 'name="pick-total"' in page and "210.5" in page and 'name="pick-vendor"' not in page
    r = web_reviewer.post(url, {"pick-total": "other", "value-total": "lots"})
    body = r.content.decode()
    assert r.status_code == 200 and 'id="dk-total-errors"' in body and "not a valid" in body
    r = web_reviewer.post(url, {"pick-total": "first"})
    assert 'id="dk-currency-errors"' in r.content.decode()
    assert _dk(mismatched).status == DoubleKey.Status.MISMATCH
    r = web_reviewer.post(
        url, {"pick-total": "second", "pick-currency": "other", "value-currency": "EUR"}
    )
    assert r.status_code == 302
    mismatched.refresh_from_db()
    assert mismatched.state == State.DONE
    assert (mismatched.output["total"], mismatched.output["currency"]) == (210.5, "EUR")


def test_adjudication_page_is_scoped(mismatched_b, reviewer_a_only):
    theirs = mismatched_b
    c = Client()
    c.force_login(reviewer_a_only)
    url = f"/t/provider/work/qa/{theirs.pk}/adjudicate/"
    assert c.get(url).status_code == 404
    assert c.post(url, {"pick-total": "first", "pick-currency": "first"}).status_code == 404
    assert "B-SECRET" not in c.get("/t/provider/work/qa/").content.decode()
    assert _dk(theirs).status == DoubleKey.Status.MISMATCH


def test_claim_next_skips_an_item_the_agent_keyed_first(dk_a, agent):
    item = submit(dk_a, "K1")
    key(item, agent, QA_OUTPUT)
    assert services.claim_next_item(agent=agent) is None
