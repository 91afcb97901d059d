"""Privacy API of a client's account: retention rules (with their preview), legal holds,
data-subject requests and their decision, offboarding with its progress and certificate.

Rules, holds and offboarding need `privacy.manage` (the provider's admin); any holder of
`privacy.view` logs a data-subject request; only the client's admin (`privacy.request`)
decides one and sees whom it is about. Creates take an Idempotency-Key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from backoffice.api.idempotency import run_idempotent
from backoffice.core.rls import set_rls_tenants
from backoffice.privacy import offboarding as offboard
from backoffice.privacy import selectors, services
from backoffice.privacy.certificate import certificate
from backoffice.privacy.models import LegalHold, Offboarding, SubjectRequest
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

router = Router(tags=["privacy"])


def _access(request: HttpRequest, perm: str = Perm.VIEW_PRIVACY) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    selectors.client_of(access, perm)
    return access


class RuleIn(Schema):
    engagement_id: int = Field(..., ge=1, le=2**63 - 1)
    days: int = Field(..., description="Days after an item is finished (1 to 36500)")
    action: str = Field("delete", description="delete or anonymise")


class RuleOut(Schema):
    id: int
    engagement_id: int
    days: int
    action: str
    due: int
    held: int
    erasable: int


class HoldIn(Schema):
    scope: str = Field(..., description="client, engagement or batch")
    engagement_id: int | None = Field(None, ge=1, le=2**63 - 1)
    batch_id: int | None = Field(None, ge=1, le=2**63 - 1)
    reason: str = Field("", max_length=500)


class HoldOut(Schema):
    id: int
    scope: str
    engagement_id: int | None
    batch_id: int | None
    reason: str
    placed_at: datetime
    released_at: datetime | None


class RequestIn(Schema):
    kind: str = Field(..., description="access or erasure")
    engagement_id: int = Field(..., ge=1, le=2**63 - 1)
    field: str = Field(..., max_length=100, description="The item field naming the person")
    value: str = Field(..., max_length=300, description="Its value")
    note: str = Field("", max_length=500)


class DecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


class RequestOut(Schema):
    id: int
    kind: str
    engagement_id: int
    field: str
    subject_value: str | None = Field(None, description="Shown to the client's admin only")
    status: str
    decision_reason: str
    items_matched: int
    requested_at: datetime
    decided_at: datetime | None


class OffboardIn(Schema):
    confirm: str = Field("", description="The organization's name, typed to confirm")


class OffboardingOut(Schema):
    id: int
    status: str
    stage: str
    done: int
    total: int
    percent: int
    archive_sha256: str
    started_at: datetime
    finished_at: datetime | None


def _rule(p: services.RulePreview) -> dict[str, Any]:
    r = p.rule
    return {
        "id": r.pk,
        "engagement_id": r.engagement_id,
        "days": r.days,
        "action": r.action,
        "due": p.due,
        "held": p.held,
        "erasable": p.erasable,
    }


def _hold(h: LegalHold) -> dict[str, Any]:
    return {
        "id": h.pk,
        "scope": h.scope,
        "engagement_id": h.engagement_id,
        "batch_id": h.batch_id,
        "reason": h.reason,
        "placed_at": h.placed_at,
        "released_at": h.released_at,
    }


def _request(access: TenantAccess, r: SubjectRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "engagement_id": r.engagement_id,
        "field": r.field,
        "subject_value": r.subject_value if selectors.can_see_subjects(access) else None,
        "status": r.status,
        "decision_reason": r.decision_reason,
        "items_matched": r.items_matched,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
    }


def _job(j: Offboarding) -> dict[str, Any]:
    return {
        "id": j.pk,
        "status": j.status,
        "stage": j.stage,
        "done": j.done,
        "total": j.total,
        "percent": j.percent,
        "archive_sha256": j.archive_sha256,
        "started_at": j.started_at,
        "finished_at": j.finished_at,
    }


@router.get("/retention-rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> list[dict]:
    """Each rule with what it would erase now (`due`, of which `held` stay)."""
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return [_rule(services.preview_rule(r)) for r in selectors.rules(access)]


@router.post("/retention-rules", response={201: RuleOut})
def set_rule(request: HttpRequest, payload: RuleIn) -> Status:
    """Create or change the engagement's rule (one per engagement)."""
    access = _access(request, Perm.MANAGE_PRIVACY)

    def run() -> tuple[int, dict]:
        with transaction.atomic():
            set_rls_tenants([access.tenant.pk])
            eng = selectors.access_engagement_by_id(access, payload.engagement_id)
        rule = services.set_retention_rule(
            engagement=eng, actor=access.user, days=payload.days, action=payload.action
        )
        with transaction.atomic():
            set_rls_tenants([access.tenant.pk])
            return 201, _rule(services.preview_rule(rule))

    return run_idempotent(request, run)


