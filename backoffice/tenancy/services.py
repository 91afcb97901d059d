"""Changes to organizations, memberships and API tokens. Each one is audited."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from zoneinfo import available_timezones

from babel import Locale
from babel.numbers import list_currencies
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy import events
from backoffice.tenancy.hooks import run_organization_created
from backoffice.tenancy.models import ApiToken, Membership, Organization, User
from backoffice.tenancy.roles import CLIENT_ROLES, PROVIDER_ROLES, Perm, Role, roles_within
from backoffice.tenancy.selectors import (
    TenantAccess,
    access_membership_by_username,
    access_tenant,
    tokens_of,
)

TOKEN_PREFIX = "bo"
# An organization's slug is the `/t/<slug>/` of its pages.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,48}[a-z0-9]")


def create_organization(
    *,
    slug: str,
    name: str,
    kind: str,
    provider: Organization | None = None,
    country: str = "US",
    timezone_name: str = "UTC",
    currency: str = "USD",
    actor: User | None = None,
) -> Organization:
    with transaction.atomic():
        org = Organization.objects.create(
            slug=slug,
            name=name,
            kind=kind,
            provider=provider,
            country=country,
            timezone=timezone_name,
            currency=currency,
        )
        events.record(tenant=org, actor=actor, event=events.organization_created_event(org))
        run_organization_created(organization=org, actor=actor)
    return org


def add_member(
    *, organization: Organization, user: User, role: str, actor: User | None = None
) -> Membership:
    allowed = PROVIDER_ROLES if organization.is_provider else PROVIDER_ROLES | CLIENT_ROLES
    if role not in allowed:
        raise DomainError(
            f"Role {role!r} is not available in a {organization.kind} organization.",
            fields={"role": ["not allowed here"]},
        )
    with transaction.atomic():
        membership, created = Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": role, "is_active": True}
        )
        event = events.membership_set_event(membership, username=user.username, created=created)
        events.record(tenant=organization, actor=actor, event=event)
    return membership


def grant_membership(*, access: TenantAccess, username: str, role: str) -> Membership:
    """A member manager adds an existing user to their organization, or changes their role.

    Nobody hands on more rights than they hold, and nobody changes their own membership.
    """
    access.require(Perm.MANAGE_MEMBERS)
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError("No active user has this username.", fields={"username": ["unknown"]})
    if user.pk == access.user.pk:
        raise DomainError("You cannot change your own membership.", fields={"username": ["you"]})
    if role not in roles_within(access.role):
        raise DomainError(
            "You cannot grant a role with more rights than your own.",
            fields={"role": ["exceeds your role"]},
        )
    current = Membership.objects.filter(organization=access.tenant, user=user).first()
    if current and current.role not in roles_within(access.role):
        raise DomainError(
            "This member holds more rights than you; ask someone with a wider role.",
            fields={"username": ["outranks you"]},
        )
    return add_member(organization=access.tenant, user=user, role=role, actor=access.user)


def revoke_membership(*, access: TenantAccess, username: str) -> Membership:
    """Deactivate a member; nobody removes themselves or someone who outranks them."""
    with transaction.atomic():
        membership = access_membership_by_username(
            access, username, perm=Perm.MANAGE_MEMBERS, for_update=True
        )
        if membership.user_id == access.user.pk or membership.role not in roles_within(access.role):
            raise DomainError(
                "You cannot remove this member.", fields={"username": ["not allowed"]}, status=403
            )
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        event = events.membership_revoked_event(membership, username=username)
        events.record(tenant=access.tenant, actor=access.user, event=event)
    return membership


def issue_api_token(
    *,
    user: User,
    tenant: Organization,
    role: str,
    name: str,
    days: int | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Make a token; returns it with the full secret, which is never stored or shown again."""
    access = access_tenant(user=user, slug=tenant.slug)
    if role not in roles_within(access.role):
        raise DomainError(
            "A token cannot carry more rights than your own role in this organization.",
            fields={"role": ["exceeds your role"]},
        )
    days = days or settings.BACKOFFICE["API_TOKEN_DEFAULT_DAYS"]
    if not 1 <= days <= 366:
        raise DomainError("Token lifetime must be 1–366 days.", fields={"days": ["1–366"]})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    full = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            tenant=tenant,
            role=role,
            name=name or "API token",
            prefix=prefix,
            digest=ApiToken.digest_of(full),
            expires_at=timezone.now() + timedelta(days=days),
        )
        events.record(
            tenant=tenant, actor=actor or user, event=events.api_token_issued_event(token)
        )
    return token, full


