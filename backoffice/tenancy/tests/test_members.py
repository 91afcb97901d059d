"""Managing members: within one's own rights, own tenant only, audited."""

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.tenancy.models import Membership
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory


@pytest.fixture
def newcomer(db):
    return UserFactory.create(username="newcomer")


@pytest.mark.django_db
def test_client_admin_adds_a_client_user(api_a, client_a, newcomer):
    response = api_a.post(
        "/api/v1/members",
        data={"username": "newcomer", "role": Role.CLIENT_USER},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Membership.objects.get(user=newcomer).organization == client_a
    assert AuditEvent.objects.for_tenant(client_a).filter(action="membership.added").exists()


@pytest.mark.django_db
def test_client_admin_cannot_grant_provider_roles(api_a, newcomer):
    response = api_a.post(
        "/api/v1/members",
        data={"username": "newcomer", "role": Role.PROVIDER_ADMIN},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "role" in response.json()["error"]["fields"]
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.django_db
def test_unknown_user_is_a_field_error(api_a):
    response = api_a.post(
        "/api/v1/members",
        data={"username": "ghost", "role": "client_user"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"username": ["unknown"]}


@pytest.mark.django_db
def test_cannot_remove_another_tenants_member(api_a, user_b, client_b):
    response = api_a.delete(f"/api/v1/members/{user_b.username}")
    assert response.status_code == 404
    assert Membership.objects.get(user=user_b, organization=client_b).is_active


@pytest.mark.django_db
def test_client_user_cannot_manage_members(client_a, newcomer):
    from django.test import Client

    from backoffice.tenancy.tests.factories import make_member, make_token

    plain = UserFactory.create(username="plain")
    make_member(client_a, plain, Role.CLIENT_USER)
    c = Client(headers={"Authorization": f"Bearer {make_token(plain, client_a)}"})
    response = c.post(
        "/api/v1/members",
        data={"username": "newcomer", "role": "client_user"},
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_members_page_adds_and_removes(web_a, client_a, newcomer):
    added = web_a.post(
        f"/t/{client_a.slug}/members/", {"username": "newcomer", "role": "client_user"}
    )
    assert added.status_code == 200
    assert Membership.objects.get(user=newcomer).is_active
    removed = web_a.post(f"/t/{client_a.slug}/members/", {"revoke": "newcomer"})
    assert removed.status_code == 200
    assert not Membership.objects.get(user=newcomer).is_active


@pytest.mark.django_db
def test_members_page_refuses_foreign_member(web_a, client_a, user_b):
    response = web_a.post(f"/t/{client_a.slug}/members/", {"revoke": user_b.username})
    assert response.status_code == 404
