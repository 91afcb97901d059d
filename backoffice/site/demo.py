"""The whole demo: the tenancy's organizations and people, then each app's data on them.

Each app's `demo.seed(ctx)` builds on the `DemoContext` from `tenancy.demo`, lower layers
first; this module is the one place that knows them all.
"""

from __future__ import annotations

from django.db import transaction

from backoffice.billing import demo as billing_demo
from backoffice.commerce import demo as commerce_demo
from backoffice.conversations import demo as conversations_demo
from backoffice.core.rls import set_rls_bypass
from backoffice.delivery import demo as delivery_demo
from backoffice.identity import demo as identity_demo
from backoffice.ledger import demo as ledger_demo
from backoffice.notifications import demo as notifications_demo
from backoffice.portal import demo as portal_demo
from backoffice.privacy import demo as privacy_demo
from backoffice.reports import demo as reports_demo
from backoffice.tenancy import demo as tenancy_demo
from backoffice.tenancy.demo import DEMO_PASSWORD, DemoContext, demo_logins
from backoffice.vault import demo as vault_demo
from backoffice.work import demo as work_demo
from backoffice.workforce import demo as workforce_demo

APP_SEEDS = [
    vault_demo.seed,
    ledger_demo.seed,
    work_demo.seed,
    commerce_demo.seed,
    billing_demo.seed,
    conversations_demo.seed,
    notifications_demo.seed,
    delivery_demo.seed,
    identity_demo.seed,
    portal_demo.seed,
    workforce_demo.seed,
    privacy_demo.seed,
    reports_demo.seed,
]

__all__ = ["DEMO_PASSWORD", "demo_logins", "seed_demo"]


def seed_demo() -> DemoContext | None:
    """Create the demo once; returns None when it already exists."""
    if tenancy_demo.demo_exists():
        return None
    with transaction.atomic():
        set_rls_bypass()
        ctx = tenancy_demo.seed_tenants()
        for seed in APP_SEEDS:
            seed(ctx)
    return ctx
