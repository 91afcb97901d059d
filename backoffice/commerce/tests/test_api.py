"""The commerce API: a flow through HTTP, and client A never sees or touches client B's data."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from backoffice.commerce import services
from backoffice.commerce.models import DocKind, Document, Payment, StockMove
from backoffice.commerce.tests.factories import (
    customer,
    doc,
    issue,
    record_payment,
    stock_item,
    supplier,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"


def _post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{BASE}{url}", data=json.dumps(body), content_type="application/json", headers=headers
    )


def _given_a_widget_in_stock_and_a_customer(client) -> tuple[int, int]:
    """A tax rate, a product with 5 in stock and a customer, through the API: their ids."""
    assert _post(client, "/tax-rates", {"code": "VAT19", "rate": "19"}).status_code == 201
    r = _post(
        client,
        "/products",
        {"sku": "W", "name": "Widget", "sale_price": 1000, "cost": 600, "sales_taxes": ["VAT19"]},
    )
    assert r.status_code == 201, r.content
    product = r.json()["id"]
    assert (
        _post(client, "/stock/adjustments", {"product_id": product, "quantity": "5"}).status_code
        == 201
    )
    r = _post(
        client,
        "/parties",
        {"code": "C1", "name": "Carla", "country": "DE", "tax_id": "DE136695976"},
        key="party-1",
    )
    assert r.status_code == 201, r.content
    party = r.json()["id"]
    # and a retry with the same idempotency key returns the same party, not a second one
    again = _post(
        client,
        "/parties",
        {"code": "C1", "name": "Carla", "country": "DE", "tax_id": "DE136695976"},
        key="party-1",
    )
    assert again.json()["id"] == party
    return product, party


def test_order_to_cash_through_the_api(fin_api_a, books):
    # given: a tax rate, a product with 5 in stock, a customer (created idempotently)
    product, party = _given_a_widget_in_stock_and_a_customer(fin_api_a)
    # when: an invoice for 2 widgets is drafted and issued
    r = _post(
        fin_api_a,
        "/documents",
        {
            "kind": "invoice",
            "party_id": party,
            "date": "2026-05-04",
            "lines": [{"product_id": product, "quantity": "2"}],
        },
    )
    assert r.status_code == 201, r.content
    inv = r.json()
    assert (inv["net"], inv["tax"], inv["gross"], inv["status"]) == (2000, 380, 2380, "draft")
    r = _post(fin_api_a, f"/documents/{inv['id']}/issue", {})
    assert r.status_code == 200, r.content
    inv = r.json()
    # then: it is numbered, stock moved at 6.00 each, postings shown
    assert inv["number"] == "INV-2026-00001"
    assert [Decimal(m["quantity"]) for m in inv["moves"]] == [-2]
    posted = {p["account"]: p["debit"] - p["credit"] for p in inv["postings"]}
    assert posted == {"1200": 2380, "2200": -380, "4100": -2000, "5000": 1200, "1300": -1200}
    # when: editing it is refused
    r = fin_api_a.patch(
        f"{BASE}/documents/{inv['id']}",
        data=json.dumps({"notes": "x"}),
        content_type="application/json",
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "document_immutable"
    # when: an overpayment without the choice is refused, with the choice it is credit
    r = _post(
        fin_api_a,
        "/payments",
        {"direction": "in", "party_id": party, "date": "2026-05-10", "amount": 3000},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "overpayment"
    r = _post(
        fin_api_a,
        "/payments",
        {
            "direction": "in",
            "party_id": party,
            "date": "2026-05-10",
            "amount": 3000,
            "keep_overpayment": True,
        },
    )
    assert r.status_code == 201, r.content
    assert (r.json()["number"], r.json()["unallocated"]) == ("RCT-2026-00001", 620)
    # and the reports agree
    r = fin_api_a.get(f"{BASE}/reports/statement/{party}?start=2026-05-01&end=2026-05-31")
    assert r.json()["closing"] == -620
    r = fin_api_a.get(f"{BASE}/reports/valuation")
    assert [(x["sku"], Decimal(x["quantity"]), x["value"]) for x in r.json()] == [("W", 3, 1800)]
    r = fin_api_a.get(f"{BASE}/reports/sales?start=2026-05-01&end=2026-05-31")
    assert r.json() == [{"key": "2026-05", "net": 2000, "tax": 380, "gross": 2380}]


def test_client_admin_may_read_but_not_create(api_a, books):
    assert api_a.get(f"{BASE}/parties").status_code == 200
    r = _post(api_a, "/parties", {"code": "C1", "name": "x"})
    assert r.status_code == 403


@pytest.fixture
def b_objects(books_b):
    """Client B's customer, supplier, product, location, issued invoice and payment."""
    c = customer(books_b, "B-C")
    s = supplier(books_b, "B-S")
    p = stock_item(books_b, "B-W", sale_price=500, cost=100)
    loc = services.default_location(books_b)
    services.adjust_stock(tenant=books_b, actor=None, product_id=p.pk, quantity=10)
    inv = issue(books_b, doc(books_b, DocKind.INVOICE, c, "2026-01-05", (p, 1)))
    draft = doc(books_b, DocKind.INVOICE, c, "2026-01-06", (p, 1))
    pay = record_payment(books_b, c, "2026-01-07", 100)
    return {"c": c, "s": s, "p": p, "loc": loc, "inv": inv, "draft": draft, "pay": pay}


