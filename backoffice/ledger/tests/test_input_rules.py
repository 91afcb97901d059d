"""Years, dates, rates and amounts out of any sane range are field errors in words (issue 12):
a fiscal year of 1900 was accepted, an entry could be dated 0001-01-01, a rate of 1e30 went
to the database."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import DomainError
from backoffice.ledger import services
from backoffice.ledger.models import ExchangeRate, FiscalYear, JournalEntry
from backoffice.ledger.tests.factories import entry

pytestmark = pytest.mark.django_db
API = "/api/v1/ledger"
HUGE = 10**16
CREDIT = [{"account": "4100", "credit": HUGE}]


def _post(client, path, body):
    return client.post(f"{API}{path}", data=json.dumps(body), content_type="application/json")


def _fields(res, status: int = 400) -> dict:
    assert res.status_code == status, res.content
    fields = res.json()["error"]["fields"]
    assert "minor units" not in json.dumps(fields)
    return fields


@pytest.mark.parametrize("year", [1900, 1969, 2201, 2999])
def test_a_fiscal_year_outside_1970_to_2200_is_refused(fin_a, books_a, finance_a, year):
    # through the API
    assert list(_fields(_post(fin_a, "/fiscal-years", {"year": year}), 422)) == ["year"]
    # and through the service the pages use
    with pytest.raises(DomainError) as exc:
        services.create_fiscal_year(tenant=books_a, actor=finance_a, year=year)
    assert exc.value.fields == {"year": ["a year from 1970 to 2200"]}
    assert not FiscalYear.objects.for_tenant(books_a).exists()


def test_the_periods_page_words_a_bad_year(web_fin_a, books_a):
    for year, words in [("1900", "a year from 1970 to 2200"), ("abc", "not a number")]:
        res = web_fin_a.post(f"/t/{books_a.slug}/ledger/periods/", {"year": year}, follow=True)
        page = res.content.decode()
        assert words in page and "invalid literal" not in page
    assert not FiscalYear.objects.for_tenant(books_a).exists()


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"date": "1900-03-01"}, "date", 400),
        ({"date": "2201-01-01"}, "date", 400),
        ({"rate": "1e30"}, "rate", 400),
        ({"rate": "1e-30"}, "rate", 400),
        ({"rate": "12345678901"}, "rate", 400),
    ],
)
def test_a_rate_out_of_range_is_a_field_error(fin_a, books_a, change, field, status):
    body = {"date": "2026-03-01", "base": "USD", "quote": "EUR", "rate": "0.92"}
    assert list(_fields(_post(fin_a, "/rates", {**body, **change}), status)) == [field]
    assert not ExchangeRate.objects.for_tenant(books_a).exists()


def test_a_rate_out_of_range_is_refused_by_the_service(books_a, finance_a):
    with pytest.raises(DomainError) as exc:
        services.set_exchange_rate(
            tenant=books_a,
            actor=finance_a,
            day=date(2026, 3, 1),
            base="USD",
            quote="EUR",
            rate=Decimal("1e30"),
        )
    assert list(exc.value.fields) == ["rate"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "1900-03-02"}, "date"),
        ({"date": "0001-01-01"}, "date"),
        ({"lines": [{"account": "1120", "debit": HUGE}, *CREDIT]}, "lines[0].amount"),
    ],
)
def test_an_entry_out_of_range_is_a_field_error(fin_a, books_a, change, field):
    body = {
        "date": "2026-03-02",
        "lines": [{"account": "1120", "debit": 100}, {"account": "4100", "credit": 100}],
    }
    assert field in _fields(_post(fin_a, "/entries", {**body, **change}))
    assert not JournalEntry.objects.for_tenant(books_a).exists()


def test_balance_errors_speak_in_the_currency_not_minor_units(books_a, finance_a):
    with pytest.raises(DomainError) as exc:
        services.post_journal_entry(
            tenant=books_a, actor=finance_a, entry=entry("2026-03-02", ("1120", 150), ("4100", -1))
        )
    (message,) = exc.value.fields["lines"]
    assert message == "does not balance in EUR: debits exceed credits by 1.49"


def test_a_reversal_dated_1900_is_refused(books_a, finance_a):
    posted = services.post_journal_entry(
        tenant=books_a, actor=finance_a, entry=entry("2026-03-02", ("1120", 100), ("4100", -100))
    )
    with pytest.raises(DomainError) as exc:
        services.reverse_entry(
            tenant=books_a, actor=finance_a, entry_id=posted.pk, date=date(1900, 1, 1)
        )
    assert list(exc.value.fields) == ["date"]


@pytest.mark.parametrize(
    ("page", "data", "field"),
    [
        ("accounts/new/", {"code": "1125", "name": "nul\x00name", "type": "asset"}, "name"),
        ("rates/", {"date": "2026-03-01", "base": "U\x00D", "quote": "EUR", "rate": "1"}, "base"),
    ],
)
def test_a_nul_in_a_ledger_form_is_a_400_page_naming_the_field(
    web_fin_a, books_a, page, data, field
):
    # (these forms said "Null characters are not allowed." in place; the check now runs
    # before any view, for every form and query alike)
    before = (
        ExchangeRate.objects.for_tenant(books_a).count(),
        AuditEvent.objects.for_tenant(books_a).count(),
    )
    res = web_fin_a.post(f"/t/{books_a.slug}/ledger/{page}", data)
    assert res.status_code == 400
    assert f"“{field}” must not contain NUL characters" in res.content.decode()
    assert before == (
        ExchangeRate.objects.for_tenant(books_a).count(),
        AuditEvent.objects.for_tenant(books_a).count(),
    )