@router.get("/legal-holds", response=list[HoldOut])
def list_holds(request: HttpRequest) -> list[dict]:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return [_hold(h) for h in selectors.holds(access)]


@router.post("/legal-holds", response={201: HoldOut})
def place_hold(request: HttpRequest, payload: HoldIn) -> Status:
    """Hold the whole client, an engagement or a batch: nothing it covers is erased."""
    access = _access(request, Perm.MANAGE_PRIVACY)

    def run() -> tuple[int, dict]:
        with transaction.atomic():
            set_rls_tenants([access.tenant.pk])
            eng = bat = None
            if payload.scope == "engagement" and payload.engagement_id:
                eng = selectors.access_engagement_by_id(access, payload.engagement_id)
            if payload.scope == "batch" and payload.batch_id:
                bat = selectors.access_batch_by_id(access, payload.batch_id)
        hold = services.place_hold(
            tenant_id=access.tenant.pk,
            actor=access.user,
            scope=payload.scope,
            engagement=eng,
            batch=bat,
            reason=payload.reason,
        )
        return 201, _hold(hold)

    return run_idempotent(request, run)


@router.post("/legal-holds/{hold_id}/release", response=HoldOut)
def release_hold(request: HttpRequest, hold_id: int) -> dict:
    access = _access(request, Perm.MANAGE_PRIVACY)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        hold = selectors.access_hold_by_id(access, hold_id, perm=Perm.MANAGE_PRIVACY)
    return _hold(services.release_hold(hold=hold, actor=access.user))


@router.get("/requests", response=list[RequestOut])
def list_requests(request: HttpRequest) -> list[dict]:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return [_request(access, r) for r in selectors.requests(access)]


@router.get("/requests/{request_id}", response=RequestOut)
def get_request(request: HttpRequest, request_id: int) -> dict:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return _request(access, selectors.access_request_by_id(access, request_id))


@router.post("/requests", response={201: RequestOut})
def receive_request(request: HttpRequest, payload: RequestIn) -> Status:
    """Log a data subject's request; the client's admin decides it."""
    access = _access(request)

    def run() -> tuple[int, dict]:
        with transaction.atomic():
            set_rls_tenants([access.tenant.pk])
            eng = selectors.access_engagement_by_id(access, payload.engagement_id)
        req = services.receive_request(
            engagement=eng,
            actor=access.user,
            kind=payload.kind,
            field=payload.field,
            value=payload.value,
            note=payload.note,
        )
        return 201, _request(access, req)

    return run_idempotent(request, run)


@router.post("/requests/{request_id}/decision", response=RequestOut)
def decide_request(request: HttpRequest, request_id: int, payload: DecisionIn) -> dict:
    """The client admin's decision. An erasure under a legal hold is refused (409,
    `legal_hold_active`) and nothing is written."""
    access = _access(request, Perm.REQUEST_PRIVACY)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        req = selectors.access_request_by_id(access, request_id, perm=Perm.REQUEST_PRIVACY)
    req = services.decide_request(
        req=req, actor=access.user, approve=payload.approve, reason=payload.reason
    )
    return _request(access, req)


@router.post("/offboardings", response={201: OffboardingOut})
def start_offboarding(request: HttpRequest, payload: OffboardIn) -> Status:
    """Export everything the client owns, then erase it (in the background)."""
    access = _access(request, Perm.MANAGE_PRIVACY)

    def run() -> tuple[int, dict]:
        job = offboard.start_offboarding(
            org=access.tenant, actor=access.user, confirm=payload.confirm
        )
        return 201, _job(job)

    return run_idempotent(request, run)


@router.get("/offboardings/{job_id}", response=OffboardingOut)
def get_offboarding(request: HttpRequest, job_id: int) -> dict:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return _job(selectors.access_offboarding_by_id(access, job_id))


@router.get("/offboardings/{job_id}/certificate", response=dict[str, Any])
def get_certificate(request: HttpRequest, job_id: int) -> dict:
    """The certificate of destruction (its `status` says whether the job is finished)."""
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        return certificate(selectors.access_offboarding_by_id(access, job_id))
