"""Single sign-on per client organization over OpenID Connect (authorization code + PKCE).

    start(): discovery ─> authorization URL with state, nonce, PKCE (S256)   [kept in session]
    finish(): state checked (single use, 10 minutes) ─> code exchanged at the token endpoint
              ─> ID token verified (signature against the provider's JWKS, iss, aud, exp,
                 nonce) ─> email domain must be one of the organization's ─> the person
              (found by issuer + subject, or provisioned just in time with the default role)

Nothing is written until every check passed; a refusal is one plain `DomainError`. The
caller (views.sso) hands the person to `signin.begin(..., method="sso")`, so the two-step
policy applies as after a password.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from backoffice.core.errors import Conflict, DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.identity import crypto, events
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.models import SsoConnection, SsoDomain, SsoIdentity
from backoffice.identity.selectors import sso_connection_of
from backoffice.tenancy.models import Membership, Organization, User
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.services import add_member

STATE_SECONDS = 600
HTTP_TIMEOUT = 10.0
DISCOVERY_CACHE_SECONDS = 300
DEFAULT_ROLES = (Role.CLIENT_USER.value, Role.AUDITOR.value)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


# -- settings (the client admin) ---------------------------------------------------------------


@dataclass(frozen=True)
class SsoSettings:
    issuer: str
    client_id: str
    client_secret: str  # blank: keep the stored one
    domains: str  # as typed: separated by commas, spaces or lines
    default_role: str
    required: bool
    enabled: bool


def _issuer_problem(issuer: str) -> str:
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Enter the address of your identity provider, such as https://login.example.com."
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return "The identity provider's address must start with https://."
    if parts.query or parts.fragment:
        return "Enter the identity provider's address without ? or # parts."
    return ""


def parse_domains(text: str) -> tuple[list[str], list[str]]:
    """The domains typed (lower-case, without a leading @), and those that are not domains."""
    items = [d.strip().lstrip("@").lower() for d in re.split(r"[\s,;]+", text or "") if d.strip()]
    good = list(dict.fromkeys(d for d in items if _DOMAIN.match(d)))
    return good, [d for d in items if not _DOMAIN.match(d)]


def _validate(values: SsoSettings, *, has_secret: bool) -> dict[str, list[str]]:
    wrong: dict[str, list[str]] = {}
    if problem := _issuer_problem(values.issuer):
        wrong["issuer"] = [problem]
    if not values.client_id or len(values.client_id) > 200:
        wrong["client_id"] = ["Enter the client ID your identity provider gave you."]
    if not values.client_secret and not has_secret:
        wrong["client_secret"] = ["Enter the client secret your identity provider gave you."]
    if len(values.client_secret) > 2000:
        wrong["client_secret"] = ["That client secret is too long."]
    domains, bad = parse_domains(values.domains)
    if bad:
        wrong["domains"] = [f"These are not email domains: {', '.join(bad[:5])}."]
    elif not domains:
        wrong["domains"] = ["Enter at least one email domain, such as example.com."]
    elif len(domains) > 20:
        wrong["domains"] = ["Enter at most 20 email domains."]
    if values.default_role not in DEFAULT_ROLES:
        wrong["default_role"] = ["Choose Client user or Auditor."]
    return wrong


def _summary(row: SsoConnection, domains: list[str]) -> dict[str, Any]:
    return {
        "issuer": row.issuer,
        "client_id": row.client_id,
        "domains": ", ".join(domains),
        "default_role": row.default_role,
        "required": row.required,
        "enabled": row.enabled,
    }


def configure_sso(*, access: TenantAccess, values: SsoSettings) -> SsoConnection:
    """Save the client organization's identity provider (the secret encrypted, never shown)."""
    access.require(Perm.MANAGE_MEMBERS)
    tenant = access.tenant
    if tenant.is_provider:
        raise DomainError(
            "Single sign-on is set up by each client organization for its own users.",
            code=ErrorCode.INVALID_SSO_SETTINGS,
        )
    values = SsoSettings(
        issuer=values.issuer.strip().rstrip("/"),
        client_id=values.client_id.strip(),
        client_secret=values.client_secret.strip(),
        domains=values.domains,
        default_role=values.default_role,
        required=values.required,
        enabled=values.enabled,
    )
    with transaction.atomic():
        set_rls_tenants([tenant.pk])
        row = sso_connection_of(tenant, for_update=True)
        wrong = _validate(values, has_secret=bool(row and row.client_secret_encrypted))
        if wrong:
            raise DomainError(
                "Check the single sign-on settings.",
                code=ErrorCode.INVALID_SSO_SETTINGS,
                fields=wrong,
            )
        domains, _ = parse_domains(values.domains)
        before = _summary(row, list(row.domains.values_list("domain", flat=True))) if row else {}
        row = row or SsoConnection(tenant=tenant)
        row.issuer, row.client_id = values.issuer, values.client_id
        row.default_role, row.required, row.enabled = (
            values.default_role,
            values.required,
            values.enabled,
        )
        if values.client_secret:
            row.client_secret_encrypted = crypto.encrypt(values.client_secret)
        row.updated_by = access.user
        row.save()
        SsoDomain.objects.for_tenant(tenant).filter(connection=row).exclude(
            domain__in=domains
        ).delete()
        kept = set(SsoDomain.objects.for_tenant(tenant).values_list("domain", flat=True))
        for domain in domains:
            if domain in kept:
                continue
            try:
                with transaction.atomic():
                    SsoDomain.objects.create(tenant=tenant, connection=row, domain=domain)
            except IntegrityError as exc:
                raise Conflict(
                    f"The domain {domain} already signs in through another organization.",
                    code=ErrorCode.SSO_DOMAIN_TAKEN,
                    fields={"domains": [f"{domain} is used by another organization."]},
                ) from exc
        after = _summary(row, domains)
        if before != after or values.client_secret:
            events.record(
                tenant_id=tenant.pk,
                actor=access.user,
                event=events.sso_configured(
                    row, before, {**after, "secret_changed": bool(values.client_secret)}
                ),
            )
    return row


