"""Every tenancy audit event, name and before/after shape written out literally: they are
part of the tenants' hash chains, so `tenancy/events.py` must keep them byte for byte."""

from __future__ import annotations

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.tenancy import services
from backoffice.tenancy.models import Membership
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _events(tenant, *actions):
    rows = AuditEvent.objects.for_tenant(tenant).filter(action__in=actions).order_by("seq")
    return [(e.action, e.object_type, e.object_id, e.before, e.after) for e in rows]


def test_organization_created_event(provider):
    # when
    org = services.create_organization(
        slug="client-z", name="Client Z", kind="client", provider=provider
    )
    # then
    assert _events(org, "organization.created") == [
        (
            "organization.created",
            "tenancy.organization",
            str(org.pk),
            None,
            {"slug": "client-z", "name": "Client Z", "kind": "client"},
        )
    ]


def test_membership_events(client_a, user_a):
    # given
    newcomer = UserFactory.create(username="newcomer")
    access = TenantAccess(user=user_a, tenant=client_a, role=Role.CLIENT_ADMIN)
    # when
    services.grant_membership(access=access, username="newcomer", role=Role.CLIENT_USER)
    services.grant_membership(access=access, username="newcomer", role=Role.AUDITOR)
    services.revoke_membership(access=access, username="newcomer")
    # then
    m = Membership.objects.get(user=newcomer, organization=client_a)
    assert _events(client_a, "membership.added", "membership.changed", "membership.revoked")[
        -3:
    ] == [
        (
            "membership.added",
            "tenancy.membership",
            str(m.pk),
            None,
            {"user": "newcomer", "role": "client_user"},
        ),
        (
            "membership.changed",
            "tenancy.membership",
            str(m.pk),
            None,
            {"user": "newcomer", "role": "auditor"},
        ),
        ("membership.revoked", "tenancy.membership", str(m.pk), None, {"user": "newcomer"}),
    ]


def test_api_token_events(client_a, user_a):
    # when
    token, _secret = services.issue_api_token(
        user=user_a, tenant=client_a, role=Role.CLIENT_USER, name="ci", days=30
    )
    services.revoke_api_token(token_id=token.pk, tenant=client_a, actor=user_a)
    services.revoke_api_token(token_id=token.pk, tenant=client_a, actor=user_a)
    # then
    assert _events(client_a, "api_token.issued", "api_token.revoked") == [
        (
            "api_token.issued",
            "tenancy.apitoken",
            str(token.pk),
            None,
            {"name": "ci", "role": "client_user", "expires_at": token.expires_at.isoformat()},
        ),
        ("api_token.revoked", "tenancy.apitoken", str(token.pk), None, None),
    ]


def test_organization_changed_in_the_admin(provider_admin, provider, client_a):
    from django.test import Client

    # given
    c = Client()
    c.force_login(provider_admin)
    form = {
        "slug": client_a.slug,
        "name": "Client A renamed",
        "kind": "client",
        "provider": provider.pk,
        "country": client_a.country,
        "timezone": client_a.timezone,
        "currency": client_a.currency,
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    # when
    response = c.post(f"/admin/tenancy/organization/{client_a.pk}/change/", form)
    # then
    assert response.status_code == 302, response.content[:2000]
    assert _events(client_a, "organization.changed") == [
        (
            "organization.changed",
            "tenancy.organization",
            str(client_a.pk),
            None,
            {"name": "Client A renamed"},
        )
    ]
