"""Work API: intake, items, the agent's loop, and tenant isolation for every endpoint."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token
from backoffice.work import services
from backoffice.work.models import State, WorkItem
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/work"


def post(client: Client, url: str, body: dict | None = None, **headers: str):
    return client.post(
        BASE + url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


def test_client_submits_an_item_and_a_retry_returns_it(api_a, engagement_a):
    body = {"external_ref": "INV-9", "data": {"name": "Acme", "amount": 12}}
    # when
    first = post(api_a, f"/engagements/{engagement_a.pk}/items", body)
    again = post(api_a, f"/engagements/{engagement_a.pk}/items", body)
    # then
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    item = first.json()
    assert item["state"] == "queued" and item["sla_remaining_minutes"] is not None


def test_idempotency_key_replays_the_first_response(api_a, engagement_a):
    body = {"external_ref": "K1", "data": {"name": "A", "amount": 1}}
    url = f"/engagements/{engagement_a.pk}/items"
    r1 = post(api_a, url, body, **{"Idempotency-Key": "k-1"})
    r2 = post(api_a, url, body, **{"Idempotency-Key": "k-1"})
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()


def test_schema_violations_are_reported_per_field(api_a, engagement_a):
    r = post(
        api_a,
        f"/engagements/{engagement_a.pk}/items",
        {"external_ref": "X", "data": {"amount": "ten", "kind": "q"}},
    )
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert set(fields) == {"data.name", "data.amount", "data.kind"}
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 0


def test_unknown_or_foreign_engagement_is_404(api_a, engagement_b):
    body = {"external_ref": "X", "data": {"name": "a", "amount": 1}}
    for url in (f"/engagements/{engagement_b.pk}/items", "/engagements/999999/items"):
        r = post(api_a, url, body)
        assert r.status_code == 404
        assert "Client B" not in r.content.decode()
    r = post(api_a, f"/engagements/{engagement_b.pk}/items/bulk", {"items": [body]})
    assert r.status_code == 404
    assert WorkItem.objects.for_tenant(engagement_b.tenant).count() == 0


def test_bulk_all_or_nothing_and_valid_rows(api_a, engagement_a):
    items = [
        {"external_ref": "B1", "data": {"name": "a", "amount": 1}},
        {"external_ref": "B2", "data": {"name": "b"}},
    ]
    url = f"/engagements/{engagement_a.pk}/items/bulk"
    r = post(api_a, url, {"items": items})
    assert r.status_code == 400
    assert r.json()["error"]["fields"]["rows"] == [
        {"row": 2, "field": "amount", "message": "This field is required."}
    ]
    r = post(api_a, url, {"items": items, "mode": "valid_rows"})
    assert r.status_code == 201 and r.json()["created"] == 1 and r.json()["rejected"] == 1


def test_file_upload_and_malformed_files(api_a, engagement_a):
    url = f"{BASE}/engagements/{engagement_a.pk}/files"
    good = SimpleUploadedFile("in.csv", b"external_ref,name,amount\nF1,A,1\n", "text/csv")
    r = api_a.post(url, {"file": good})
    assert r.status_code == 201, r.content
    assert r.json()["created"] == 1
    for content, needle in (
        (b"", "empty"),
        (b"external_ref,name\nX,A\n", "Missing column"),
        (b"external_ref,name,amount,zz\nX,A,1,2\n", "Unknown column"),
        ("external_ref,name,amount\nX,\u00e9,1\n".encode("utf-16"), "UTF-8"),
    ):
        r = api_a.post(url, {"file": SimpleUploadedFile("f.csv", content, "text/csv")})
        assert r.status_code == 400 and needle in r.json()["error"]["message"]
    assert WorkItem.objects.for_tenant(engagement_a.tenant).count() == 1


def test_list_and_get_items_are_tenant_scoped(api_a, api_b, engagement_a, engagement_b):
    mine = submit(engagement_a, "A1")
    theirs = submit(engagement_b, "B1")
    listing = api_a.get(f"{BASE}/items").json()
    assert [i["external_ref"] for i in listing["items"]] == ["A1"] and listing["count"] == 1
    assert api_a.get(f"{BASE}/items?engagement_id={engagement_b.pk}").json()["count"] == 0
    assert api_a.get(f"{BASE}/items/{mine.pk}").status_code == 200
    r = api_a.get(f"{BASE}/items/{theirs.pk}")
    assert r.status_code == 404 and "B1" not in r.content.decode()
    assert api_b.get(f"{BASE}/items/{theirs.pk}").status_code == 200
    assert api_a.get(f"{BASE}/engagements/{engagement_b.pk}").status_code == 404
    assert [e["code"] for e in api_a.get(f"{BASE}/engagements").json()] == ["eng-a"]


def test_every_item_endpoint_hides_another_tenants_item(api_a, engagement_b):
    theirs = submit(engagement_b, "B1")
    question_id = 1
    urls = [
        ("get", f"/items/{theirs.pk}/comments", None),
        ("post", f"/items/{theirs.pk}/comments", {"body": "hi"}),
        ("post", f"/items/{theirs.pk}/transition", {"to": "cancelled"}),
        ("post", f"/items/{theirs.pk}/questions/{question_id}/answer", {"body": "x"}),
    ]
    for method, url, body in urls:
        r = api_a.get(BASE + url) if method == "get" else post(api_a, url, body)
        assert r.status_code == 404, (url, r.status_code)
    f = SimpleUploadedFile("a.txt", b"hello", "text/plain")
    assert api_a.post(f"{BASE}/items/{theirs.pk}/attachments", {"file": f}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.QUEUED and theirs.comments.count() == 0


@pytest.fixture
def agent_api_a(agent, client_a):
    """The agent acting in client A's tenant (token scoped to client A)."""
    return Client(headers={"Authorization": f"Bearer {make_token(agent, client_a)}"})


