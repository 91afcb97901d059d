"""Amounts on pages, all through `ledger.money.display` (babel, the viewer's locale):

- `{{ amount|amount:"EUR" }}` -> "€1,234.50": the amount with its currency, the usual way;
- `{{ amount|money:"EUR" }}` -> "1,234.50": the number alone, where a heading or the text
  beside it already names the currency;
- `{{ amount|money_input:"EUR" }}` -> "1234.50": the value of a form input, in the form
  `money.parse_major` reads back whatever the viewer's language.
"""

from __future__ import annotations

from typing import Any

from django import template

from backoffice.ledger.money import display, format_minor

register = template.Library()


def _minor(amount: Any) -> int | None:
    if amount is None or amount == "":
        return None
    return int(amount)


@register.filter
def amount(value: Any, currency: str = "") -> str:
    minor = _minor(value)
    return "" if minor is None else display(minor, currency)


@register.filter
def money(value: Any, currency: str = "") -> str:
    minor = _minor(value)
    return "" if minor is None else display(minor, currency, with_currency=False)


@register.filter
def money_input(value: Any, currency: str = "") -> str:
    minor = _minor(value)
    return "" if minor is None else format_minor(minor, currency).replace(",", "")


@register.filter
def get(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None
