"""Numbers and dates out of any sane range are field errors in words (issue 12), through the
API and the pages alike; nothing is written and nothing answers 500."""

from __future__ import annotations

import json
from datetime import date

import pytest

from backoffice.commerce import services
from backoffice.commerce.models import Document, Party, Payment, Product, StockMove, TaxRate
from backoffice.commerce.tests.factories import customer, stock_item
from backoffice.core.errors import DomainError

pytestmark = pytest.mark.django_db
BASE = "/api/v1/commerce"
HUGE = ["1e20", "1e24", "1e25", "1e30", "1e999999", 1e300, "-1e30"]


def _post(client, url, body):
    return client.post(f"{BASE}{url}", data=json.dumps(body), content_type="application/json")


def _counts(t) -> tuple[int, ...]:
    return tuple(
        m.objects.for_tenant(t).count() for m in (Document, StockMove, Payment, Product, TaxRate)
    )


def _words(res, field: str) -> str:
    assert res.status_code == 400, res.content
    fields = res.json()["error"]["fields"]
    assert list(fields) == [field], fields
    (message,) = fields[field]
    for jargon in ("minor units", "lines[0]", "Traceback", "^", "Decimal"):
        assert jargon not in message
    return message


@pytest.fixture
def shop(books):
    w = stock_item(books, "W", sale_price=100, cost=50)
    services.adjust_stock(tenant=books, actor=None, product_id=w.pk, quantity=5)
    there = services.create_location(tenant=books, actor=None, warehouse_code="B")
    return w, customer(books), there


@pytest.mark.parametrize("qty", HUGE)
def test_a_huge_quantity_is_a_field_error_in_stock_adjustments_transfers_and_lines(
    fin_api_a, books, shop, qty
):
    # given
    w, c, there = shop
    before = _counts(books)
    # when
    adjusted = _post(fin_api_a, "/stock/adjustments", {"product_id": w.pk, "quantity": qty})
    moved = _post(
        fin_api_a,
        "/stock/transfers",
        {
            "product_id": w.pk,
            "quantity": qty,
            "from_location_id": services.default_location(books).pk,
            "to_location_id": there.pk,
        },
    )
    line = {"product_id": w.pk, "quantity": qty}
    drafted = _post(
        fin_api_a,
        "/documents",
        {"kind": "invoice", "party_id": c.pk, "date": "2026-01-05", "lines": [line]},
    )
    # then: each names the quantity, in words
    assert _words(adjusted, "quantity").startswith(("too large", "too small"))
    assert _words(moved, "quantity").startswith(("too large", "must be greater than zero"))
    assert _words(drafted, "lines[0].quantity").startswith(
        ("too large", "must be greater than zero")
    )
    assert _counts(books) == before


def test_a_line_whose_total_no_column_holds_is_refused(fin_api_a, books, shop):
    # given: a quantity and a price each within range, their product not
    w, c, _ = shop
    line = {"product_id": w.pk, "quantity": "999999999999", "unit_price": 999999999999}
    before = _counts(books)
    # when
    res = _post(
        fin_api_a,
        "/documents",
        {"kind": "invoice", "party_id": c.pk, "date": "2026-01-05", "lines": [line]},
    )
    # then
    assert _words(res, "lines[0].quantity").startswith("the line total is too large")
    assert _counts(books) == before


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/products", {"sku": "Z", "name": "Z", "reorder_level": "1e30"}, "reorder_level"),
        ("/products", {"sku": "Z", "name": "Z", "reorder_level": "0.0001"}, "reorder_level"),
        ("/products", {"sku": "Z", "name": "Z", "sale_price": 10**30}, "sale_price"),
        ("/tax-rates", {"code": "T", "rate": "1e-30"}, "rate"),
        ("/tax-rates", {"code": "T", "rate": "12.34567"}, "rate"),
    ],
)
def test_catalogue_numbers_out_of_range_are_field_errors(fin_api_a, books, url, body, field):
    before = _counts(books)
    _words(_post(fin_api_a, url, body), field)
    assert _counts(books) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"rate": "1e30", "currency": "USD"}, "rate"),
        ({"rate": "1e-30", "currency": "USD"}, "rate"),
        ({"date": "1900-01-05"}, "date"),
        ({"date": "2999-01-05"}, "date"),
        ({"due_date": "0001-01-01"}, "due_date"),
    ],
)
def test_document_rates_and_dates_out_of_range_are_field_errors(
    fin_api_a, books, shop, extra, field
):
    w, c, _ = shop
    body = {
        "kind": "invoice",
        "party_id": c.pk,
        "date": "2026-01-05",
        "lines": [{"product_id": w.pk, "quantity": 1, "unit_price": 100}],
    }
    before = _counts(books)
    _words(_post(fin_api_a, "/documents", {**body, **extra}), field)
    assert _counts(books) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": 10**30}, "amount"),
        ({"amount": 10**14, "rate": "9999999999", "currency": "USD"}, "rate"),
        ({"date": "1900-01-09"}, "date"),
    ],
)
def test_payments_out_of_range_are_field_errors(fin_api_a, books, shop, extra, field):
    _, c, _ = shop
    body = {"direction": "in", "party_id": c.pk, "date": "2026-01-09", "amount": 100}
    body |= {"keep_overpayment": True, **extra}
    before = _counts(books)
    _words(_post(fin_api_a, "/payments", body), field)
    assert _counts(books) == before