def _counts(t):
    return (
        Document.objects.for_tenant(t).count(),
        StockMove.objects.for_tenant(t).count(),
        Payment.objects.for_tenant(t).count(),
    )


def _creates_with_b_ids(o: dict, c: int, p: int, inv: int, mine: int) -> list[tuple[str, dict]]:
    """Create requests of client A that name client B's objects."""
    return [
        (
            "/documents",
            {
                "kind": "invoice",
                "party_id": c,
                "date": "2026-01-05",
                "lines": [{"description": "x", "unit_price": 1}],
            },
        ),
        (
            "/documents",
            {
                "kind": "invoice",
                "party_id": mine,
                "date": "2026-01-05",
                "lines": [{"product_id": p}],
            },
        ),
        ("/stock/adjustments", {"product_id": p, "quantity": "1"}),
        (
            "/stock/transfers",
            {
                "product_id": p,
                "quantity": "1",
                "from_location_id": o["loc"].pk,
                "to_location_id": o["loc"].pk + 1,
            },
        ),
        ("/payments", {"direction": "in", "party_id": c, "date": "2026-01-08", "amount": 1}),
        (
            "/payments",
            {
                "direction": "in",
                "party_id": mine,
                "date": "2026-01-08",
                "amount": 1,
                "allocations": [{"document_id": inv, "amount": 1}],
            },
        ),
    ]


