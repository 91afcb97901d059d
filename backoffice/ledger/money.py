"""Money rules in one place: currency exponents, exchange-rate lookup, conversion, rounding,
and minor units <-> the major-unit text people read and type.

Amounts are integer minor units of an ISO 4217 currency; a currency's exponent (JPY 0,
USD 2, BHD 3) comes from the ledger's currency table, which migration 0002 loads from ISO 4217.
Rounding is half up, once, where a rule says so. Rates are the tenant's ledger rates:
`1 base = rate quote`, the latest on or before the day; a direct rate (CUR/FUNCTIONAL) wins
over an inverse one (FUNCTIONAL/CUR) of the same date.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern
from django.db.models import Q
from django.utils import translation

from backoffice.core import numbers
from backoffice.core.errors import DomainError
from backoffice.ledger.models import Currency, ExchangeRate

if TYPE_CHECKING:
    from backoffice.tenancy.models import Organization

_EXPONENTS: dict[str, int] = {}


def exponents() -> dict[str, int]:
    """Every known currency's exponent: read once per process (it changes with a migration)."""
    if not _EXPONENTS:
        _EXPONENTS.update(Currency.objects.values_list("code", "exponent"))
    return _EXPONENTS


def exponent(currency: str) -> int:
    """The currency's exponent; an unknown code is the caller's error, named as such."""
    found = exponents().get(currency)
    if found is None:
        raise DomainError(
            f"Unknown currency {currency!r}.", fields={"currency": ["not an ISO 4217 code"]}
        )
    return found


def round_half_up(value: Decimal) -> int:
    """The one rounding rule: to a whole minor unit, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def convert(amount: int, *, rate: Decimal, currency: str, to: str) -> int:
    """Minor units of `currency` -> minor units of `to` at `rate` (1 currency = rate to)."""
    if currency == to and rate == 1:
        return amount
    scale = Decimal(10) ** (exponent(to) - exponent(currency))
    return round_half_up(Decimal(amount) * rate * scale)


def _latest(rows: list[tuple[date, bool, Decimal]]) -> Decimal:
    _day, direct, rate = max(rows, key=lambda r: (r[0], r[1]))
    return rate if direct else Decimal(1) / rate


def rates_on(tenant: Organization, day: date) -> dict[str, Decimal]:
    """Every currency's rate into the tenant's functional currency on `day` (one query)."""
    functional = tenant.currency
    found: dict[str, list[tuple[date, bool, Decimal]]] = {}
    rows = (
        ExchangeRate.objects.for_tenant(tenant)
        .filter(date__lte=day)
        .filter(Q(quote_id=functional) | Q(base_id=functional))
        .values_list("date", "base_id", "quote_id", "rate")
    )
    for on, base, quote, rate in rows:
        if quote == functional:
            found.setdefault(base, []).append((on, True, Decimal(rate)))
        else:
            found.setdefault(quote, []).append((on, False, Decimal(rate)))
    return {currency: _latest(candidates) for currency, candidates in found.items()}


def rate_on(tenant: Organization, currency: str, day: date) -> Decimal | None:
    """1 `currency` = rate functional on `day`, or None when the ledger has no rate."""
    functional = tenant.currency
    if currency == functional:
        return Decimal(1)
    rows = (
        ExchangeRate.objects.for_tenant(tenant)
        .filter(date__lte=day)
        .filter(Q(base_id=currency, quote_id=functional) | Q(base_id=functional, quote_id=currency))
        .order_by("-date")
        .values_list("date", "base_id", "rate")[:2]
    )
    candidates = [(on, base == currency, Decimal(rate)) for on, base, rate in rows]
    return _latest(candidates) if candidates else None


def format_minor(amount: int, currency: str) -> str:
    """12345 USD -> '123.45' whatever the viewer's language: the text of form inputs and
    messages that `parse_major` reads back. Pages show amounts with `display`."""
    exp = exponents().get(currency, 2) if currency else 2
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exp)
    text = f"{whole:,}"
    return f"{sign}{text}.{frac:0{exp}d}" if exp else f"{sign}{text}"


def parse_major(text: str, currency: str) -> int | None:
    """'1,234.50' USD -> 123450; None when empty; ValueError (`core.numbers.NumberError`)
    in words when not an amount: not a number (text, NaN, infinities), too large for one
    amount (`core.numbers.MAX_AMOUNT` minor units), or more decimals than the currency has."""
    text = (text or "").replace(",", "").strip()
    if not text:
        return None
    exp = exponents().get(currency, 2)
    limit = Decimal(numbers.MAX_AMOUNT).scaleb(-exp)
    value = numbers.to_decimal(text, maximum=limit, minimum=-limit)
    if numbers.decimal_places(value) > exp:
        raise numbers.NumberError(f"{currency} has {exp} decimals")
    return int(value.scaleb(exp))


# --- display: amounts as the viewer reads them ---------------------------------------------


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


@lru_cache(maxsize=256)
def _pattern(locale: Locale, kind: str, places: int) -> NumberPattern:
    """The locale's currency (or decimal) pattern with exactly `places` decimals, so an
    amount shows the currency's ISO 4217 exponent rather than CLDR's idea of it."""
    base = (
        locale.currency_formats["standard"] if kind == "currency" else locale.decimal_formats[None]
    )
    pattern = copy.copy(base)
    pattern.frac_prec = (places, places)
    return pattern


def display(
    amount: int | None, currency: str, *, with_currency: bool = True, language: str | None = None
) -> str:
    """Minor units as the viewer reads them, by the locale of their language (babel):
    12345 USD -> "$123.45" in English, "123,45 $US" in French; `with_currency=False` gives
    the number alone ("123.45", "123,45") for a column whose heading names the currency.
    An empty or unknown code shows two decimals and no symbol."""
    if amount is None:
        return ""
    exp = exponents().get(currency, 2) if currency else 2
    value = Decimal(int(amount)).scaleb(-exp)
    locale = _locale(language or translation.get_language() or "en")
    if not with_currency or not currency:
        return _pattern(locale, "decimal", exp).apply(value, locale)
    pattern = _pattern(locale, "currency", exp)
    return pattern.apply(value, locale, currency=currency, currency_digits=False)
