"""Vault API: data keys per organization, their rotation, and crypto-shredding.

For the provider's administrators only (`Perm.MANAGE_KEYS` in the provider's tenant). A
key is shown by its version and state, never its bytes. Starting a rotation takes an
Idempotency-Key. Reveals of confidential values go through the API of the app that holds
them (`POST /api/v1/work/items/{id}/reveal`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from backoffice.api.idempotency import run_idempotent
from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import selectors, services
from backoffice.vault.error_codes import ErrorCode
from backoffice.vault.models import RotationJob

router = Router(tags=["vault"])


def _manager(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    selectors.require_key_manager(access)
    return access


class KeyOut(Schema):
    version: int
    state: str
    master_key_id: str
    created_at: datetime
    retired_at: datetime | None
    destroyed_at: datetime | None


class OrganizationKeysOut(Schema):
    organization_id: int
    organization: str
    active_version: int | None
    destroyed: bool
    keys: list[KeyOut]
    last_rotation_id: int | None


class RotationOut(Schema):
    id: int
    organization_id: int
    from_version: int
    to_version: int
    status: str
    done: int
    total: int
    percent: int
    started_at: datetime
    finished_at: datetime | None


class RotationIn(Schema):
    organization_id: int = Field(..., ge=1, le=2**63 - 1)


class DestroyIn(Schema):
    reason: str = Field("", max_length=500, description="Why (kept in the audit trail)")
    confirm: str = Field("", description="The organization's name, typed to confirm")


class DestroyOut(Schema):
    organization_id: int
    destroyed_versions: list[int]


def _rotation_out(job: RotationJob) -> dict:
    return {
        "id": job.pk,
        "organization_id": job.tenant_id,
        "from_version": job.from_version,
        "to_version": job.to_version,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@router.get("/keys", response=list[OrganizationKeysOut])
def list_keys(request: HttpRequest) -> list[dict]:
    """Every organization of the provider with its data key versions."""
    access = _manager(request)
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        rows = selectors.key_rows(access)
    return [
        {
            "organization_id": r.organization.pk,
            "organization": r.organization.name,
            "active_version": r.active.version if r.active else None,
            "destroyed": r.destroyed,
            "keys": r.keys,
            "last_rotation_id": r.job.pk if r.job else None,
        }
        for r in rows
    ]


@router.post("/rotations", response={201: RotationOut})
def start_rotation(request: HttpRequest, payload: RotationIn) -> Status:
    """A new data key version for the organization; its values are re-sealed in the
    background (follow `GET /rotations/{id}`). 409 while another rotation runs."""
    access = _manager(request)

    def run() -> tuple[int, dict]:
        with transaction.atomic():
            set_rls_tenants(selectors.tenant_ids(access))
            org = selectors.access_organization_by_id(access, payload.organization_id)
        job = services.start_rotation(tenant_id=org.pk, actor=access.user)
        return 201, _rotation_out(job)

    return run_idempotent(request, run)


@router.get("/rotations/{job_id}", response=RotationOut)
def get_rotation(request: HttpRequest, job_id: int) -> dict:
    access = _manager(request)
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        return _rotation_out(selectors.access_job_by_id(access, job_id))


@router.post("/organizations/{org_id}/destroy-keys", response=DestroyOut)
def destroy_keys(request: HttpRequest, org_id: int, payload: DestroyIn) -> dict:
    """Crypto-shredding: every confidential value of the organization becomes
    unrecoverable. Needs a reason and the organization's name in `confirm`."""
    access = _manager(request)
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        org = selectors.access_organization_by_id(access, org_id)
    if payload.confirm.strip() != org.name:
        raise DomainError(
            f"Type the organization's name, {org.name}, in confirm.",
            code=ErrorCode.CONFIRMATION_REQUIRED,
            fields={"confirm": ["Type the organization's name to confirm."]},
        )
    versions = services.destroy_keys(tenant_id=org.pk, actor=access.user, reason=payload.reason)
    return {"organization_id": org.pk, "destroyed_versions": versions}