def test_a_stock_adjustment_on_a_date_of_1900_is_refused(books, shop):
    w, _, _ = shop
    with pytest.raises(DomainError) as exc:
        services.adjust_stock(
            tenant=books, actor=None, product_id=w.pk, quantity=1, day=date(1900, 1, 1)
        )
    assert list(exc.value.fields) == ["date"]


def test_the_document_form_reports_a_huge_quantity_in_words(fin_web_a, books, shop):
    # given
    w, c, _ = shop
    before = _counts(books)
    # when
    res = fin_web_a.post(
        f"/t/{books.slug}/commerce/documents/new/",
        {
            "kind": "invoice",
            "party": c.pk,
            "date": "2026-01-05",
            "product": [w.pk],
            "quantity": ["1e30"],
            "unit_price": [""],
            "description": [""],
            "tax": [""],
        },
        follow=True,
    )
    # then: the message names the line in words, never `lines[0]`
    page = res.content.decode()
    assert res.status_code in (200, 400)
    assert "too large" in page and "line 1" in page.lower()
    assert "lines[0]" not in page
    assert _counts(books) == before


def test_a_party_import_reports_bad_text_and_numbers_per_row(books):
    from backoffice.commerce.imports import import_parties

    text = "code,name,payment_terms_days\nP1,Nul\x00name,30\nP2,Sq,\u00b2\nP3,Big,1e30\n"
    report = import_parties(tenant=books, actor=None, text=text)
    assert report.created == 0
    errors = {r.row: r.errors for r in report.rows if r.errors}
    assert errors[2] == {"name": ["must not contain NUL characters"]}
    assert list(errors[3]) == list(errors[4]) == ["payment_terms_days"]
    assert not Party.objects.for_tenant(books).exists()


@pytest.mark.parametrize("terms", ["abc", "1e30", "-1"])
def test_the_party_form_words_bad_payment_terms(fin_web_a, books, terms):
    res = fin_web_a.post(
        f"/t/{books.slug}/commerce/parties/",
        {"code": "P1", "name": "P", "is_customer": "on", "payment_terms_days": terms},
        follow=True,
    )
    assert res.status_code == 200
    assert "Payment terms days: " in res.content.decode()
    assert not Party.objects.for_tenant(books).exists()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/stock/moves", "product_id"),
        ("/documents", "party_id"),
        ("/payments", "party_id"),
        ("/refunds", "party_id"),
        ("/stock", "product_id"),
    ],
)
def test_an_id_filter_no_database_integer_holds_is_a_field_error(fin_api_a, books, url, field):
    res = fin_api_a.get(f"{BASE}{url}", {field: str(10**30)})
    assert res.status_code == 422, res.content
    assert list(res.json()["error"]["fields"]) == [field]


def test_a_bad_payment_direction_is_named_in_words_not_as_a_pattern(fin_api_a, books, shop):
    _, c, _ = shop
    body = {"direction": "sideways", "party_id": c.pk, "date": "2026-01-09", "amount": 100}
    res = _post(fin_api_a, "/payments", body)
    assert res.status_code == 422
    (message,) = res.json()["error"]["fields"]["direction"]
    assert "'in' or 'out'" in message and "^" not in message
