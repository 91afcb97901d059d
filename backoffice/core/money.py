"""Minor units <-> display strings, with the exponent from ISO 4217 (JPY 0, USD 2, BHD 3)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from iso4217 import Currency as Iso


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    try:
        exp = Iso(currency.upper()).exponent
    except ValueError:
        return 2
    return exp if exp is not None else 2


def format_minor(amount: int, currency: str) -> str:
    exp = exponent(currency) if currency else 2
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exp)
    text = f"{whole:,}"
    return f"{sign}{text}.{frac:0{exp}d}" if exp else f"{sign}{text}"


def parse_major(text: str, currency: str) -> int | None:
    """'1,234.50' USD -> 123450; None when empty; ValueError when not a valid amount."""
    text = (text or "").replace(",", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    scaled = value * (Decimal(10) ** exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} has {exponent(currency)} decimals")
    return int(scaled)
