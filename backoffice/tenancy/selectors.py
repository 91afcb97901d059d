"""Who may act where. Every page and endpoint resolves its tenant through `access_tenant`;
members and API tokens are fetched through the `access_*` functions below, which check the
caller's permission and the tenant together, for the pages and the API alike."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.models import ApiToken, Membership, Organization, User
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm, Role, roles_within

# Provider roles that reach every client of their provider without a membership there.
PROVIDER_WIDE_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class TenantAccess:
    """The acting user, the tenant they act in and the role they act with; `token_id` names
    the API token the access came through (None for the browser session and pages)."""

    user: User
    tenant: Organization
    role: str
    token_id: int | None = None

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in Role.values else self.role

    @cached_property
    def membership(self) -> Membership | None:
        """The caller's own active membership of a client tenant, which carries the grants a
        client admin set for them (None in the provider's tenant or without a membership)."""
        if self.tenant.is_provider or self.user.pk is None:
            return None
        return (
            Membership.objects.filter(organization=self.tenant, user=self.user, is_active=True)
            .select_related("organization")
            .first()
        )

    @property
    def permissions(self) -> frozenset[str]:
        """The role's permissions less what the member's grants withhold (grants only narrow)."""
        perms = ROLE_PERMISSIONS.get(self.role, frozenset())
        member = self.membership
        return perms - member.withheld_permissions() if member is not None else perms

    def can(self, perm: str) -> bool:
        return perm in self.permissions

    def require(self, perm: str) -> None:
        if not self.can(perm):
            raise Forbidden(f"Your role ({self.role}) may not do this ({perm}).")


def accessible_tenants(user: User) -> list[tuple[Organization, str]]:
    """Every tenant the user may act in, with the role, provider first then by name."""
    if not user.is_authenticated or not user.is_active:
        return []
    found: dict[int, tuple[Organization, str]] = {}
    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__is_active=True
    ).select_related("organization")
    for m in memberships:
        found[m.organization_id] = (m.organization, m.role)
    for m in memberships:
        if m.organization.is_provider and m.role in PROVIDER_WIDE_ROLES:
            for client in Organization.objects.filter(provider=m.organization, is_active=True):
                found.setdefault(client.pk, (client, m.role))
    return sorted(found.values(), key=lambda pair: (not pair[0].is_provider, pair[0].name))


def listed_tenants(access: TenantAccess) -> list[tuple[Organization, str]]:
    """The tenants the caller may see listed: an API token is scoped to its one tenant (with
    its own role); the browser session lists every tenant its user may act in."""
    if access.token_id is not None:
        return [(access.tenant, access.role)]
    return accessible_tenants(access.user)


def access_tenant(*, user: User, slug: str) -> TenantAccess:
    """The user's access to the tenant named by `slug`; unknown and foreign look the same."""
    for org, role in accessible_tenants(user):
        if org.slug == slug:
            return TenantAccess(user=user, tenant=org, role=role)
    raise NotFound("No such organization.")


def members_of(tenant: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=tenant)
        .select_related("user")
        .order_by("user__username")
    )


# --- members and tokens, fetched and authorised together --------------------------------
#
# The permission first (403), then the lookup within the caller's tenant: a missing one
# and another tenant's are the same 404.


def access_members(
    access: TenantAccess, *, q: str = "", perm: str = Perm.VIEW_DASHBOARD
) -> QuerySet[Membership]:
    """The tenant's memberships by username; `q` matches username or display name."""
    access.require(perm)
    rows = members_of(access.tenant)
    if q:
        rows = rows.filter(user__username__icontains=q) | rows.filter(
            user__display_name__icontains=q
        )
    return rows


def grantable_roles(access: TenantAccess) -> list[tuple[str, str]]:
    """The roles (value, label) the caller may hand on: none wider than their own."""
    mine = roles_within(access.role)
    return [(role, label) for role, label in Role.choices if role in mine]


def access_membership_by_username(
    access: TenantAccess,
    username: str,
    *,
    perm: str = Perm.MANAGE_MEMBERS,
    for_update: bool = False,
) -> Membership:
    access.require(perm)
    rows = Membership.objects.filter(organization=access.tenant, user__username=username)
    membership = (rows.select_for_update() if for_update else rows).first()
    if membership is None:
        raise NotFound("No such member.")
    return membership


def tokens_of(user: User, tenant: Organization) -> QuerySet[ApiToken]:
    """A person's own API tokens in one tenant: nobody sees or revokes another's."""
    return ApiToken.objects.filter(user=user, tenant=tenant)


def access_api_tokens(access: TenantAccess, *, perm: str | None = None) -> QuerySet[ApiToken]:
    """The caller's tokens in this tenant, newest first. Seeing and revoking one's own
    tokens needs no permission (the API allows it); pages pass the one they require."""
    if perm is not None:
        access.require(perm)
    return tokens_of(access.user, access.tenant).order_by("-created_at")


def access_api_token_by_id(
    access: TenantAccess, token_id: int, *, perm: str | None = None
) -> ApiToken:
    if perm is not None:
        access.require(perm)
    token = tokens_of(access.user, access.tenant).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token
