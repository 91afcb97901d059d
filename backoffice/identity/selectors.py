"""Reads: a person's factors and sessions (always their own), and the policy that binds them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from backoffice.core.errors import NotFound
from backoffice.core.rls import set_rls_bypass, set_rls_tenants
from backoffice.identity.models import (
    AccessReview,
    AccessReviewLine,
    MfaPolicy,
    Passkey,
    Requirement,
    SsoConnection,
    SsoDomain,
    SsoIdentity,
    TotpDevice,
    UserSession,
)
from backoffice.tenancy.models import Membership, Organization, User
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


@dataclass(frozen=True)
class Factors:
    totp: bool
    passkeys: int
    recovery_codes_left: int

    @property
    def any(self) -> bool:
        return self.totp or self.passkeys > 0


def factors_of(user: User) -> Factors:
    return Factors(
        totp=TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists(),
        passkeys=Passkey.objects.filter(user=user).count(),
        recovery_codes_left=user.recovery_codes.filter(used_at__isnull=True).count(),
    )


def has_second_factor(user: User) -> bool:
    return (
        TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(user=user).exists()
    )


def _memberships(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .select_related("organization")
        .order_by("organization_id")
    )


def home_tenant_id(user: User) -> int | None:
    """Whose audit chain records this person's own security events: the provider for its
    staff, else their first organization (None for a person in no organization)."""
    memberships = _memberships(user)
    for m in memberships:
        if m.organization.kind == Organization.Kind.PROVIDER:
            return m.organization_id
    return memberships[0].organization_id if memberships else None


def default_policy() -> dict[str, str]:
    """What an organization without a policy row gets: staff per the setting
    (required in production), an organization's own users optional."""
    return {
        "staff": getattr(settings, "MFA_STAFF_DEFAULT", Requirement.OPTIONAL),
        "members": Requirement.OPTIONAL,
    }


def policy_of(tenant: Organization) -> dict[str, str]:
    row = MfaPolicy.objects.for_tenant(tenant).first()
    if row is None:
        return default_policy()
    return {"staff": row.staff, "members": row.members}


def mfa_required(user: User) -> bool:
    """Whether any organization the person belongs to requires a second factor of them.

    Provider staff (members of the provider) are bound by the provider's staff rule and by
    the staff rule of every client they serve; a client's own users by their client's
    member rule. Reads the policies with the row-level-security tenants set to the
    person's organizations (call it inside a transaction on PostgreSQL)."""
    memberships = _memberships(user)
    if not memberships:
        return False
    set_rls_tenants([m.organization_id for m in memberships])
    staff = any(m.organization.kind == Organization.Kind.PROVIDER for m in memberships)
    rows = {
        p.tenant_id: p
        for p in MfaPolicy.objects.for_tenants([m.organization_id for m in memberships])
    }
    default = default_policy()
    for m in memberships:
        row = rows.get(m.organization_id)
        rule = (
            (row.staff if row else default["staff"])
            if staff
            else (row.members if row else default["members"])
        )
        if rule == Requirement.REQUIRED:
            return True
    return False


def sessions_of(user: User) -> QuerySet[UserSession]:
    """The person's signed-in browsers, most recently seen first."""
    return UserSession.objects.filter(user=user, ended_at__isnull=True).order_by("-last_seen_at")


def access_session_by_id(user: User, session_id: int) -> UserSession:
    """One of the person's own open sessions; another person's and a missing one look the same."""
    row = sessions_of(user).filter(pk=session_id).first()
    if row is None:
        raise NotFound("No such session.")
    return row


def access_passkey_by_id(user: User, passkey_id: int) -> Passkey:
    row = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if row is None:
        raise NotFound("No such passkey.")
    return row


def sso_connection_of(tenant: Organization, *, for_update: bool = False) -> SsoConnection | None:
    """The organization's identity provider settings (set the RLS tenant first)."""
    rows = SsoConnection.objects.for_tenant(tenant)
    if for_update:
        rows = rows.select_for_update()
    return rows.first()


def sso_connection_for_email(email: str) -> SsoConnection | None:
    """Before anyone is signed in: which organization's provider an address signs in with.
    Reads the domain table across organizations on purpose (call inside a transaction)."""
    domain = (email or "").strip().lower().rsplit("@", 1)[-1]
    if not domain:
        return None
    set_rls_bypass()
    row = (
        SsoDomain.objects.unscoped("sign-in: an email domain names its organization")
        .filter(domain=domain, connection__enabled=True, tenant__is_active=True)
        .select_related("connection", "connection__tenant")
        .first()
    )
    return row.connection if row else None


def sso_required_of(user: User) -> Organization | None:
    """The client organization whose policy says its users sign in only through its identity
    provider, if this person is one of them (provider staff are never bound by it)."""
    memberships = _memberships(user)
    if not memberships or any(
        m.organization.kind == Organization.Kind.PROVIDER for m in memberships
    ):
        return None
    set_rls_tenants([m.organization_id for m in memberships])
    row = (
        SsoConnection.objects.for_tenants([m.organization_id for m in memberships])
        .filter(required=True, enabled=True)
        .select_related("tenant")
        .first()
    )
    return row.tenant if row else None


def staff_memberships_of(client: Organization) -> list[Membership]:
    """The provider staff holding an active membership of this client: whose access a
    review certifies (a member who also belongs to the client's provider)."""
    if client.provider_id is None:
        return []
    staff_ids = Membership.objects.filter(
        organization_id=client.provider_id, is_active=True
    ).values_list("user_id", flat=True)
    return list(
        Membership.objects.filter(organization=client, is_active=True, user_id__in=staff_ids)
        .select_related("user")
        .order_by("user__username")
    )


def access_reviews(access: TenantAccess) -> QuerySet[AccessReview]:
    """The organization's reviews, newest first (set the RLS tenant first)."""
    access.require(Perm.REVIEW_ACCESS)
    return AccessReview.objects.for_tenant(access.tenant).order_by("-created_at")


def access_review_by_id(
    access: TenantAccess, review_id: int, *, for_update: bool = False
) -> AccessReview:
    """One review of the caller's organization; another's and a missing one are the same 404."""
    access.require(Perm.REVIEW_ACCESS)
    set_rls_tenants([access.tenant.pk])
    rows = AccessReview.objects.for_tenant(access.tenant).filter(pk=review_id)
    row = (rows.select_for_update() if for_update else rows).first()
    if row is None:
        raise NotFound("No such access review.")
    return row


def review_lines(review: AccessReview) -> QuerySet[AccessReviewLine]:
    return (
        AccessReviewLine.objects.for_tenant(review.tenant_id)
        .filter(review=review)
        .select_related("user", "decided_by")
        .order_by("user__username")
    )


def sso_organization_of(user: User) -> Organization | None:
    """The organization through whose identity provider this person signs in, if any
    (call inside a transaction on PostgreSQL: it sets the RLS tenants)."""
    ids = [m.organization_id for m in _memberships(user)]
    if not ids:
        return None
    set_rls_tenants(ids)
    link = SsoIdentity.objects.for_tenants(ids).filter(user=user).select_related("tenant").first()
    return link.tenant if link else None