# -- the provider's documents -------------------------------------------------------------------


def _unavailable() -> DomainError:
    return DomainError(
        "Your organization's sign-in service did not answer. Try again in a few minutes, or "
        "ask your administrator.",
        code=ErrorCode.SSO_PROVIDER_UNAVAILABLE,
        status=502,
    )


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise _unavailable() from exc
    if not isinstance(data, dict):
        raise _unavailable()
    return data


def discovery(issuer: str) -> dict[str, Any]:
    """The provider's OpenID configuration (cached for five minutes); its issuer must match."""
    key = f"identity:oidc:{issuer}"
    doc = cache.get(key)
    if doc is None:
        doc = _get_json(f"{issuer}/.well-known/openid-configuration")
        if str(doc.get("issuer", "")).rstrip("/") != issuer or not all(
            doc.get(k) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        ):
            raise _unavailable()
        cache.set(key, doc, DISCOVERY_CACHE_SECONDS)
    return dict(doc)


# -- signing in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    url: str
    state: dict[str, Any]  # what the session keeps until the callback


def start(*, connection: SsoConnection, redirect_uri: str, next_url: str = "") -> Start:
    if not connection.enabled:
        raise DomainError(
            "Single sign-on is switched off for your organization. Sign in with your password.",
            code=ErrorCode.SSO_NOT_CONFIGURED,
        )
    doc = discovery(connection.issuer)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    query = {
        "response_type": "code",
        "client_id": connection.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    sep = "&" if "?" in doc["authorization_endpoint"] else "?"
    return Start(
        url=f"{doc['authorization_endpoint']}{sep}{urlencode(query)}",
        state={
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "tenant": connection.tenant_id,
            "redirect_uri": redirect_uri,
            "next": next_url,
            "at": time.time(),
        },
    )


def _expired() -> DomainError:
    return DomainError(
        "Your single sign-on took too long, or was started in another browser tab. Start again.",
        code=ErrorCode.SSO_STATE_EXPIRED,
    )


def _refused() -> DomainError:
    return DomainError(
        "Your organization's sign-in service did not confirm who you are. Start again, or ask "
        "your administrator.",
        code=ErrorCode.SSO_REFUSED,
    )


def check_state(saved: Any, params: dict[str, str]) -> dict[str, Any]:
    """The sign-in this browser started, if the answer belongs to it and is recent."""
    if not isinstance(saved, dict) or not params.get("state"):
        raise _expired()
    if not secrets.compare_digest(str(saved.get("state", "")), params["state"]):
        raise _expired()
    if time.time() - float(saved.get("at", 0)) > STATE_SECONDS:
        raise _expired()
    if params.get("error"):
        raise DomainError(
            "Sign-in was cancelled at your organization's sign-in page. Start again.",
            code=ErrorCode.SSO_REFUSED,
        )
    if not params.get("code"):
        raise _refused()
    return saved


def _exchange(connection: SsoConnection, doc: dict[str, Any], saved: dict[str, Any], code: str):
    secret = crypto.decrypt(connection.client_secret_encrypted)
    try:
        response = httpx.post(
            doc["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": saved["redirect_uri"],
                "code_verifier": saved["verifier"],
            },
            auth=(connection.client_id, secret),
            timeout=HTTP_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise _unavailable() from exc
    if response.status_code != 200:
        raise _refused()
    try:
        tokens = response.json()
    except ValueError as exc:
        raise _refused() from exc
    if not isinstance(tokens, dict) or not tokens.get("id_token"):
        raise _refused()
    return tokens


def verify_id_token(
    id_token: str, *, jwks: dict[str, Any], issuer: str, client_id: str, nonce: str
) -> dict[str, Any]:
    """The ID token's claims, once its signature, issuer, audience, expiry and nonce check."""
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256"])
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise _refused() from exc
    return dict(token.claims)


def _email_of(claims: dict[str, Any], tokens: dict[str, Any], doc: dict[str, Any]) -> str:
    email = claims.get("email")
    if not email and doc.get("userinfo_endpoint") and tokens.get("access_token"):
        try:
            info = httpx.get(
                doc["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
                timeout=HTTP_TIMEOUT,
            ).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise _unavailable() from exc
        if isinstance(info, dict) and info.get("sub") == claims["sub"]:
            email = info.get("email")
    if claims.get("email_verified") is False or not isinstance(email, str) or "@" not in email:
        raise DomainError(
            "Your organization's sign-in service did not give a confirmed email address. Ask "
            "your administrator.",
            code=ErrorCode.SSO_REFUSED,
        )
    return email.strip().lower()


def finish(*, saved: dict[str, Any], params: dict[str, str]) -> User:
    """The person the provider vouched for, provisioned at their first sign-in."""
    saved = check_state(saved, params)
    tenant = Organization.objects.filter(pk=int(saved["tenant"]), is_active=True).first()
    if tenant is None:
        raise _expired()
    with transaction.atomic():
        set_rls_tenants([tenant.pk])
        connection = sso_connection_of(tenant)
    if connection is None or not connection.enabled:
        raise DomainError(
            "Single sign-on is switched off for your organization.",
            code=ErrorCode.SSO_NOT_CONFIGURED,
        )
    doc = discovery(connection.issuer)
    tokens = _exchange(connection, doc, saved, params["code"])
    claims = verify_id_token(
        str(tokens["id_token"]),
        jwks=_get_json(doc["jwks_uri"]),
        issuer=connection.issuer,
        client_id=connection.client_id,
        nonce=saved["nonce"],
    )
    email = _email_of(claims, tokens, doc)
    return _person(connection, tenant, subject=str(claims["sub"]), email=email, claims=claims)


def _wrong_organization(email: str, tenant: Organization) -> DomainError:
    return DomainError(
        f"You signed in at your identity provider as {email}, which is not an account of "
        f"{tenant.name}. Sign in with your {tenant.name} account, or use your own "
        "organization's sign-in.",
        code=ErrorCode.SSO_WRONG_ORGANIZATION,
        status=403,
    )


def _person(
    connection: SsoConnection,
    tenant: Organization,
    *,
    subject: str,
    email: str,
    claims: dict[str, Any],
) -> User:
    domain = email.rsplit("@", 1)[1]
    with transaction.atomic():
        set_rls_tenants([tenant.pk])
        if not SsoDomain.objects.for_tenant(tenant).filter(domain=domain).exists():
            raise _wrong_organization(email, tenant)
        link = (
            SsoIdentity.objects.for_tenant(tenant)
            .select_for_update()
            .filter(issuer=connection.issuer, subject=subject)
            .select_related("user")
            .first()
        )
        if link is not None:
            user = link.user
            if not user.is_active or not _member_here(user, tenant):
                raise DomainError(
                    f"Your account at {tenant.name} is switched off. Ask your administrator.",
                    code=ErrorCode.SSO_REFUSED,
                    status=403,
                )
            link.last_signed_in_at = timezone.now()
            link.save(update_fields=["last_signed_in_at"])
            return user
        user = _provision(connection, tenant, email=email, claims=claims)
        try:
            with transaction.atomic():
                SsoIdentity.objects.create(
                    tenant=tenant,
                    user=user,
                    issuer=connection.issuer,
                    subject=subject,
                    last_signed_in_at=timezone.now(),
                )
        except IntegrityError as exc:  # the same subject is already someone of another client
            raise _wrong_organization(email, tenant) from exc
    return user


def _member_here(user: User, tenant: Organization) -> bool:
    return Membership.objects.filter(user=user, organization=tenant, is_active=True).exists()


def _provision(
    connection: SsoConnection, tenant: Organization, *, email: str, claims: dict[str, Any]
) -> User:
    """An existing account is linked only if it is this client's own user and nobody
    else's; otherwise a new account with the organization's default role."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        orgs = set(
            Membership.objects.filter(user=existing, is_active=True).values_list(
                "organization_id", flat=True
            )
        )
        if orgs != {tenant.pk} or not existing.is_active:
            raise Conflict(
                f"An account with the address {email} already exists and is not one of "
                f"{tenant.name}'s own users. Ask your administrator.",
                code=ErrorCode.SSO_ACCOUNT_CONFLICT,
            )
        return existing
    username = email[:150]
    if User.objects.filter(username=username).exists():
        username = f"{email[:140]}-{secrets.token_hex(4)}"
    name = str(claims.get("name") or "").strip()[:200]
    user = User(username=username, email=email, display_name=name)
    user.set_unusable_password()
    user.save()
    add_member(organization=tenant, user=user, role=connection.default_role)
    events.record(
        tenant_id=tenant.pk,
        actor=user,
        event=events.sso_user_provisioned(user, connection.issuer, connection.default_role),
    )
    return user
