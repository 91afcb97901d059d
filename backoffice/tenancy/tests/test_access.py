import pytest

from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy import services
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import access_tenant, accessible_tenants
from backoffice.tenancy.tests.factories import UserFactory, make_member


@pytest.mark.django_db
def test_client_user_reaches_only_own_tenant(user_a, client_a, client_b):
    assert [o.slug for o, _ in accessible_tenants(user_a)] == ["client-a"]
    with pytest.raises(NotFound):
        access_tenant(user=user_a, slug="client-b")
    with pytest.raises(NotFound):
        access_tenant(user=user_a, slug="no-such-tenant")


@pytest.mark.django_db
def test_provider_admin_reaches_every_client(provider_admin, provider, client_a, client_b):
    slugs = [o.slug for o, _ in accessible_tenants(provider_admin)]
    assert slugs[0] == provider.slug
    assert set(slugs) == {provider.slug, "client-a", "client-b"}


@pytest.mark.django_db
def test_agent_reaches_only_clients_they_serve(provider, client_a, client_b):
    agent = UserFactory.create(username="agent")
    make_member(provider, agent, Role.AGENT)
    make_member(client_a, agent, Role.AGENT)
    assert {o.slug for o, _ in accessible_tenants(agent)} == {provider.slug, "client-a"}
    assert access_tenant(user=agent, slug="client-a").role == Role.AGENT


@pytest.mark.django_db
def test_client_roles_are_refused_in_the_provider(provider):
    user = UserFactory.create()
    with pytest.raises(DomainError) as err:
        services.add_member(organization=provider, user=user, role=Role.CLIENT_USER)
    assert "role" in err.value.fields


@pytest.mark.django_db
def test_token_cannot_widen_role(provider, client_a):
    user = UserFactory.create()
    make_member(client_a, user, Role.CLIENT_USER)
    with pytest.raises(DomainError):
        services.issue_api_token(user=user, tenant=client_a, role=Role.CLIENT_ADMIN, name="x")


@pytest.mark.django_db
def test_creation_hooks_run_in_the_creating_transaction(provider, monkeypatch):
    from backoffice.tenancy import hooks

    seen = []
    monkeypatch.setattr(hooks, "_on_created", [lambda **kw: seen.append(kw["organization"].slug)])
    services.create_organization(slug="hooked", name="Hooked", kind="client", provider=provider)
    assert seen == ["hooked"]
