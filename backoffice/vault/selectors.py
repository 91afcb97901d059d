"""Reads of the vault, for the provider's data-protection pages and API.

Only the provider's tenant sees keys: its own and each of its clients'. A job of another
provider's client, or a missing one, is the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault.master import load_master_keys
from backoffice.vault.models import DataKey, RotationJob


def require_key_manager(access: TenantAccess) -> None:
    access.require(Perm.MANAGE_KEYS)
    if not access.tenant.is_provider:
        raise Forbidden("Only the provider's administrators manage data keys.")


def organizations(access: TenantAccess) -> list[Organization]:
    """The provider and its clients, the provider first."""
    require_key_manager(access)
    clients = Organization.objects.filter(provider=access.tenant).order_by("name")
    return [access.tenant, *clients]


def tenant_ids(access: TenantAccess) -> list[int]:
    return [org.pk for org in organizations(access)]


def access_organization_by_id(access: TenantAccess, org_id: int) -> Organization:
    for org in organizations(access):
        if org.pk == org_id:
            return org
    raise NotFound("No such organization.")


@dataclass(frozen=True)
class KeyRow:
    """One organization's keys as the data-protection page lists them."""

    organization: Organization
    keys: list[DataKey]
    job: RotationJob | None
    master_current: bool

    @property
    def active(self) -> DataKey | None:
        return next((k for k in self.keys if k.state == DataKey.State.ACTIVE), None)

    @property
    def destroyed(self) -> bool:
        return bool(self.keys) and all(k.state == DataKey.State.DESTROYED for k in self.keys)


def key_rows(access: TenantAccess) -> list[KeyRow]:
    orgs = organizations(access)
    ids = [o.pk for o in orgs]
    keys: dict[int, list[DataKey]] = {}
    for key in DataKey.objects.for_tenants(ids).order_by("tenant_id", "-version"):
        keys.setdefault(key.tenant_id, []).append(key)
    jobs: dict[int, RotationJob] = {}
    for job in RotationJob.objects.for_tenants(ids).order_by("tenant_id", "-started_at", "-pk"):
        jobs.setdefault(job.tenant_id, job)
    current = load_master_keys().current_id
    return [
        KeyRow(
            organization=o,
            keys=keys.get(o.pk, []),
            job=jobs.get(o.pk),
            master_current=all(
                k.master_key_id == current
                for k in keys.get(o.pk, [])
                if k.state != DataKey.State.DESTROYED
            ),
        )
        for o in orgs
    ]


def jobs(access: TenantAccess) -> list[RotationJob]:
    return list(RotationJob.objects.for_tenants(tenant_ids(access)).select_related("tenant")[:50])


def access_job_by_id(access: TenantAccess, job_id: int) -> RotationJob:
    job = (
        RotationJob.objects.for_tenants(tenant_ids(access))
        .select_related("tenant", "started_by")
        .filter(pk=job_id)
        .first()
    )
    if job is None:
        raise NotFound("No such rotation.")
    return job
