"""The one number parser: every magnitude, NaN and infinity refused with words, not a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.core.errors import DomainError
from backoffice.core.numbers import (
    MAX_AMOUNT,
    QUANTITY,
    NumberError,
    check_amount,
    parse_decimal,
    parse_int,
    to_decimal,
)


@pytest.mark.parametrize(
    "text", ["1e25", "1e30", "-1e30", "1e999999", "1e+300", 1e300, "9" * 5000, 10**40]
)
def test_magnitudes_past_the_column_are_too_large_not_a_crash(text):
    with pytest.raises(DomainError) as exc:
        parse_decimal(text, QUANTITY, field="quantity")
    assert exc.value.fields == {"quantity": [exc.value.fields["quantity"][0]]}
    assert exc.value.fields["quantity"][0].startswith(("too large", "too small"))
    assert "999,999,999,999,999.999" in exc.value.fields["quantity"][0]


@pytest.mark.parametrize(
    "text", ["NaN", "nan", "sNaN", "Infinity", "-inf", float("nan"), float("inf"), "", "abc", True]
)
def test_not_a_finite_number_is_refused_in_words(text):
    with pytest.raises(DomainError) as exc:
        parse_decimal(text, QUANTITY, field="rate")
    assert exc.value.fields == {"rate": ["not a number"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.0001", "at most 3 decimals"),
        ("1e-30", "at most 3 decimals"),
        ("1.0000000000000000000000000000001", "at most 3 decimals"),
    ],
)
def test_too_many_decimals_is_exact_not_rounded(text, message):
    with pytest.raises(DomainError) as exc:
        parse_decimal(text, QUANTITY, field="q")
    assert exc.value.fields == {"q": [message]}


def test_whole_numbers_are_asked_for_in_words():
    with pytest.raises(NumberError, match="a whole number"):
        to_decimal("1.5", places=0)


def test_bounds_and_signs():
    assert parse_decimal("1.500", QUANTITY, field="q") == Decimal("1.5")
    assert parse_decimal(" 2 ", QUANTITY, field="q") == 2
    assert parse_decimal("999999999999999.999", QUANTITY, field="q") == Decimal(
        "999999999999999.999"
    )
    with pytest.raises(DomainError, match="greater than zero"):
        parse_decimal("0", QUANTITY, field="q", positive=True)
    with pytest.raises(DomainError, match="not be negative"):
        parse_decimal("-1", QUANTITY, field="q", minimum=0)
    with pytest.raises(DomainError, match="not be zero"):
        parse_decimal("0", QUANTITY, field="q", nonzero=True)
    with pytest.raises(DomainError, match=r"less than 1,000"):
        parse_decimal("1000", field="rate", below=1000, max_digits=7, places=4)


def test_the_caller_chooses_the_code_and_message():
    with pytest.raises(DomainError) as exc:
        parse_decimal("1e30", QUANTITY, field="lines[0].quantity", code="invalid_quantity")
    assert exc.value.code == "invalid_quantity"
    assert "lines[0]" not in exc.value.message and "lines[0]" not in str(exc.value.fields.values())


def test_integers_and_amounts():
    assert parse_int("42", field="year") == 42
    assert parse_int(7, field="n", minimum=1, maximum=10) == 7
    for bad, words in [("4.5", "a whole number"), ("x", "not a number"), ("", "not a number")]:
        with pytest.raises(DomainError) as exc:
            parse_int(bad, field="n")
        assert exc.value.fields == {"n": [words]}
    with pytest.raises(DomainError, match="at most 10"):
        parse_int("11", field="n", maximum=10)
    assert check_amount(MAX_AMOUNT, field="amount") == MAX_AMOUNT
    for value in [MAX_AMOUNT + 1, 10**30, -1, True, 1.5, "12"]:
        with pytest.raises(DomainError) as exc:
            check_amount(value, field="amount")
        assert "minor" not in str(exc.value.fields["amount"])


@given(st.decimals(allow_nan=True, allow_infinity=True) | st.text() | st.floats())
def test_anything_is_a_decimal_in_range_or_a_number_error(value):
    try:
        got = to_decimal(value, max_digits=18, places=3)
    except NumberError as exc:
        assert str(exc)
    else:
        assert got.is_finite() and abs(got) < 10**15
