"""Whose set-up a person may change, and fetch-and-authorise for the set-up pages.

Acting in the provider's tenant, a provider admin or operations manager sets up the
provider's catalogue and queues and the engagements and calendars of every client they
may manage the catalogue in. Acting in a client's tenant, only that client's. Another
tenant's id and a missing one are the same 404.
"""

from __future__ import annotations

from backoffice.core.errors import NotFound
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm, role_has
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work.models import BusinessCalendar, Engagement, Queue, ServiceType


def setup_clients(access: TenantAccess) -> list[Organization]:
    """The clients whose engagements and calendars the caller sets up here, by name."""
    if not access.tenant.is_provider:
        return [access.tenant] if access.can(Perm.MANAGE_CATALOG) else []
    return sorted(
        (
            org
            for org, role in accessible_tenants(access.user)
            if not org.is_provider
            and org.provider_id == access.tenant.pk
            and role_has(role, Perm.MANAGE_CATALOG)
        ),
        key=lambda org: org.name,
    )


def provider_id(access: TenantAccess) -> int:
    tenant = access.tenant
    return tenant.pk if tenant.is_provider else int(tenant.provider_id or 0)


def setup_tenant_ids(access: TenantAccess) -> list[int]:
    """What row-level security is set to on a set-up page: the provider and the clients."""
    return sorted({access.tenant.pk, provider_id(access), *(c.pk for c in setup_clients(access))})


def require_provider(access: TenantAccess, what: str) -> Organization:
    """The catalogue and the queues are the provider's: in a client's tenant there are none."""
    if not access.tenant.is_provider:
        raise NotFound(f"No {what} here: they are set up in the provider's organization.")
    return access.tenant


def _pk(value: int | str) -> int:
    text = str(value)
    return int(text) if text.isdigit() and int(text) < 2**63 else 0


def client_by_id(access: TenantAccess, client_id: int | str) -> Organization:
    for client in setup_clients(access):
        if client.pk == _pk(client_id):
            return client
    raise NotFound("No such client.")


def setup_service_types(access: TenantAccess) -> list[ServiceType]:
    return list(ServiceType.objects.for_tenant(provider_id(access)).order_by("name"))


def access_service_type_for_setup(access: TenantAccess, service_type_id: int | str) -> ServiceType:
    provider = require_provider(access, "service types")
    found = ServiceType.objects.for_tenant(provider).filter(pk=_pk(service_type_id)).first()
    if found is None:
        raise NotFound("No such service type.")
    return found


def setup_calendars(access: TenantAccess) -> list[BusinessCalendar]:
    ids = [c.pk for c in setup_clients(access)]
    return list(
        BusinessCalendar.objects.for_tenants(ids)
        .select_related("tenant")
        .order_by("tenant__name", "name")
    )


def access_calendar_for_setup(access: TenantAccess, calendar_id: int | str) -> BusinessCalendar:
    ids = [c.pk for c in setup_clients(access)]
    found = (
        BusinessCalendar.objects.for_tenants(ids)
        .select_related("tenant")
        .filter(pk=_pk(calendar_id))
        .first()
    )
    if found is None:
        raise NotFound("No such calendar.")
    return found


def setup_engagements(access: TenantAccess) -> list[Engagement]:
    ids = [c.pk for c in setup_clients(access)]
    return list(
        Engagement.objects.for_tenants(ids)
        .select_related("tenant", "calendar")
        .order_by("tenant__name", "name")
    )


def access_engagement_for_setup(access: TenantAccess, engagement_id: int | str) -> Engagement:
    ids = [c.pk for c in setup_clients(access)]
    found = (
        Engagement.objects.for_tenants(ids)
        .select_related("tenant", "calendar")
        .filter(pk=_pk(engagement_id))
        .first()
    )
    if found is None:
        raise NotFound("No such engagement.")
    return found


def setup_queues(access: TenantAccess) -> list[Queue]:
    provider = require_provider(access, "queues")
    return list(
        Queue.objects.for_tenant(provider)
        .select_related("engagement", "engagement__tenant", "service_type")
        .order_by("name")
    )


def access_queue_for_setup(access: TenantAccess, queue_id: int | str) -> Queue:
    provider = require_provider(access, "queues")
    found = (
        Queue.objects.for_tenant(provider)
        .select_related("engagement", "service_type", "tenant")
        .filter(pk=_pk(queue_id))
        .first()
    )
    if found is None:
        raise NotFound("No such queue.")
    return found
