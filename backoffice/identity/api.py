"""API: the caller's own signed-in sessions (list, sign one out) and their second factors;
the access reviews of the caller's organization (start, read, decide).

Sessions belong to a person, not to a tenant: whatever tenant the token or X-Tenant names,
these endpoints show and end only the caller's own sessions (another person's id is 404)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.core.rls import set_rls_tenants
from backoffice.identity import services
from backoffice.identity.models import AccessReview, AccessReviewLine, UserSession
from backoffice.identity.selectors import (
    access_review_by_id,
    access_reviews,
    access_session_by_id,
    factors_of,
    review_lines,
    sessions_of,
)
from backoffice.identity.services import reviews
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


class ReviewLineOut(Schema):
    id: int
    username: str
    role: str
    decision: str
    decided_at: datetime | None


class ReviewOut(Schema):
    id: int
    deadline: datetime
    status: str
    created_at: datetime
    closed_at: datetime | None
    lines: list[ReviewLineOut] | None = None


class ReviewIn(Schema):
    deadline: datetime


class DecisionIn(Schema):
    decision: str


def _line_out(line: AccessReviewLine) -> dict:
    return {
        "id": line.pk,
        "username": line.user.username,
        "role": line.role,
        "decision": line.decision,
        "decided_at": line.decided_at,
    }


def _review_out(review: AccessReview, *, lines: bool = False) -> dict:
    return {
        "id": review.pk,
        "deadline": review.deadline,
        "status": review.status,
        "created_at": review.created_at,
        "closed_at": review.closed_at,
        "lines": [_line_out(x) for x in review_lines(review)] if lines else None,
    }


@router.get("/access-reviews", response=list[ReviewOut])
@paginate(Page)
def list_reviews(request: HttpRequest) -> list[dict]:
    """The organization's access reviews, newest first (without their lines)."""
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return [_review_out(r) for r in access_reviews(access)]


@router.post("/access-reviews", response={201: ReviewOut})
def start_review(request: HttpRequest, payload: ReviewIn):  # type: ignore[no-untyped-def]
    """Start a review of the provider staff who reach this client (provider admin)."""
    access = _access(request)

    def run() -> tuple[int, dict]:
        review = reviews.start_review(access=access, deadline=payload.deadline)
        set_rls_tenants([access.tenant.pk])
        return 201, _review_out(review, lines=True)

    return run_idempotent(request, run)


@router.get("/access-reviews/{review_id}", response=ReviewOut)
def get_review(request: HttpRequest, review_id: int) -> dict:
    access = _access(request)
    with transaction.atomic():
        return _review_out(access_review_by_id(access, review_id), lines=True)


@router.post("/access-reviews/{review_id}/lines/{line_id}/decision", response=ReviewLineOut)
def decide(request: HttpRequest, review_id: int, line_id: int, payload: DecisionIn) -> dict:
    """Certify or revoke one person's access (the client's own admin); `certified` or
    `revoked`. Revoked access ends at once."""
    line = reviews.decide(
        access=_access(request), review_id=review_id, line_id=line_id, decision=payload.decision
    )
    return _line_out(line)
