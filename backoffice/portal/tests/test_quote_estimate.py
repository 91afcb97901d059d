"""A quote shows its estimated monthly cost at the request's expected volume, on the
request page of both sides, priced by billing's pricing. Worked by hand (EUR, cents):

  4,000 invoices a month; "Invoices" graduated: the first 1,000 at 0.50, then 0.40:
  1,000 x 50 + 3,000 x 40 = 50,000 + 120,000 = 170,000 (1,700.00); minimum 1,000.00 is
  below it (no top-up); monthly fee 250.00: 170,000 + 25,000 = 195,000 (1,950.00).
  "Pages" are counted in pages, not items: left out and named. Setup fee: once, left out.

  At 1,000 a month: 1,000 x 50 = 50,000; the minimum tops it up by 100,000 - 50,000 =
  50,000; plus the fee: 100,000 + 25,000 = 125,000 (1,250.00).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backoffice.ledger.money import display
from backoffice.portal.projects.services import LineIn, TierIn
from backoffice.portal.tests import factories_projects as f
from backoffice.tenancy.roles import Role

pytestmark = pytest.mark.django_db

LINES = [
    LineIn(
        "invoices", "Invoices", "items", "graduated",
        tiers=[TierIn(0, 1000, 50), TierIn(1000, None, 40)],
    ),
    LineIn("pages", "Pages", "pages", "per_unit", unit_rate=5),
]  # fmt: skip


@pytest.fixture
def ops(provider, client_a):
    return f.ops_manager(provider, client_a)


@pytest.fixture
def st(provider, ops):
    f.books(provider)
    return f.capture_service(provider, ops)


def _quoted(ops, st, user_a, client_a, volume):
    admin = f.access(user_a, client_a, Role.CLIENT_ADMIN)
    req = f.submitted(admin, st, expected_volume=volume)
    f.sent_quote(
        ops, req, lines=LINES, setup_fee=50_000, minimum_commitment=100_000, recurring_fee=25_000
    )
    return req


def _page(user, tenant, req) -> tuple[str, Any]:
    web = Client()
    web.force_login(user)
    page = web.get(f"/t/{tenant.slug}/portal/requests/{req.pk}/")
    assert page.status_code == 200
    return page.content.decode(), page.context["quotes"][0]["estimate"]


def test_the_estimate_at_4000_items_on_both_sides(ops, st, user_a, client_a, provider):
    req = _quoted(ops, st, user_a, client_a, 4000)
    for user, tenant in ((user_a, client_a), (ops.user, provider)):
        html, estimate = _page(user, tenant, req)
        assert [(x.name, x.units, x.amount) for x in estimate.lines] == [
            ("Invoices", 4000, 170_000)
        ]
        assert (estimate.charges, estimate.minimum_top_up, estimate.monthly_fee) == (
            170_000,
            0,
            25_000,
        )
        assert estimate.total == 195_000 and estimate.not_estimated == ("Pages",)
        assert f"Estimated monthly cost: {display(195_000, 'EUR')}" in html
        assert "Not in the estimate (counted in other units than items): Pages." in html
        assert "setup fee is charged once" in html


def test_the_minimum_tops_up_a_small_volume(ops, st, user_a, client_a):
    req = _quoted(ops, st, user_a, client_a, 1000)
    html, estimate = _page(user_a, client_a, req)
    assert (estimate.charges, estimate.minimum_top_up, estimate.total) == (
        50_000,
        50_000,
        125_000,
    )
    assert f"Up to the minimum a month: {display(50_000, 'EUR')}" in html


def test_no_volume_no_estimate(ops, st, user_a, client_a):
    req = _quoted(ops, st, user_a, client_a, None)
    html, estimate = _page(user_a, client_a, req)
    assert estimate is None and "Estimated monthly cost" not in html
