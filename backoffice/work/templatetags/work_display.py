"""Template helpers of the work pages: data and results as labelled fields (`shown_fields`)."""

from __future__ import annotations

from typing import Any

from django import template

from backoffice.ledger import money
from backoffice.work.schema import Shown, shown_fields

register = template.Library()


@register.simple_tag
def shown_data(schema: dict[str, Any], data: Any) -> list[Shown]:
    """`{% shown_data schema data as shown %}`: the values of `data` with the schema's labels,
    amounts with their currency, line groups as tables (`work/_shown.html` renders them)."""
    return shown_fields(schema or {}, data, exponents=money.exponents())
