"""API: who am I, my tenants, my API tokens, the tenant's members. Thin: members and tokens
come through the `selectors.access_*` functions the pages use too."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.tenancy import services
from backoffice.tenancy.models import ApiToken, Membership
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import (
    TenantAccess,
    access_api_token_by_id,
    access_api_tokens,
    access_members,
    listed_tenants,
)

router = Router(tags=["tenancy"])


class TenantOut(Schema):
    slug: str
    name: str
    kind: str
    role: str


class MeOut(Schema):
    username: str
    display_name: str
    tenant: TenantOut
    permissions: list[str]


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    role: str | None = None
    days: int | None = Field(None, ge=1, le=366)


class TokenOut(Schema):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The full secret. Shown once, never stored.")


class MemberOut(Schema):
    username: str
    display_name: str
    role: str
    is_active: bool


def _access(request: HttpRequest) -> TenantAccess:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _member_out(m: Membership) -> dict:
    return {
        "username": m.user.username,
        "display_name": m.user.display_name,
        "role": m.role,
        "is_active": m.is_active,
    }


def _token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "role": token.role,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict:
    a = _access(request)
    return {
        "username": a.user.username,
        "display_name": a.user.display_name,
        "tenant": {
            "slug": a.tenant.slug,
            "name": a.tenant.name,
            "kind": a.tenant.kind,
            "role": a.role,
        },
        "permissions": sorted(a.permissions),
    }


@router.get("/tenants", response=list[TenantOut])
def my_tenants(request: HttpRequest) -> list[dict]:
    """A token's own tenant; with the browser session, every tenant of the user."""
    return [
        {"slug": o.slug, "name": o.name, "kind": o.kind, "role": role}
        for o, role in listed_tenants(_access(request))
    ]


@router.get("/members", response=list[MemberOut])
@paginate(Page)
def list_members(request: HttpRequest) -> list[dict]:
    return [_member_out(m) for m in access_members(_access(request))]


class MemberIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    role: str


@router.post("/members", response={201: MemberOut})
def grant_member(request: HttpRequest, payload: MemberIn) -> Status[Any]:
    a = _access(request)

    def grant() -> tuple[int, dict]:
        m = services.grant_membership(access=a, username=payload.username, role=payload.role)
        return 201, _member_out(m)

    return run_idempotent(request, grant)


@router.delete("/members/{username}", response=MemberOut)
def revoke_member(request: HttpRequest, username: str) -> dict:
    return _member_out(services.revoke_membership(access=_access(request), username=username))


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> list[dict]:
    return [_token_out(t) for t in access_api_tokens(_access(request))]


@router.post("/tokens", response={201: TokenCreatedOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    a = _access(request)
    a.require(Perm.MANAGE_TOKENS)

    def create() -> tuple[int, dict]:
        token, secret = services.issue_api_token(
            user=a.user,
            tenant=a.tenant,
            role=payload.role or a.role,
            name=payload.name,
            days=payload.days,
        )
        return 201, {**_token_out(token), "token": secret}

    return run_idempotent(request, create)


@router.delete("/tokens/{token_id}", response=TokenOut)
def revoke_token(request: HttpRequest, token_id: int) -> dict:
    a = _access(request)
    token = access_api_token_by_id(a, token_id)
    return _token_out(services.revoke_api_token(token_id=token.pk, tenant=a.tenant, actor=a.user))
