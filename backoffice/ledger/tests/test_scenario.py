"""A worked example an accountant can check by hand: March for a small EUR business.

    1  owner invests 10,000.00 cash          Dr 1120 Bank        Cr 3100 Capital
    2  equipment 2,400.00 on credit          Dr 1510 Equipment   Cr 2100 Payables
    3  services sold on account 3,000.00     Dr 1200 Receivable  Cr 4200 Service revenue
    4  rent paid 800.00                      Dr 6100 Rent        Cr 1120 Bank
    5  customer pays 1,000.00                Dr 1120 Bank        Cr 1200 Receivable
    6  supplier paid 400.00                  Dr 2100 Payables    Cr 1120 Bank
    7  supplies 500.00 posted by mistake, then reversed
    8  USD 1,000.00 other income into the USD bank; rate 1 USD = 0.92 EUR

Bank 10,000 - 800 + 1,000 - 400 = 9,800; receivable 2,000; equipment 2,400;
payables 2,000; capital 10,000; revenue 3,000 + 920 (translated); rent 800.
Net income 3,120. Assets 9,800 + 2,000 + 2,400 + 920 = 15,120 =
liabilities 2,000 + equity 10,000 + earnings 3,120.
"""

from datetime import date
from decimal import Decimal

import pytest

from backoffice.ledger import selectors
from backoffice.ledger.models import Account
from backoffice.ledger.services import (
    post_journal_entry,
    reverse_entry,
    set_exchange_rate,
)
from backoffice.ledger.tests.factories import entry, usd_bank, with_chart

pytestmark = pytest.mark.django_db


def test_march_worked_example(client_a):
    # given
    t = with_chart(client_a)
    usd_bank(t)
    set_exchange_rate(
        tenant=t, actor=None, day=date(2026, 3, 1), base="USD", quote="EUR", rate=Decimal("0.92")
    )

    def post(day, *pairs, memo=""):
        return post_journal_entry(tenant=t, actor=None, entry=entry(day, *pairs, memo=memo))

    # when
    post("2026-03-01", ("1120", 1_000_000), ("3100", -1_000_000), memo="Owner invests")
    post("2026-03-02", ("1510", 240_000), ("2100", -240_000), memo="Equipment on credit")
    post("2026-03-05", ("1200", 300_000), ("4200", -300_000), memo="Services on account")
    post("2026-03-06", ("6100", 80_000), ("1120", -80_000), memo="Rent")
    post("2026-03-10", ("1120", 100_000), ("1200", -100_000), memo="Customer pays")
    post("2026-03-12", ("2100", 40_000), ("1120", -40_000), memo="Pay supplier")
    wrong = post("2026-03-15", ("6400", 50_000), ("1120", -50_000), memo="Oops")
    reverse_entry(tenant=t, actor=None, entry_id=wrong.pk)
    post("2026-03-20", ("1130", 100_000, "USD"), ("4900", -100_000, "USD"), memo="USD income")

    # then: balances per account, by hand
    bal = selectors.balances(t)
    code = {a.pk: a.code for a in Account.objects.for_tenant(t)}
    by_code = {(code[a], c): v for (a, c), v in bal.items() if v}
    assert by_code == {
        ("1120", "EUR"): 980_000,
        ("1200", "EUR"): 200_000,
        ("1510", "EUR"): 240_000,
        ("2100", "EUR"): -200_000,
        ("3100", "EUR"): -1_000_000,
        ("4200", "EUR"): -300_000,
        ("6100", "EUR"): 80_000,
        ("1130", "USD"): 100_000,
        ("4900", "USD"): -100_000,
    }
    tb = selectors.trial_balance(t)
    assert tb.totals["per_currency"]["EUR"] == {"debit": 1_500_000, "credit": 1_500_000}
    inc = selectors.income_statement(t, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert inc.totals == {"income": 392_000, "expenses": 80_000, "net_income": 312_000}
    bs = selectors.balance_sheet(t, as_of=date(2026, 3, 31))
    assert bs.totals["assets"] == 1_512_000
    assert bs.totals["liabilities"] == 200_000 and bs.totals["equity"] == 1_000_000
    assert bs.totals["earnings"] == 312_000
    assert bs.totals["liabilities_and_equity"] == bs.totals["assets"]
    # and as of a past date: before the rent was paid, the bank held 10,000.00
    bank = Account.objects.for_tenant(t).get(code="1120")
    assert selectors.balance_as_of(t, account=bank, currency="EUR", day=date(2026, 3, 5)) == (
        1_000_000
    )
    gl = selectors.general_ledger(t, account=bank, start=date(2026, 3, 6))
    assert gl["opening"] == {"EUR": 1_000_000}
    assert [x.running for x in gl["lines"]] == [920_000, 1_020_000, 980_000, 930_000, 980_000]
