"""Exchange rates: one per tenant, pair and day (1 `base` = `rate` `quote`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from backoffice.core import numbers
from backoffice.core.dates import check_date
from backoffice.core.errors import DomainError
from backoffice.ledger import events
from backoffice.ledger.models import ExchangeRate
from backoffice.ledger.services.validation import check_currency
from backoffice.tenancy.models import Organization, User


def set_exchange_rate(
    *,
    tenant: Organization,
    actor: User | None,
    day: date,
    base: str,
    quote: str,
    rate: Decimal,
) -> ExchangeRate:
    """Enter (or correct) the rate for one day: 1 `base` = `rate` `quote`."""
    base_code = check_currency(base, "base")
    quote_code = check_currency(quote, "quote")
    if base_code == quote_code:
        raise DomainError("Base and quote differ.", fields={"quote": ["same as base"]})
    check_date(day)
    if rate <= 0:
        raise DomainError("A rate is positive.", fields={"rate": ["must be > 0"]})
    rate = numbers.parse_decimal(rate, numbers.RATE, field="rate", positive=True)
    with transaction.atomic():
        obj, _created = ExchangeRate.objects.for_tenant(tenant).update_or_create(
            tenant=tenant,
            date=day,
            base_id=base_code,
            quote_id=quote_code,
            defaults={"rate": rate},
        )
        event = events.rate_set_event(obj, day=day, value=rate)
        events.record(tenant=tenant, actor=actor, event=event)
    return obj
