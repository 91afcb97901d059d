import pytest

from backoffice.core.errors import DomainError, Forbidden, NotFound
from backoffice.tenancy import services
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import (
    TenantAccess,
    access_api_token_by_id,
    access_api_tokens,
    access_members,
    access_membership_by_username,
    access_tenant,
    accessible_tenants,
    grantable_roles,
)
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


# --- access_* selectors: members and tokens, checked and fetched together ---------------


def _as(tenant, user, role=Role.CLIENT_ADMIN):
    return TenantAccess(user=user, tenant=tenant, role=role)


@pytest.mark.django_db
def test_foreign_and_missing_members_are_the_same_not_found(client_a, user_a, user_b):
    access = _as(client_a, user_a)
    with pytest.raises(NotFound) as foreign:
        access_membership_by_username(access, user_b.username)
    with pytest.raises(NotFound) as missing:
        access_membership_by_username(access, "ghost")
    assert foreign.value.message == missing.value.message
    assert access_membership_by_username(access, "alice").user == user_a
    viewer = _as(client_a, user_a, Role.CLIENT_USER)
    with pytest.raises(Forbidden):
        access_membership_by_username(viewer, "ghost")


@pytest.mark.django_db
def test_members_filter_by_name(client_a, user_a):
    make_member(client_a, UserFactory.create(username="zed", display_name="Zed Ayo"), Role.AUDITOR)
    access = _as(client_a, user_a)
    assert [m.user.username for m in access_members(access)] == ["alice", "zed"]
    assert [m.user.username for m in access_members(access, q="ayo")] == ["zed"]


@pytest.mark.django_db
def test_a_token_is_only_its_owners_in_its_tenant(client_a, client_b, user_a, user_b):
    # given: alice's token in A, a colleague's token in A, bob's token in B
    colleague = UserFactory.create(username="carol")
    make_member(client_a, colleague, Role.CLIENT_ADMIN)
    own, _ = services.issue_api_token(user=user_a, tenant=client_a, role=Role.CLIENT_USER, name="a")
    theirs, _ = services.issue_api_token(
        user=colleague, tenant=client_a, role=Role.CLIENT_USER, name="c"
    )
    foreign, _ = services.issue_api_token(
        user=user_b, tenant=client_b, role=Role.CLIENT_USER, name="b"
    )
    access = _as(client_a, user_a)
    # then
    assert access_api_token_by_id(access, own.pk) == own
    assert list(access_api_tokens(access)) == [own]
    messages = set()
    for token_id in (theirs.pk, foreign.pk, 10**9):
        with pytest.raises(NotFound) as exc:
            access_api_token_by_id(access, token_id)
        messages.add(exc.value.message)
    assert messages == {"No such token."}
    client_user = _as(client_a, user_a, Role.CLIENT_USER)
    with pytest.raises(Forbidden):
        access_api_token_by_id(client_user, own.pk, perm=Perm.MANAGE_TOKENS)


def test_grantable_roles_are_within_ones_own():
    assert [r for r, _ in grantable_roles(_as(None, None))] == [
        Role.CLIENT_ADMIN,
        Role.CLIENT_USER,
        Role.AUDITOR,
    ]
    assert grantable_roles(_as(None, None, Role.CLIENT_USER)) == [(Role.CLIENT_USER, "Client user")]
