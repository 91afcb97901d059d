"""The exchange-rates page: list with filters and pages, a form that enters a rate."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from backoffice.ledger.models import ExchangeRate
from backoffice.ledger.services import set_exchange_rate

pytestmark = pytest.mark.django_db


def _u(name, tenant="client-a", **kw):
    return reverse(f"ledger:{name}", kwargs={"tenant": tenant, **kw})


def _rate(tenant, day, base, quote, rate):
    return set_exchange_rate(
        tenant=tenant, actor=None, day=date.fromisoformat(day), base=base, quote=quote, rate=rate
    )


def _snapshot(tenant):
    rates = sorted(
        ExchangeRate.objects.for_tenant(tenant).values_list("date", "base_id", "quote_id", "rate")
    )
    return rates, AuditEvent.objects.for_tenant(tenant).count()


def _pairs(res):
    return [(r.date.isoformat(), f"{r.base_id}/{r.quote_id}") for r, _, _ in res.context["rows"]]


def test_rates_page_filters_by_currency_and_dates(web_fin_a, books_a):
    # given
    _rate(books_a, "2026-03-01", "USD", "EUR", Decimal("0.92"))
    _rate(books_a, "2026-03-02", "USD", "EUR", Decimal("0.93"))
    _rate(books_a, "2026-03-01", "GBP", "EUR", Decimal("1.17"))
    _rate(books_a, "2026-04-01", "EUR", "JPY", Decimal("150"))
    # when
    everything = web_fin_a.get(_u("rates"))
    usd = web_fin_a.get(_u("rates"), {"currency": "usd"})
    march = web_fin_a.get(_u("rates"), {"start": "2026-03-01", "end": "2026-03-01"})
    jpy = web_fin_a.get(_u("rates"), {"currency": "JPY", "start": "2026-03-15"})
    # then: newest first; the currency matches either side of the pair
    assert _pairs(everything) == [
        ("2026-04-01", "EUR/JPY"),
        ("2026-03-02", "USD/EUR"),
        ("2026-03-01", "GBP/EUR"),
        ("2026-03-01", "USD/EUR"),
    ]
    assert _pairs(usd) == [("2026-03-02", "USD/EUR"), ("2026-03-01", "USD/EUR")]
    assert _pairs(march) == [("2026-03-01", "GBP/EUR"), ("2026-03-01", "USD/EUR")]
    assert _pairs(jpy) == [("2026-04-01", "EUR/JPY")]
    page = everything.content.decode()
    assert "1 EUR = 150 JPY" in page and "1 JPY = 0.0066666667 EUR" in page
    assert "1 USD = 0.92 EUR" in page


def test_rates_page_paginates_and_keeps_filters(web_fin_a, books_a):
    # given: 52 days of USD/EUR and one GBP/EUR
    first = date(2026, 1, 1)
    for i in range(52):
        _rate(books_a, (first + timedelta(days=i)).isoformat(), "USD", "EUR", Decimal("0.9"))
    _rate(books_a, "2026-01-01", "GBP", "EUR", Decimal("1.2"))
    # when
    page1 = web_fin_a.get(_u("rates"), {"currency": "USD"})
    page2 = web_fin_a.get(_u("rates"), {"currency": "USD", "page": 2})
    # then
    assert len(page1.context["rows"]) == 50
    assert _pairs(page2) == [("2026-01-02", "USD/EUR"), ("2026-01-01", "USD/EUR")]
    assert "?page=2&currency=USD" in page1.content.decode()


def test_rates_are_reachable_from_the_ledger_navigation(web_fin_a, web_a, books_a):
    for client in (web_fin_a, web_a):
        assert f'href="{_u("rates")}"' in client.get(_u("index")).content.decode()


def test_enter_a_rate_from_the_page(web_fin_a, books_a, finance_a):
    # when
    res = web_fin_a.post(
        _u("rates"), {"date": "2026-03-01", "base": "usd", "quote": "EUR", "rate": "0.92"}
    )
    again = web_fin_a.post(
        _u("rates"),
        {"date": "2026-03-01", "base": "USD", "quote": "EUR", "rate": "0.925"},
        follow=True,
    )
    # then: the second entry for the same pair and day corrects the first
    assert res.status_code == 302 and res["Location"] == _u("rates")
    assert b"Rate saved: 1 USD = 0.925 EUR on 2026-03-01." in again.content
    rows = list(ExchangeRate.objects.for_tenant(books_a).values_list("base_id", "quote_id", "rate"))
    assert rows == [("USD", "EUR", Decimal("0.925"))]
    events = AuditEvent.objects.for_tenant(books_a).filter(action="ledger.rate_set")
    assert [(e.actor_id, e.after["rate"]) for e in events.order_by("seq")] == [
        (finance_a.pk, "0.92"),
        (finance_a.pk, "0.925"),
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"base": "ZZZ"}, "base", "not an ISO 4217 code"),
        ({"quote": "zzz"}, "quote", "not an ISO 4217 code"),
        ({"quote": "USD"}, "quote", "same as base"),
        ({"rate": "0"}, "rate", "must be > 0"),
        ({"rate": "-0.5"}, "rate", "must be > 0"),
        ({"rate": "abc"}, "rate", "Enter a number."),
        ({"rate": "0.12345678901"}, "rate", "no more than 10 decimal places"),
        ({"rate": "12345678901"}, "rate", "no more than 10 digits before the decimal point"),
        ({"date": ""}, "date", "This field is required."),
        ({"date": "2026-02-30"}, "date", "Enter a valid date."),
        ({"base": "USDX"}, "base", "at most 3 characters"),
    ],
)
def test_bad_rate_input_shows_field_errors(web_fin_a, books_a, data, field, message):
    # given
    before = _snapshot(books_a)
    body = {"date": "2026-03-01", "base": "USD", "quote": "EUR", "rate": "0.92"}
    # when
    res = web_fin_a.post(_u("rates"), {**body, **data})
    # then
    assert res.status_code == 400
    assert message in " ".join(res.context["form"].errors[field])
    assert f'id="r-{field}-errors"' in res.content.decode()
    assert _snapshot(books_a) == before


def test_entering_a_rate_needs_the_post_permission(web_a, books_a):
    # given: a client admin reads the ledger but may not post to it
    _rate(books_a, "2026-03-01", "USD", "EUR", Decimal("0.92"))
    before = _snapshot(books_a)
    # when
    listed = web_a.get(_u("rates"))
    posted = web_a.post(
        _u("rates"), {"date": "2026-03-02", "base": "USD", "quote": "EUR", "rate": "0.5"}
    )
    # then
    assert listed.status_code == 200 and _pairs(listed) == [("2026-03-01", "USD/EUR")]
    assert b'name="rate"' not in listed.content
    assert posted.status_code == 403
    assert _snapshot(books_a) == before


def test_rates_of_another_tenant_are_404(web_fin_a, books_a, books_b):
    # given: client B has a rate, client A none
    _rate(books_b, "2026-03-01", "USD", "EUR", Decimal("0.77"))
    before_b = _snapshot(books_b)
    # when
    got = web_fin_a.get(_u("rates", tenant="client-b"))
    posted = web_fin_a.post(
        _u("rates", tenant="client-b"),
        {"date": "2026-03-02", "base": "USD", "quote": "EUR", "rate": "0.5"},
    )
    own = web_fin_a.get(_u("rates"))
    # then
    assert [got.status_code, posted.status_code] == [404, 404]
    assert _snapshot(books_b) == before_b
    assert _pairs(own) == [] and b"0.77" not in own.content
