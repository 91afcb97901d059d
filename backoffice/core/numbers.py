"""The one way numbers typed or sent by people become values: quantities, rates, percentages,
amounts and counts, for the API and the pages alike (services call these, so both get them).

A number is refused, with words a person can act on, when it is not a finite number (text,
NaN, infinities), when it is beyond what its column holds (`max_digits`/`places`, as the
model's DecimalField) or the caller's bounds, or when it has more decimals than allowed.
Nothing here can raise anything but `NumberError` (a ValueError) or `DomainError`: the
checks compare exactly and never round or quantize a number of unknown size, so "1e30" and
"1e999999" are "too large", not a `decimal.InvalidOperation`.

Amounts of money are integers in the currency's smallest unit; `MAX_AMOUNT` bounds one
entered amount so that the sums of a document or an entry (at most a few hundred lines)
stay far inside a 64-bit column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from backoffice.core.errors import DomainError, field_label

MAX_AMOUNT = 10**15 - 1
# The largest key of a 64-bit integer column (what an id may be).
MAX_ID = 2**63 - 1
# The largest integer every JSON reader holds exactly (2**53 - 1, a double's integers).
MAX_EXACT = 2**53 - 1

Bound = Decimal | int | None


@dataclass(frozen=True)
class Column:
    """A decimal column's limits, as its DecimalField(max_digits, decimal_places)."""

    max_digits: int
    places: int


QUANTITY = Column(18, 3)  # quantities and stock levels
RATE = Column(20, 10)  # exchange rates
PERCENT = Column(7, 4)  # tax rates, in percent


class NumberError(ValueError):
    """What is wrong with a number, in words ("too large: at most 1,000")."""


def _as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise NumberError("not a number")
    if isinstance(value, Decimal):
        found = value
    elif isinstance(value, int):
        found = Decimal(value)
    elif isinstance(value, float | str):
        try:
            found = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise NumberError("not a number") from exc
    else:
        raise NumberError("not a number")
    if not found.is_finite():  # Decimal reads "Infinity", "NaN" and "sNaN" too
        raise NumberError("not a number")
    return found


def decimal_places(value: Decimal) -> int:
    """How many decimals `value` really has (1.500 has one), counted exactly."""
    if value == 0:
        return 0
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if exponent >= 0:
        return 0
    zeros = 0
    while zeros < min(len(digits), -exponent) and digits[len(digits) - 1 - zeros] == 0:
        zeros += 1
    return -exponent - zeros


def _text(bound: Decimal | int) -> str:
    return f"{Decimal(bound):,f}"


def _column_limit(max_digits: int | None, places: int | None) -> Decimal | None:
    if max_digits is None:
        return None
    places = places or 0
    return Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)


def _check_sign(value: Decimal, *, positive: bool, nonzero: bool, minimum: Bound) -> None:
    if positive and value <= 0:
        raise NumberError("must be greater than zero")
    if nonzero and value == 0:
        raise NumberError("must not be zero")
    if minimum is not None and minimum == 0 and value < 0:
        raise NumberError("must not be negative")


def _check_size(value: Decimal, *, top: Bound, bottom: Bound, below: Bound) -> None:
    if below is not None and value >= below:
        raise NumberError(f"must be less than {_text(below)}")
    if top is not None and value > top:
        raise NumberError(f"too large: at most {_text(top)}")
    if bottom is not None and value < bottom:
        raise NumberError(f"too small: at least {_text(bottom)}")


def to_decimal(
    value: Any,
    column: Column | None = None,
    *,
    max_digits: int | None = None,
    places: int | None = None,
    minimum: Bound = None,
    maximum: Bound = None,
    below: Bound = None,
    positive: bool = False,
    nonzero: bool = False,
) -> Decimal:
    """`value` (text, int, float or Decimal) as a finite Decimal within the rules, or
    NumberError. `max_digits`/`places` are the column's (DecimalField's); `maximum` and
    `minimum` are inclusive, `below` exclusive; `positive` asks for > 0, `nonzero` for != 0."""
    if column is not None:
        max_digits, places = column.max_digits, column.places
    found = _as_decimal(value)
    _check_sign(found, positive=positive, nonzero=nonzero, minimum=minimum)
    limit = _column_limit(max_digits, places)
    tops = [x for x in (maximum, limit) if x is not None]
    top = min(tops) if tops else None
    bottom: Bound = minimum
    if limit is not None:
        bottom = max(minimum, -limit) if minimum is not None else -limit
    _check_size(found, top=top, bottom=bottom, below=below)
    if places is not None and decimal_places(found) > places:
        raise NumberError("a whole number" if places == 0 else f"at most {places} decimals")
    if found.adjusted() < 28 and found.as_tuple().exponent > 0:  # type: ignore[operator]
        found = found.quantize(Decimal(1))  # 1E+2 -> 100
    return found


def parse_decimal(
    value: Any,
    column: Column | None = None,
    *,
    field: str,
    code: str | None = None,
    message: str | None = None,
    **rules: Any,
) -> Decimal:
    """`to_decimal`, refusing with a DomainError that names `field` (`fields={field: [...]}`)."""
    try:
        return to_decimal(value, column, **rules)
    except NumberError as exc:
        raise DomainError(
            message or f"{field_label(field).capitalize()}: {exc}.",
            code=code,
            fields={field: [str(exc)]},
        ) from exc


def parse_int(
    value: Any,
    *,
    field: str,
    minimum: int | None = None,
    maximum: int | None = None,
    code: str | None = None,
) -> int:
    """A whole number typed or sent (a form's "12", a year), within the bounds."""
    top = maximum if maximum is not None else 10**18
    bottom = minimum if minimum is not None else -(10**18)
    try:
        found = to_decimal(value, places=0)
        if found > top:
            raise NumberError(f"at most {top:,}")
        if found < bottom:
            raise NumberError(f"at least {bottom:,}")
    except NumberError as exc:
        raise DomainError(
            f"{field_label(field).capitalize()}: {exc}.", code=code, fields={field: [str(exc)]}
        ) from exc
    return int(found)


def json_number_problem(value: int | float) -> str | None:
    """What is wrong with a number of free-form JSON data (item data, say), or None: NaN and
    infinities are no JSON numbers, and beyond ±`MAX_EXACT` readers disagree on the value."""
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if abs(value) > MAX_EXACT:
        return f"too large: at most {MAX_EXACT:,}"
    return None


def check_amount(
    value: Any,
    *,
    field: str,
    positive: bool = False,
    allow_negative: bool = False,
    maximum: int = MAX_AMOUNT,
    code: str | None = None,
) -> int:
    """An amount of money already in whole smallest units (an int: cents, yen), bounded by
    ±`maximum`; not negative unless `allow_negative`, above zero if `positive`."""
    problem = None
    if isinstance(value, bool) or not isinstance(value, int):
        problem = "a whole number"
    elif positive and value <= 0:
        problem = "must be greater than zero"
    elif value < 0 and not allow_negative:
        problem = "must not be negative"
    elif abs(value) > maximum:
        problem = f"too large: at most {maximum:,}"
    if problem:
        raise DomainError(
            f"{field_label(field).capitalize()}: {problem}.", code=code, fields={field: [problem]}
        )
    return int(value)
