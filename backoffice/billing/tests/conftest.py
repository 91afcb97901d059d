"""Billing fixtures: the provider's books and a plain contract for client A."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backoffice.billing.services import ChargeIn, TierIn
from backoffice.billing.tests import factories as f
from backoffice.ledger.services import set_exchange_rate


@pytest.fixture
def provider_books(provider):
    return f.provider_books(provider)


@pytest.fixture
def eng_a(client_a, provider):
    return f.engagement(client_a, provider, code="eng-a")


@pytest.fixture
def eng_b(client_b, provider):
    return f.engagement(client_b, provider, code="eng-b")


@pytest.fixture
def plain(provider_books, client_a, eng_a):
    """Client A billed in its own EUR (the provider's books take EUR at 1.10 USD): 1.00 an
    item for the first 10 items of a month, 0.50 after."""
    set_exchange_rate(
        tenant=provider_books, actor=None, day=date(2026, 1, 1), base="EUR", quote="USD",
        rate=Decimal("1.1"),
    )  # fmt: skip
    c = f.contract(provider_books, client_a, [eng_a], currency="EUR", code="plain")
    f.version(
        c,
        "2026-01-01",
        charges=[
            ChargeIn(
                "items", "Items", "items", "graduated",
                tiers=[TierIn(0, 10, 100), TierIn(10, None, 50)],
            )
        ],
    )  # fmt: skip
    return c
