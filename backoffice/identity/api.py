"""API: the caller's own signed-in sessions (list, sign one out) and their second factors.

Sessions belong to a person, not to a tenant: whatever tenant the token or X-Tenant names,
these endpoints show and end only the caller's own sessions (another person's id is 404)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from backoffice.api.pagination import Page
from backoffice.identity import services
from backoffice.identity.models import UserSession
from backoffice.identity.selectors import access_session_by_id, factors_of, sessions_of
from backoffice.identity.services.sessions import key_hash
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["identity"])


class SessionOut(Schema):
    id: int
    user_agent: str
    ip_address: str | None
    method: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class FactorsOut(Schema):
    authenticator_app: bool
    passkeys: int
    recovery_codes_left: int


def _access(request: HttpRequest) -> TenantAccess:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _current_hash(request: HttpRequest) -> str:
    """The calling browser's own session (none when the call comes with a token)."""
    if _access(request).token_id is not None:
        return ""
    return key_hash(request.session.session_key or "") if request.session.session_key else ""


def _out(row: UserSession, current: str) -> dict:
    return {
        "id": row.pk,
        "user_agent": row.user_agent,
        "ip_address": row.ip_address,
        "method": row.method,
        "created_at": row.created_at,
        "last_seen_at": row.last_seen_at,
        "current": bool(current) and row.key_hash == current,
    }


@router.get("/sessions", response=list[SessionOut])
@paginate(Page)
def list_sessions(request: HttpRequest) -> list[dict]:
    """The caller's signed-in sessions, most recently active first."""
    current = _current_hash(request)
    return [_out(r, current) for r in sessions_of(_access(request).user)]


@router.delete("/sessions/{session_id}", response=SessionOut)
def revoke_session(request: HttpRequest, session_id: int) -> dict:
    """Sign one of the caller's sessions out (it notices at its next request)."""
    user = _access(request).user
    row = access_session_by_id(user, session_id)
    services.end_session(user=user, session=row)
    return _out(row, _current_hash(request))


@router.get("/factors", response=FactorsOut)
def my_factors(request: HttpRequest) -> dict:
    f = factors_of(_access(request).user)
    return {
        "authenticator_app": f.totp,
        "passkeys": f.passkeys,
        "recovery_codes_left": f.recovery_codes_left,
    }
