"""The demo seeds every organization's policy as optional: demo people sign in with the
demo password alone, even where production would require a second factor of staff."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.identity import demo
from backoffice.identity.models import MfaPolicy
from backoffice.tenancy.demo import DEMO_PASSWORD, seed_tenants

pytestmark = pytest.mark.django_db


def test_demo_policies_are_optional_and_staff_sign_in_with_the_password(settings):
    settings.MFA_STAFF_DEFAULT = "required"
    ctx = seed_tenants()
    demo.seed(ctx)
    demo.seed(ctx)  # seeding twice changes nothing
    for org in [ctx.provider, *ctx.clients]:
        row = MfaPolicy.objects.for_tenant(org).get()
        assert (row.staff, row.members) == ("optional", "optional")
    from backoffice.identity.models import AccessReview

    for client in ctx.clients:  # one open access review each, even after seeding twice
        assert AccessReview.objects.for_tenant(client).filter(status="open").count() == 1
    c = Client()
    response = c.post("/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" in c.session


def test_without_the_demo_policy_production_defaults_require_staff_to_enrol(settings):
    settings.MFA_STAFF_DEFAULT = "required"
    seed_tenants()
    c = Client()
    response = c.post("/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert response["Location"] == "/login/enrol/"
    assert "_auth_user_id" not in c.session
