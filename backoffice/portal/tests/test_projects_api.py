"""The project-request API end to end, and its refusals: each in words with its code, and
nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.billing.models import Contract
from backoffice.portal.projects.models import ProjectRequest, Quote
from backoffice.portal.tests import factories_projects as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import make_token
from backoffice.work.models import Engagement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/portal"


@pytest.fixture
def ops(provider, client_a, client_b):
    return f.ops_manager(provider, client_a)


@pytest.fixture
def st(provider, ops):
    f.books(provider)
    return f.capture_service(provider, ops)


@pytest.fixture
def api_ops(ops, provider):
    return Client(headers={"Authorization": f"Bearer {make_token(ops.user, provider)}"})


def _request_body(st, **kw):
    body = {
        "title": "Supplier invoices",
        "description": "4,000 invoices a month keyed into our ERP format.",
        "service_type_id": st.pk,
        "expected_volume": 4000,
        "volume_unit": "invoices a month",
        "deadline": (date.today() + timedelta(days=20)).isoformat(),
        "languages": "German, English",
        "submit": True,
    }
    body.update(kw)
    return body


def _post(api, path, body=None, **headers):
    return api.post(f"{BASE}{path}", body or {}, content_type="application/json", headers=headers)


def _quote_body(st, **kw):
    body = {
        "currency": "EUR",
        "valid_until": (date.today() + timedelta(days=14)).isoformat(),
        "sla_hours": "8",
        "setup_fee": 20_000,
        "lines": [
            {"code": "items", "name": "Invoices", "metric": "items", "unit_rate": 35},
            {
                "code": "pages",
                "name": "Pages",
                "metric": "pages",
                "model": "volume",
                "tiers": [
                    {"from_units": "0", "up_to": "5000", "unit_rate": 20},
                    {"from_units": "5000", "unit_rate": 15},
                ],
            },
        ],
        "timezone": "Europe/Berlin",
        "holiday_country": "DE",
    }
    body.update(kw)
    return body


def _quoted(api_a, api_ops, st):
    r = _post(api_a, "/requests", _request_body(st))
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    q = _post(api_ops, f"/requests/{rid}/quote", _quote_body(st))
    assert q.status_code == 201, q.content
    sent = _post(api_ops, f"/quotes/{q.json()['id']}/send")
    assert sent.status_code == 200, sent.content
    return rid, q.json()["id"]


def test_the_whole_path_through_the_api(api_a, api_ops, st, client_a):
    # the client sees the catalogue, asks; the provider lists the queue and quotes
    cat = api_a.get(f"{BASE}/catalogue").json()
    assert [s["name"] for s in cat] == ["Document capture"]
    rid, qid = _quoted(api_a, api_ops, st)
    queue = api_ops.get(f"{BASE}/requests", {"status": "quoted", "q": "supplier"}).json()
    assert queue["count"] == 1 and queue["items"][0]["client"] == "Client A"
    mine = api_a.get(f"{BASE}/requests/{rid}").json()
    assert mine["status"] == "quoted" and mine["quotes"][0]["setup_fee"] == 20_000
    assert mine["quotes"][0]["lines"][1]["tiers"][1] == {
        "from_units": "5000", "up_to": None, "unit_rate": 15, "flat_fee": 0,
    }  # fmt: skip
    # the client admin accepts; a retry with the same key gives the same answer
    r1 = _post(api_a, f"/quotes/{qid}/accept", **{"Idempotency-Key": "acc-1"})
    r2 = _post(api_a, f"/quotes/{qid}/accept", **{"Idempotency-Key": "acc-1"})
    assert r1.status_code == r2.status_code == 200, r1.content
    assert r1.json() == r2.json()
    eng_id = r1.json()["engagement_id"]
    assert Engagement.objects.for_tenant(client_a).filter(pk=eng_id).count() == 1
    # and the engagement accepts work through the work API right away
    item = api_a.post(
        f"/api/v1/work/engagements/{eng_id}/items",
        {"external_ref": "INV-1", "data": {"name": "Invoice 1", "amount": 12}},
        content_type="application/json",
    )
    assert item.status_code == 201, item.content


def test_accepting_twice_is_refused_and_writes_nothing(api_a, api_ops, st):
    _, qid = _quoted(api_a, api_ops, st)
    assert _post(api_a, f"/quotes/{qid}/accept").status_code == 200
    events = AuditEvent.objects.for_tenant(st.tenant_id).count()
    again = _post(api_a, f"/quotes/{qid}/accept")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "quote_already_decided"
    assert "already accepted" in again.json()["error"]["message"]
    assert AuditEvent.objects.for_tenant(st.tenant_id).count() == events
    assert Contract.objects.for_tenant(st.tenant_id).count() == 1


def test_an_expired_quote_cannot_be_accepted(api_a, api_ops, st, client_a):
    _, qid = _quoted(api_a, api_ops, st)
    Quote.objects.for_tenant(st.tenant_id).filter(pk=qid).update(
        valid_until=date.today() - timedelta(days=2)
    )
    r = _post(api_a, f"/quotes/{qid}/accept")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "quote_expired"
    assert "expired on" in r.json()["error"]["message"]
    assert Engagement.objects.for_tenant(client_a).count() == 0
    assert Contract.objects.for_tenant(st.tenant_id).count() == 0
    assert Quote.objects.for_tenant(st.tenant_id).get(pk=qid).status == "sent"


def test_another_clients_request_and_quote_are_not_found(api_a, api_b, api_ops, st):
    rid, qid = _quoted(api_a, api_ops, st)
    for path in (f"/requests/{rid}", f"/quotes/{qid}"):
        r = api_b.get(f"{BASE}{path}")
        assert r.status_code == 404, path
    for path in (f"/quotes/{qid}/accept", f"/quotes/{qid}/decline", f"/requests/{rid}/withdraw"):
        r = _post(api_b, path)
        assert r.status_code == 404, path
    assert api_b.get(f"{BASE}/requests").json()["count"] == 0
    assert Quote.objects.for_tenant(st.tenant_id).get(pk=qid).status == "sent"


def test_an_ops_manager_sees_only_the_clients_they_serve(api_ops, st, client_b, user_b):
    b = f.access(user_b, client_b, Role.CLIENT_ADMIN)
    req = f.submitted(b, st)
    assert api_ops.get(f"{BASE}/requests").json()["count"] == 0
    assert api_ops.get(f"{BASE}/requests/{req.pk}").status_code == 404


def test_a_request_without_description_or_with_a_past_deadline(api_a, st):
    past = (date.today() - timedelta(days=3)).isoformat()
    r = _post(api_a, "/requests", _request_body(st, description="  ", deadline=past))
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "invalid_request"
    assert err["fields"]["description"] == ["Describe the work: what comes in, what you need back."]
    assert err["fields"]["deadline"][0].startswith("The deadline has passed")
    assert ProjectRequest.objects.for_tenant(st.tenant_id).count() == 0


def test_a_draft_quote_is_not_shown_to_the_client(api_a, api_ops, st):
    rid = _post(api_a, "/requests", _request_body(st)).json()["id"]
    qid = _post(api_ops, f"/requests/{rid}/quote", _quote_body(st)).json()["id"]
    assert api_a.get(f"{BASE}/requests/{rid}").json()["quotes"] == []
    assert api_a.get(f"{BASE}/quotes/{qid}").status_code == 404
    assert _post(api_a, f"/quotes/{qid}/accept").status_code == 404


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({"unit_rate": -5}, "lines[0].unit_rate", "a price cannot be negative"),
        (
            {"model": "graduated", "tiers": [{"from_units": "0", "unit_rate": -1}]},
            "lines[0].tiers",
            "a price cannot be negative",
        ),
    ],
)
def test_negative_prices_are_refused(api_a, api_ops, st, line, field, words):
    rid = _post(api_a, "/requests", _request_body(st)).json()["id"]
    body = _quote_body(st, lines=[{"code": "items", "name": "Invoices", "metric": "items", **line}])
    r = _post(api_ops, f"/requests/{rid}/quote", body)
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == "invalid_quote"
    assert words in r.json()["error"]["fields"][field][0]
    assert Quote.objects.for_tenant(st.tenant_id).count() == 0


def test_a_negative_setup_fee_and_a_past_validity_are_refused(api_a, api_ops, st):
    rid = _post(api_a, "/requests", _request_body(st)).json()["id"]
    past = (date.today() - timedelta(days=2)).isoformat()
    r = _post(api_ops, f"/requests/{rid}/quote", _quote_body(st, setup_fee=-100, valid_until=past))
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert fields["setup_fee"] == ["Setup fee: a price cannot be negative"]
    assert "already have expired" in fields["valid_until"][0]


def test_clients_cannot_quote_and_the_provider_cannot_accept(api_a, api_ops, st):
    rid, qid = _quoted(api_a, api_ops, st)
    assert _post(api_a, f"/requests/{rid}/quote", _quote_body(st)).status_code == 403
    assert _post(api_ops, f"/quotes/{qid}/accept").status_code == 403
    assert _post(api_ops, "/requests", _request_body(st)).status_code == 403


def test_samples_are_checked_like_work_attachments(api_a, api_b, st):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rid = _post(api_a, "/requests", _request_body(st)).json()["id"]
    ok = SimpleUploadedFile("sample.pdf", b"%PDF-1.4 sample", content_type="application/pdf")
    r = api_a.post(f"{BASE}/requests/{rid}/samples", {"file": ok})
    assert r.status_code == 201, r.content
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    bad = api_a.post(f"{BASE}/requests/{rid}/samples", {"file": fake})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_attachment"
    assert "not accepted" in bad.json()["error"]["message"]
    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    assert api_a.post(f"{BASE}/requests/{rid}/samples", {"file": exe}).status_code == 400
    assert [s["name"] for s in api_a.get(f"{BASE}/requests/{rid}").json()["samples"]] == [
        "sample.pdf"
    ]
    other = SimpleUploadedFile("b.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert api_b.post(f"{BASE}/requests/{rid}/samples", {"file": other}).status_code == 404