def test_agent_loop_claim_ask_answer_complete(api_agent, api_a, engagement_a, engagement_b):
    # given one item for each client
    a = submit(engagement_a, "A1")
    submit(engagement_b, "B1")
    # when the agent (acting for the provider) claims twice: one item from each client
    first = post(api_agent, "/claim-next")
    second = post(api_agent, "/claim-next")
    assert first.status_code == second.status_code == 200
    assert {first.json()["tenant"], second.json()["tenant"]} == {"client-a", "client-b"}
    assert post(api_agent, "/claim-next").status_code == 204
    # the agent asks client A a question; client A answers
    r = post(api_agent, f"/items/{a.pk}/questions", {"body": "Which supplier?"})
    assert r.status_code == 201
    qid = r.json()["id"]
    assert api_a.get(f"{BASE}/items/{a.pk}").json()["state"] == "waiting_on_client"
    r = post(api_a, f"/items/{a.pk}/questions/{qid}/answer", {"body": "Acme"})
    assert r.status_code == 201
    # then the agent completes it
    r = post(api_agent, f"/items/{a.pk}/complete", {"output": {}})
    assert r.status_code == 400 and "result" in r.json()["error"]["fields"]
    r = post(api_agent, f"/items/{a.pk}/complete", {"output": {"result": "ok"}})
    assert r.status_code == 200 and r.json()["state"] == "done"
    detail = api_a.get(f"{BASE}/items/{a.pk}").json()
    assert [e["to_state"] for e in detail["events"]] == [
        "queued",
        "in_progress",
        "waiting_on_client",
        "in_progress",
        "done",
    ]
    assert [c["kind"] for c in detail["comments"]] == ["question", "answer"]


def test_agent_in_a_client_tenant_claims_only_that_clients_work(
    agent_api_a, engagement_a, engagement_b
):
    submit(engagement_b, "B1")
    assert post(agent_api_a, "/claim-next").status_code == 204


def test_client_cannot_claim_or_route(api_a, engagement_a):
    item = submit(engagement_a, "A1")
    assert post(api_a, "/claim-next").status_code == 403
    assert post(api_a, f"/items/{item.pk}/assign", {"username": "alice"}).status_code == 403
    assert post(api_a, f"/items/{item.pk}/questions", {"body": "?"}).status_code == 403


