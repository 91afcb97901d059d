"""`{{ amount|money:"EUR" }}`: minor units shown in major units with the ISO 4217 exponent."""

from __future__ import annotations

from typing import Any

from django import template

from backoffice.ledger.money import format_minor

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "") -> str:
    if amount is None or amount == "":
        return ""
    return format_minor(int(amount), currency)


@register.filter
def get(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None
