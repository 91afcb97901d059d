"""The demo: acme-user is limited to Acme's claims engagement; acme-admin sees both."""

from __future__ import annotations

import pytest

from backoffice.portal.dashboard import demo as dashboard_demo
from backoffice.site.demo import seed_demo
from backoffice.tenancy.models import User
from backoffice.tenancy.selectors import access_tenant
from backoffice.work import selectors


@pytest.mark.django_db
def test_demo_limits_acme_user_to_claims():
    ctx = seed_demo()
    assert ctx is not None
    dashboard_demo.seed(ctx)  # again: it is idempotent (and portal.demo may not call it yet)
    admin = access_tenant(user=User.objects.get(username="acme-admin"), slug="acme-insurance")
    user = access_tenant(user=User.objects.get(username="acme-user"), slug="acme-insurance")
    assert {"claims", "property-claims"} <= {e.code for e in selectors.engagements(admin)}
    assert [e.code for e in selectors.engagements(user)] == ["claims"]
    assert not selectors.items(user).filter(engagement__code="property-claims").exists()
    assert selectors.items(admin).filter(engagement__code="property-claims").count() == 12