def test_illegal_transition_is_409(api_agent, engagement_a):
    item = submit(engagement_a, "A1")
    r = post(api_agent, f"/items/{item.pk}/transition", {"to": "in_review"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"


def test_client_can_cancel_its_queued_item(api_a, engagement_a):
    item = submit(engagement_a, "A1")
    r = post(api_a, f"/items/{item.pk}/transition", {"to": "cancelled", "note": "sent twice"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_attachments_size_and_type(api_a, engagement_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = submit(engagement_a, "A1")
    url = f"{BASE}/items/{item.pk}/attachments"
    ok = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\nxxxx", "image/png")
    assert api_a.post(url, {"file": ok}).status_code == 201
    bad = SimpleUploadedFile("x.exe", b"MZ..", "application/x-msdownload")
    r = api_a.post(url, {"file": bad})
    assert r.status_code == 400 and r.json()["error"]["code"] == "attachment_type"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    big = SimpleUploadedFile("big.txt", b"x" * (services.MAX_ATTACHMENT_BYTES + 1), "text/plain")
    r = api_a.post(url, {"file": big})
    assert r.status_code == 400 and r.json()["error"]["code"] == "attachment_too_large"


def test_lead_assigns_and_sees_the_backlog(lead, provider, engagement_a, engagement_b, agent):
    api_lead = Client(headers={"Authorization": f"Bearer {make_token(lead, provider)}"})
    item = submit(engagement_a, "A1")
    submit(engagement_b, "B1")
    r = post(api_lead, f"/items/{item.pk}/assign", {"username": "agent"})
    assert r.status_code == 200 and r.json()["assignee"] == "agent"
    rows = api_lead.get(f"{BASE}/backlog").json()
    assert {(r["tenant"], r["open"], r["in_progress"]) for r in rows} == {
        ("client-a", 1, 1),
        ("client-b", 1, 0),
    }


def test_catalogue_and_engagement_setup(provider_admin, provider, client_a, client_b):
    admin_api = Client(headers={"Authorization": f"Bearer {make_token(provider_admin, provider)}"})
    r = post(admin_api, "/service-types", {"code": "inv", "template": "invoice-capture"})
    assert r.status_code == 201, r.content
    st_id = r.json()["id"]
    assert admin_api.get(f"{BASE}/service-types").json()[0]["billing_unit"] == "page"
    in_a = Client(headers={"Authorization": f"Bearer {make_token(provider_admin, client_a)}"})
    body = {
        "code": "ap",
        "service_type_id": st_id,
        "sla_minutes": 240,
        "calendar": {"timezone": "America/New_York", "holiday_country": "US"},
    }
    r = post(in_a, "/engagements", body)
    assert r.status_code == 201, r.content
    assert r.json()["calendar"]["timezone"] == "America/New_York"
    bad = post(in_a, "/engagements", {**body, "code": "x", "calendar": {"timezone": "Nope/Nope"}})
    assert bad.status_code == 400
    assert post(in_a, "/engagements", {**body, "service_type_id": 99999}).status_code == 404


def test_client_sees_only_service_types_it_engaged(api_a, api_b, engagement_a, provider):
    services.create_service_type(provider=provider, actor=None, code="other", name="Other")
    assert [s["code"] for s in api_a.get(f"{BASE}/service-types").json()] == ["simple"]
    assert api_b.get(f"{BASE}/service-types").json() == []
    st_id = engagement_a.service_type_id
    assert api_b.get(f"{BASE}/service-types/{st_id}").status_code == 404


def test_queues_are_the_providers(api_agent, api_a, provider):
    queue = services.create_queue(provider=provider, actor=None, code="q", name="Q")
    assert [q["code"] for q in api_agent.get(f"{BASE}/queues").json()] == ["q"]
    other = UserFactory.create(username="agent-other")
    make_member(provider, other, Role.AGENT)
    assert post(api_agent, f"/claim-next?queue_id={queue.pk}").status_code == 204
    assert post(api_agent, "/claim-next?queue_id=424242").status_code == 404
