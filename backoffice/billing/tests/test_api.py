"""Billing API: the provider's finance team bills; each client reads only its own
contracts, invoices and statements; another tenant's ids are 404s; errors have one body."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backoffice.billing.models import BillingInvoice, Contract, UsageLine
from backoffice.billing.tests import factories as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token

pytestmark = pytest.mark.django_db
BASE = "/api/v1/billing"


def post(client: Client, url: str, body: dict | None = None, **headers: str):
    return client.post(
        BASE + url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.fixture
def finance_api(provider) -> Client:
    user = UserFactory.create(username="fin")
    make_member(provider, user, Role.FINANCE)
    return Client(headers={"Authorization": f"Bearer {make_token(user, provider)}"})


@pytest.fixture
def billed(plain, eng_a, provider_books, client_b, eng_b):
    """March billed for client A (12 items) and for client B (3 items)."""
    from backoffice.billing import services

    other = f.contract(provider_books, client_b, [eng_b], currency="EUR", code="b")
    f.version(other, "2026-01-01", charges=[services.ChargeIn("i", "Items", "items", unit_rate=70)])
    for n in range(12):
        f.done_item(eng_a, f"a{n}", f.berlin(f"2026-03-{2 + n:02d}T10:00"))
    for n in range(3):
        f.done_item(eng_b, f"b{n}", f.berlin(f"2026-03-{2 + n:02d}T10:00"))
    return plain, other


def test_finance_bills_a_month_and_reads_the_statement(finance_api, billed):
    plain, _ = billed
    # when a run is started twice with the same key
    first = post(finance_api, "/runs", {"period": "2026-03"}, **{"Idempotency-Key": "k1"})
    again = post(finance_api, "/runs", {"period": "2026-03"}, **{"Idempotency-Key": "k1"})
    # then it ran once
    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    assert first.json()["invoices_created"] == 2
    inv = BillingInvoice.objects.for_tenant(plain.tenant).get(contract=plain)
    body = finance_api.get(f"{BASE}/invoices/{inv.pk}").json()
    # 10 x 100 + 2 x 50 = 1,100
    assert (body["total"], body["lines"][0]["quantity"]) == (1_100, "12")
    assert body["lines"][0]["detail"]["tiers"][1]["units"] == "2.000"
    csv = finance_api.get(f"{BASE}/invoices/{inv.pk}/statement?format=csv")
    assert csv.status_code == 200 and b"Items: 12 items completed" in csv.content
    line = UsageLine.objects.for_tenant(plain.tenant).get(invoice=inv)
    items = finance_api.get(f"{BASE}/lines/{line.pk}/items?page_size=5").json()
    assert (items["count"], items["pages"], items["items"][0]["external_ref"]) == (12, 3, "a0")
    trail = finance_api.get(f"{BASE}/lines/{line.pk}/items/{items['items'][0]['item_id']}/events")
    assert [e["to_state"] for e in trail.json()] == ["queued", "in_progress", "done"]
    # review: approve, approve again (409), issue
    assert post(finance_api, f"/invoices/{inv.pk}/approve").status_code == 200
    twice = post(finance_api, f"/invoices/{inv.pk}/approve")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "already_approved"
    issued = post(finance_api, f"/invoices/{inv.pk}/issue")
    assert issued.json()["status"] == "issued" and issued.json()["client_bill_id"]
    credit = post(finance_api, f"/invoices/{inv.pk}/credits", {"reason": "Disputed", "amount": 100})
    assert credit.status_code == 201, credit.content


def test_a_client_sees_only_its_own(api_a, billed, finance_api, client_b, user_b):
    plain, other = billed
    post(finance_api, "/runs", {"period": "2026-03"})
    mine = BillingInvoice.objects.for_tenant(plain.tenant).get(contract=plain)
    theirs = BillingInvoice.objects.for_tenant(plain.tenant).get(contract=other)
    # lists are the client's own
    contracts = api_a.get(f"{BASE}/contracts").json()
    assert [c["id"] for c in contracts["items"]] == [plain.pk]
    # a draft is the provider's until issued: the client neither lists nor opens it
    assert api_a.get(f"{BASE}/invoices").json()["items"] == []
    assert api_a.get(f"{BASE}/invoices/{mine.pk}").status_code == 404
    post(finance_api, f"/invoices/{mine.pk}/approve")
    post(finance_api, f"/invoices/{mine.pk}/issue")
    assert [i["id"] for i in api_a.get(f"{BASE}/invoices").json()["items"]] == [mine.pk]
    assert api_a.get(f"{BASE}/runs").json()["count"] == 0  # runs over all clients: not theirs
    # another client's ids look like missing ones
    their_line = UsageLine.objects.for_tenant(plain.tenant).get(invoice=theirs)
    for url in (
        f"/contracts/{other.pk}",
        f"/contracts/{other.pk}/estimate",
        f"/invoices/{theirs.pk}",
        f"/invoices/{theirs.pk}/statement",
        f"/lines/{their_line.pk}/items",
        f"/lines/{their_line.pk}/items.csv",
    ):
        got = api_a.get(BASE + url)
        assert got.status_code == 404, url
        assert got.json()["error"]["code"] == "not_found"
    assert api_a.get(f"{BASE}/invoices/{mine.pk}").status_code == 200
    # and a client never manages billing, not even its own
    for url in (f"/invoices/{mine.pk}/approve", "/runs", f"/contracts/{plain.pk}/versions"):
        assert post(api_a, url, {"period": "2026-03"}).status_code in (403, 422), url
    assert Contract.objects.for_tenant(plain.tenant).count() == 2


def test_bad_input_answers_with_the_one_error_body(finance_api, plain, client_a):
    bad = post(
        finance_api,
        f"/contracts/{plain.pk}/versions",
        {
            "effective_from": "2026-06-01",
            "charges": [
                {
                    "code": "x",
                    "name": "X",
                    "metric": "items",
                    "model": "graduated",
                    "tiers": [
                        {"from_units": 0, "up_to": 10, "unit_rate": 5},
                        {"from_units": 12, "unit_rate": 4},
                    ],
                },
            ],
        },
    )
    assert bad.status_code == 400
    err = bad.json()["error"]
    assert err["code"] == "invalid_rate_card"
    assert "a gap" in err["fields"]["charges[0].tiers"][0]
    period = post(finance_api, "/runs", {"period": "November"})
    assert period.status_code == 400 and period.json()["error"]["fields"]["period"]
