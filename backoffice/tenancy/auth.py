"""API authentication: a personal token (Bearer) or the browser session plus X-Tenant.

Both resolve to a `TenantAccess` (user, tenant, role) that every endpoint receives as
`request.auth`, and both set the PostgreSQL row-level-security tenant for the request.
"""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from backoffice.core.errors import NotFound
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.models import ApiToken
from backoffice.tenancy.roles import roles_within
from backoffice.tenancy.selectors import TenantAccess, access_tenant


def _activate(request: HttpRequest, access: TenantAccess) -> TenantAccess:
    request.tenant = access.tenant  # type: ignore[attr-defined]
    set_rls_tenants([access.tenant.pk])
    return access


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> TenantAccess | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "bo":
            raise AuthenticationError(401, "Malformed API token.")
        row = ApiToken.objects.select_related("user", "tenant").filter(prefix=parts[1]).first()
        if row is None or row.digest != ApiToken.digest_of(token):
            raise AuthenticationError(401, "Unknown API token.")
        now = timezone.now()
        if row.revoked_at is not None:
            raise AuthenticationError(401, "This API token was revoked.")
        if row.expires_at <= now:
            raise AuthenticationError(401, "This API token has expired.")
        if not row.user.is_active:
            raise AuthenticationError(401, "The token's user is deactivated.")
        asked = request.headers.get("X-Tenant")
        if asked and asked != row.tenant.slug:
            raise HttpError(
                403, f"This token is scoped to tenant '{row.tenant.slug}', not '{asked}'."
            )
        try:
            membership = access_tenant(user=row.user, slug=row.tenant.slug)
        except NotFound as exc:
            raise AuthenticationError(
                401, "The token's user no longer belongs to its tenant."
            ) from exc
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        # The token's role narrows, never widens, what the user may do.
        role = row.role if row.role in roles_within(membership.role) else membership.role
        request.user = row.user
        access = TenantAccess(user=row.user, tenant=row.tenant, role=role, token_id=row.pk)
        return _activate(request, access)


class SessionTenantAuth(APIKeyCookie):
    """The signed-in browser session; the tenant comes from the X-Tenant header. CSRF applies."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        slug = request.headers.get("X-Tenant")
        if not slug:
            raise HttpError(400, "Send the X-Tenant header to name the organization.")
        return _activate(request, access_tenant(user=user, slug=slug))  # type: ignore[arg-type]


api_auth = [TokenAuth(), SessionTenantAuth()]
