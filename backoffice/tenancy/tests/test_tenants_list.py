"""`GET /api/v1/tenants`: a token is scoped to one tenant and lists only that one (issue 12);
the browser session still lists every tenant its user may act in."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(client_a, client_b):
    """A user with a membership in two clients."""
    user = UserFactory.create(username="carol")
    make_member(client_a, user, Role.CLIENT_ADMIN)
    make_member(client_b, user, Role.CLIENT_USER)
    return user


def _slugs(res) -> list[tuple[str, str]]:
    assert res.status_code == 200, res.content
    return [(t["slug"], t["role"]) for t in res.json()]


def test_a_token_lists_only_its_own_tenant(both, client_a, client_b):
    api = Client(headers={"Authorization": f"Bearer {make_token(both, client_b)}"})
    assert _slugs(api.get("/api/v1/tenants")) == [("client-b", Role.CLIENT_USER)]


def test_a_token_with_a_narrower_role_lists_that_role(both, client_a):
    token = make_token(both, client_a, role=Role.CLIENT_USER)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert _slugs(api.get("/api/v1/tenants")) == [("client-a", Role.CLIENT_USER)]


def test_a_provider_admins_token_does_not_list_the_clients(provider_admin, provider, client_a):
    api = Client(headers={"Authorization": f"Bearer {make_token(provider_admin, provider)}"})
    assert _slugs(api.get("/api/v1/tenants")) == [("provider", Role.PROVIDER_ADMIN)]


def test_the_browser_session_lists_every_tenant_of_its_user(both, client_a, client_b):
    web = Client()
    web.force_login(both)
    got = _slugs(web.get("/api/v1/tenants", headers={"X-Tenant": "client-a"}))
    assert sorted(got) == [("client-a", Role.CLIENT_ADMIN), ("client-b", Role.CLIENT_USER)]
