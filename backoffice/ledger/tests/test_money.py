"""The one money module: exponents, rounding, conversion and the rate on a day, worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.errors import DomainError
from backoffice.ledger import money
from backoffice.ledger.services import set_exchange_rate

pytestmark = pytest.mark.django_db


def test_exponents_come_from_iso_4217():
    assert (money.exponent("JPY"), money.exponent("USD"), money.exponent("BHD")) == (0, 2, 3)
    with pytest.raises(DomainError) as exc:
        money.exponent("XXQ")
    assert exc.value.fields == {"currency": ["not an ISO 4217 code"]}


def test_rounding_is_half_away_from_zero():
    assert [money.round_half_up(Decimal(v)) for v in ("2.5", "-2.5", "2.49", "-0.5")] == [
        3,
        -3,
        2,
        -1,
    ]


def test_convert_scales_between_exponents():
    # 1,000 JPY at 0.0066 USD per yen = 6.60 USD = 660 cents.
    assert money.convert(1000, rate=Decimal("0.0066"), currency="JPY", to="USD") == 660
    # 12.345 BHD at 2.65 USD = 32.71425 USD -> 3,271 cents (half up on 3,271.425).
    assert money.convert(12345, rate=Decimal("2.65"), currency="BHD", to="USD") == 3271
    assert money.convert(123, rate=Decimal(1), currency="USD", to="USD") == 123


def test_rate_on_takes_the_latest_rate_and_prefers_a_direct_one_on_the_same_day(client_a):
    # client_a keeps its books in EUR; the rates here are for US dollars.
    tenant = client_a
    set_exchange_rate(
        tenant=tenant,
        actor=None,
        day=date(2026, 1, 5),
        base="USD",
        quote="EUR",
        rate=Decimal("1.10"),
    )
    set_exchange_rate(
        tenant=tenant,
        actor=None,
        day=date(2026, 1, 9),
        base="EUR",
        quote="USD",
        rate=Decimal("0.80"),
    )
    assert money.rate_on(tenant, "USD", date(2026, 1, 4)) is None
    assert money.rate_on(tenant, "USD", date(2026, 1, 6)) == Decimal("1.10")
    assert money.rate_on(tenant, "USD", date(2026, 1, 9)) == Decimal(1) / Decimal("0.80")
    set_exchange_rate(
        tenant=tenant,
        actor=None,
        day=date(2026, 1, 9),
        base="USD",
        quote="EUR",
        rate=Decimal("1.20"),
    )
    assert money.rate_on(tenant, "USD", date(2026, 1, 9)) == Decimal("1.20")
    assert money.rates_on(tenant, date(2026, 1, 9)) == {"USD": Decimal("1.20")}
    assert money.rate_on(tenant, "EUR", date(2026, 1, 1)) == Decimal(1)


@given(
    minor=st.integers(min_value=-(10**12), max_value=10**12),
    exp=st.sampled_from([0, 2, 3]),
)
def test_format_and_parse_are_inverse(minor, exp):
    currency = {0: "JPY", 2: "USD", 3: "BHD"}[exp]
    assert money.parse_major(money.format_minor(minor, currency), currency) == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Infinity", "not a number"),
        ("-inf", "not a number"),
        ("NaN", "not a number"),
        ("sNaN", "not a number"),
        ("1e999999", "too large"),
    ],
)
def test_parse_refuses_what_is_not_a_finite_amount(text, message):
    # Decimal reads these; each must come back as the ValueError the forms report.
    with pytest.raises(ValueError, match=message):
        money.parse_major(text, "USD")
