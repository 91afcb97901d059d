"""The general ledger translated into the reporting currency, worked out by hand.

Client A reports in EUR. Its operating bank account 1120 takes no currency restriction and
holds euros and dollars. Rates: 1 USD = 0.90 EUR from 15 Feb, 0.92 EUR from 1 Mar,
0.95 EUR from 1 Apr. The March report (1 to 31 Mar) translates at 0.92, the latest rate on
or before 31 Mar; the April rate is ignored.

    date    entry                         1120 EUR   1120 USD   in EUR at 0.92
    20 Feb  owner invests                 +1,000.00                    +1,000.00
    25 Feb  USD income                                 +200.00           +184.00
            opening balance on 1 Mar       1,000.00     200.00          1,184.00
    05 Mar  USD income                                 +500.00           +460.00
            balance                        1,000.00     700.00  1,000.00 + 644.00 = 1,644.00
    10 Mar  rent                            -300.00                      -300.00
            balance                          700.00     700.00    700.00 + 644.00 = 1,344.00
    20 Mar  USD bank fee                              -100.01   -92.0092 -> -92.01
            balance                          700.00     599.99  700.00 + 551.99 = 1,251.99
                                                     (599.99 x 0.92 = 551.9908 -> 551.99)
    02 Apr  owner invests (after the end)   +50.00                   not in March

Closing 1,251.99 EUR = opening 1,184.00 + 460.00 - 300.00 - 92.01. The trial balance as of
31 Mar translates 1120 to the same total: 700.00 EUR + 551.99 EUR.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.ledger import selectors
from backoffice.ledger.models import Account
from backoffice.ledger.services import post_journal_entry, set_exchange_rate
from backoffice.ledger.tests.factories import entry

pytestmark = pytest.mark.django_db
API = "/api/v1/ledger"


@pytest.fixture
def march(books_a, finance_a):
    t = books_a
    for day, rate in (("2026-02-15", "0.90"), ("2026-03-01", "0.92"), ("2026-04-01", "0.95")):
        set_exchange_rate(
            tenant=t,
            actor=finance_a,
            day=date.fromisoformat(day),
            base="USD",
            quote="EUR",
            rate=Decimal(rate),
        )

    def post(day, *pairs, memo):
        post_journal_entry(tenant=t, actor=finance_a, entry=entry(day, *pairs, memo=memo))

    post("2026-02-20", ("1120", 100_000), ("3100", -100_000), memo="Owner invests")
    post("2026-02-25", ("1120", 20_000, "USD"), ("4900", -20_000, "USD"), memo="USD income")
    post("2026-03-05", ("1120", 50_000, "USD"), ("4900", -50_000, "USD"), memo="USD income")
    post("2026-03-10", ("6100", 30_000), ("1120", -30_000), memo="Rent")
    post("2026-03-20", ("6900", 10_001, "USD"), ("1120", -10_001, "USD"), memo="USD bank fee")
    post("2026-04-02", ("1120", 5_000), ("3100", -5_000), memo="Owner invests")
    return Account.objects.for_tenant(t).get(code="1120")


def test_general_ledger_translates_into_the_reporting_currency(books_a, march):
    # when
    gl = selectors.general_ledger(
        books_a, account=march, start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    # then
    assert (gl["currency"], gl["rate_date"], gl["untranslated"]) == ("EUR", date(2026, 3, 31), [])
    assert gl["opening"] == {"EUR": 100_000, "USD": 20_000}
    assert gl["opening_translated"] == 118_400
    assert [
        (x.date.day, x.currency, x.running, x.translated, x.translated_running) for x in gl["lines"]
    ] == [
        (5, "USD", 70_000, 46_000, 164_400),
        (10, "EUR", 70_000, -30_000, 134_400),
        (20, "USD", 59_999, -9_201, 125_199),
    ]
    assert gl["closing"] == {"EUR": 70_000, "USD": 59_999}
    assert gl["closing_translated"] == 125_199 == 118_400 + 46_000 - 30_000 - 9_201
    # the trial balance on the same day says the same
    tb = selectors.trial_balance(books_a, as_of=date(2026, 3, 31))
    assert sum(r.translated or 0 for r in tb.rows if r.code == "1120") == 125_199


def test_general_ledger_without_a_rate_lists_the_currency(books_a, march, finance_a):
    # given: a CHF line and no CHF rate
    post_journal_entry(
        tenant=books_a,
        actor=finance_a,
        entry=entry("2026-03-25", ("1120", 1_000, "CHF"), ("4900", -1_000, "CHF"), memo="CHF"),
    )
    # when
    gl = selectors.general_ledger(
        books_a, account=march, start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    # then: CHF stays out of the EUR balances, and says so
    assert gl["untranslated"] == ["CHF"]
    assert (gl["lines"][-1].translated, gl["lines"][-1].translated_running) == (None, 125_199)
    assert gl["closing_translated"] == 125_199


def test_general_ledger_api_and_page_show_the_translation(fin_a, web_fin_a, march):
    # when
    params = {"start": "2026-03-01", "end": "2026-03-31"}
    api = fin_a.get(f"{API}/reports/general-ledger/{march.pk}", params)
    page = web_fin_a.get(
        reverse("ledger:account", kwargs={"tenant": "client-a", "account_id": march.pk}), params
    )
    csv = web_fin_a.get(
        reverse("ledger:account", kwargs={"tenant": "client-a", "account_id": march.pk}),
        {**params, "format": "csv"},
    )
    # then
    assert api.status_code == 200, api.content
    body = api.json()
    assert (body["currency"], body["rate_date"], body["untranslated"]) == ("EUR", "2026-03-31", [])
    assert (body["opening_translated"], body["closing_translated"]) == (118_400, 125_199)
    assert [(x["translated"], x["translated_running"]) for x in body["lines"]] == [
        (46_000, 164_400),
        (-30_000, 134_400),
        (-9_201, 125_199),
    ]
    html = page.content.decode()
    assert '<span id="opening-translated">1,184.00 EUR</span>' in html
    assert '<strong id="closing-translated">1,251.99 EUR</strong>' in html
    assert "latest rate on or before 2026-03-31" in html
    rows = csv.content.decode().splitlines()
    assert rows[0].endswith(",balance,amount_EUR,balance_EUR")
    assert rows[-1].endswith(",USD,0.00,100.01,599.99,-92.01,1251.99")