def test_every_endpoint_hides_another_tenants_objects(fin_api_a, books, b_objects):
    o = b_objects
    before = _counts(o["c"].tenant)
    c, p, inv, draft, pay = o["c"].pk, o["p"].pk, o["inv"].pk, o["draft"].pk, o["pay"].pk
    gets = [
        f"/parties/{c}",
        f"/products/{p}",
        f"/documents/{inv}",
        f"/documents/{draft}",
        f"/payments/{pay}",
        f"/reports/statement/{c}?start=2026-01-01&end=2026-12-31",
        f"/stock?product_id={p}",
    ]
    for url in gets:
        r = fin_api_a.get(f"{BASE}{url}")
        assert r.status_code == 404, url
        assert "B-" not in r.content.decode(), url
    posts = [
        (f"/documents/{draft}/issue", {}),
        (f"/documents/{draft}/cancel", {}),
        (f"/documents/{inv}/derive", {"kind": "credit_note"}),
    ]
    for url, body in posts:
        assert _post(fin_api_a, url, body).status_code == 404, url
    for url, body in [
        (f"/parties/{c}", {"name": "stolen"}),
        (f"/documents/{draft}", {"notes": "x"}),
    ]:
        r = fin_api_a.patch(f"{BASE}{url}", data=json.dumps(body), content_type="application/json")
        assert r.status_code == 404, url
    # creating with B's ids is refused with a field error
    mine = customer(books, "A-C")
    refused = _creates_with_b_ids(o, c, p, inv, mine.pk)
    for url, body in refused:
        r = _post(fin_api_a, url, body)
        assert r.status_code in (400, 404), (url, r.status_code, r.content)
        assert "B-" not in r.content.decode()
    # lists show only A's rows
    for url in ["/parties", "/products", "/documents", "/payments", "/stock/moves"]:
        r = fin_api_a.get(f"{BASE}{url}")
        assert r.status_code == 200
        assert "B-" not in r.content.decode(), url
    for url in [
        "/stock",
        "/reports/valuation",
        "/reports/aging",
        "/reports/sales?start=2026-01-01&end=2026-12-31",
        "/locations",
        "/tax-rates",
        "/posting-rules",
        "/settings",
    ]:
        r = fin_api_a.get(f"{BASE}{url}")
        assert r.status_code == 200, url
        assert "B-" not in r.content.decode() and "Customer B" not in r.content.decode(), url
    # and nothing of B's changed
    assert _counts(o["c"].tenant) == before


def test_bill_derived_at_the_suppliers_price_posts_the_difference(
    fin_api_a, fin_api_b, books, books_b
):
    # given: 3 widgets received at 20.00 (no tax)
    s = supplier(books)
    w = stock_item(books, "W", cost=2000)
    po = issue(books, doc(books, DocKind.PURCHASE_ORDER, s, "2026-05-04", (w, 3)))
    gr = issue(
        books,
        services.create_from(tenant=books, actor=None, source_id=po.pk, kind=DocKind.GOODS_RECEIPT),
    )
    before = Document.objects.for_tenant(books).count()
    # when: bad prices are given (negative, not a number of minor units, no such line)
    for prices, field in [
        ({"1": -1}, "unit_prices.1"),
        ({"7": 100}, "unit_prices.7"),
    ]:
        r = _post(fin_api_a, f"/documents/{gr.pk}/derive", {"kind": "bill", "unit_prices": prices})
        # then: a field error, nothing written
        assert r.status_code == 400, r.content
        assert field in r.json()["error"]["fields"]
    r = _post(fin_api_a, f"/documents/{gr.pk}/derive", {"kind": "bill", "unit_prices": {"1": "x"}})
    assert r.status_code in (400, 422)
    assert Document.objects.for_tenant(books).count() == before
    # when: another tenant derives from A's receipt, nothing is written either
    assert _post(fin_api_b, f"/documents/{gr.pk}/derive", {"kind": "bill"}).status_code == 404
    assert Document.objects.for_tenant(books).count() == before
    # when: the bill is derived at 21.00 and issued
    r = _post(
        fin_api_a,
        f"/documents/{gr.pk}/derive",
        {"kind": "bill", "unit_prices": {"1": 2100}, "reference": "S-77"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["lines"][0]["unit_price"] == 2100
    r = _post(fin_api_a, f"/documents/{r.json()['id']}/issue", {})
    assert r.status_code == 200, r.content
    # then: inventory 60.00 at the received cost, 3.00 price difference on 5000
    posted = {p["account"]: p["debit"] - p["credit"] for p in r.json()["postings"]}
    assert posted == {"1300": 6000, "5000": 300, "2100": -6300}
    rules = {x["key"]: x["account_code"] for x in fin_api_a.get(f"{BASE}/posting-rules").json()}
    assert rules["bill.price_difference"] == "5000"
