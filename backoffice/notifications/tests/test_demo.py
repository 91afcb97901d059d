"""The demo's preferences: acme-admin reads a daily digest, acme-user every message."""

from __future__ import annotations

import pytest

from backoffice.notifications import demo
from backoffice.notifications.selectors import modes_of
from backoffice.tenancy.demo import seed_tenants

pytestmark = pytest.mark.django_db


def test_demo_preferences():
    ctx = seed_tenants()
    demo.seed(ctx)
    demo.seed(ctx)  # twice is the same
    acme = next(c for c in ctx.clients if c.slug == "acme-insurance")
    admin, user = ctx.users["acme-admin"], ctx.users["acme-user"]
    assert modes_of(tenant_id=acme.pk, user_id=admin.pk) == {
        "messages": "digest",
        "mentions": "digest",
    }
    assert modes_of(tenant_id=acme.pk, user_id=user.pk) == {
        "messages": "immediately",
        "mentions": "immediately",
    }