def revoke_api_token(*, token_id: int, tenant: Organization, actor: User) -> ApiToken:
    """Revoke one of the actor's own tokens in the tenant; revoking twice changes nothing."""
    with transaction.atomic():
        token = tokens_of(actor, tenant).select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            events.record(tenant=tenant, actor=actor, event=events.api_token_revoked_event(token))
    return token


def _client_errors(
    *, slug: str, name: str, country: str, timezone_name: str, currency: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not SLUG.fullmatch(slug):
        errors["slug"] = ["2 to 50 lower-case letters, digits and dashes, such as acme-insurance"]
    elif Organization.objects.filter(slug=slug).exists():
        errors["slug"] = ["already used by another organization"]
    if not name:
        errors["name"] = ["required"]
    elif len(name) > 200:
        errors["name"] = ["at most 200 characters"]
    if not (len(country) == 2 and country in Locale("en").territories):
        errors["country"] = ["a two-letter country code, such as US or DE"]
    if timezone_name not in available_timezones():
        errors["timezone"] = ["a time zone such as America/New_York or Europe/Berlin"]
    if currency not in list_currencies():
        errors["currency"] = ["a three-letter currency code, such as USD or EUR"]
    return errors


def create_client(
    *,
    access: TenantAccess,
    slug: str,
    name: str,
    country: str,
    timezone_name: str,
    currency: str,
) -> Organization:
    """A provider admin opens an account for a new client of their provider organization."""
    access.require(Perm.MANAGE_TENANT)
    if not access.tenant.is_provider:
        raise DomainError(
            "Clients are opened from the provider's organization.", fields={"slug": ["here"]}
        )
    slug, name = slug.strip().lower(), name.strip()
    country, currency = country.strip().upper(), currency.strip().upper()
    timezone_name = timezone_name.strip()
    errors = _client_errors(
        slug=slug, name=name, country=country, timezone_name=timezone_name, currency=currency
    )
    if errors:
        raise DomainError("The client is not valid.", fields=errors)
    return create_organization(
        slug=slug,
        name=name,
        kind=Organization.Kind.CLIENT,
        provider=access.tenant,
        country=country,
        timezone_name=timezone_name,
        currency=currency,
        actor=access.user,
    )


def invite_member(
    *, access: TenantAccess, username: str, role: str, display_name: str = "", email: str = ""
) -> tuple[Membership, str | None]:
    """Add a person to the caller's organization with a role.

    An existing user is granted the role (`grant_membership`, with its rules). A new
    username makes a new user with a one-time password, returned once for the inviter to
    hand on, never stored in clear or shown again.
    """
    access.require(Perm.MANAGE_MEMBERS)
    username, email, display_name = username.strip(), email.strip(), display_name.strip()
    if User.objects.filter(username=username).exists():
        return grant_membership(access=access, username=username, role=role), None
    errors: dict[str, list[str]] = {}
    try:
        UnicodeUsernameValidator()(username)
        if not username or len(username) > 150:
            raise ValidationError("length")
    except ValidationError:
        errors["username"] = ["up to 150 letters, digits and @ . + - _"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["an email address such as name@example.com"]
    if len(display_name) > 200:
        errors["display_name"] = ["at most 200 characters"]
    if role not in roles_within(access.role):
        errors["role"] = ["a role no wider than your own"]
    if errors:
        raise DomainError("The new member is not valid.", fields=errors)
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        create_user(username=username, password=password, email=email, display_name=display_name)
        membership = grant_membership(access=access, username=username, role=role)
    return membership, password


def create_user(*, username: str, password: str, email: str = "", display_name: str = "") -> User:
    return User.objects.create_user(
        username=username, password=password, email=email, display_name=display_name
    )


__all__ = [
    "Role",
    "add_member",
    "create_client",
    "create_organization",
    "create_user",
    "invite_member",
    "issue_api_token",
    "revoke_api_token",
]
