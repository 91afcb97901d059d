"""Reads of project requests and quotes, scoped to who asks.

- A client's users (acting in the client's tenant, with `portal.request` or
  `portal.accept`) see their organization's requests and the quotes sent to it, never a
  quote still in draft.
- The provider's staff (acting in the provider's tenant, with `portal.quote`) see the
  requests of the clients they serve (their memberships there, or every client for the
  provider-wide roles), never a client's unsent draft.

`access_<thing>_by_id` fetch and authorise together: another client's id is the same 404
as a missing one. Pages and the API call the same functions.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from backoffice.core.errors import Forbidden, NotFound
from backoffice.portal.projects.models import (
    ProjectRequest,
    Quote,
    QuoteLine,
    RequestSample,
    StandardRate,
)
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, accessible_tenants
from backoffice.work.models import Engagement, ServiceType

CLIENT_PERMS = (Perm.REQUEST_PROJECTS, Perm.ACCEPT_QUOTES)


def today_in(zone: str) -> date:
    """Today's date where `zone` is (a quote's validity and a deadline are such dates)."""
    try:
        tz = ZoneInfo(zone or "UTC")
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return timezone.now().astimezone(tz).date()


def provider_of(tenant: Organization) -> int:
    return tenant.pk if tenant.is_provider else int(tenant.provider_id or 0)


def served_client_ids(access: TenantAccess) -> list[int]:
    """The clients whose requests the caller may quote (their memberships with the right,
    or every client of the provider for the provider-wide roles)."""
    return [
        org.pk
        for org, role in accessible_tenants(access.user)
        if not org.is_provider
        and org.provider_id == access.tenant.pk
        and Perm.PREPARE_QUOTES in ROLE_PERMISSIONS.get(role, frozenset())
    ]


def is_client_side(access: TenantAccess) -> bool:
    return not access.tenant.is_provider


def require_reader(access: TenantAccess) -> None:
    if is_client_side(access):
        if not any(access.can(p) for p in CLIENT_PERMS):
            raise Forbidden("Your role may not see project requests.")
    else:
        access.require(Perm.PREPARE_QUOTES)


def require_provider_staff(access: TenantAccess) -> None:
    """Quotes and standard rates are the provider's: prepared from the provider's tenant."""
    if is_client_side(access):
        raise Forbidden("Quotes are prepared by the provider.")
    access.require(Perm.PREPARE_QUOTES)


def visible_tenant_ids(access: TenantAccess) -> list[int]:
    """The tenants row-level security must show for the caller's reads and writes here."""
    if is_client_side(access):
        return [access.tenant.pk, provider_of(access.tenant)]
    return [access.tenant.pk, *served_client_ids(access)]


def requests(
    access: TenantAccess, *, status: str = "", client_id: int | None = None, q: str = ""
) -> QuerySet[ProjectRequest]:
    require_reader(access)
    rows = ProjectRequest.objects.for_tenant(provider_of(access.tenant))
    if is_client_side(access):
        rows = rows.filter(client_id=access.tenant.pk)
    else:
        rows = rows.filter(client_id__in=served_client_ids(access)).exclude(
            status=ProjectRequest.Status.DRAFT
        )
    if status:
        rows = rows.filter(status=status)
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    if q.strip():
        rows = rows.filter(Q(title__icontains=q.strip()) | Q(description__icontains=q.strip()))
    return rows.select_related("client", "service_type", "engagement", "created_by").order_by(
        "-created_at", "-id"
    )


def access_request_by_id(
    access: TenantAccess, request_id: int, *, for_update: bool = False
) -> ProjectRequest:
    rows = requests(access)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=request_id).first()
    if found is None:
        raise NotFound("No such project request.")
    return found


def quotes(access: TenantAccess, request: ProjectRequest) -> QuerySet[Quote]:
    """A request's quotes; the client never sees one still being prepared."""
    rows = Quote.objects.for_tenant(request.tenant_id).filter(request=request)
    if is_client_side(access):
        rows = rows.exclude(status=Quote.Status.DRAFT)
    return rows.order_by("-number")


def access_quote_by_id(access: TenantAccess, quote_id: int, *, for_update: bool = False) -> Quote:
    require_reader(access)
    rows = Quote.objects.for_tenant(provider_of(access.tenant))
    if is_client_side(access):
        rows = rows.filter(client_id=access.tenant.pk).exclude(status=Quote.Status.DRAFT)
    else:
        rows = rows.filter(client_id__in=served_client_ids(access))
    if for_update:
        rows = rows.select_for_update()
    found = rows.filter(pk=quote_id).first()
    if found is None:
        raise NotFound("No such quote.")
    return found


def lines(quote: Quote) -> list[QuoteLine]:
    return list(QuoteLine.objects.for_tenant(quote.tenant_id).filter(quote=quote))


def is_expired(quote: Quote) -> bool:
    return quote.valid_until < today_in(quote.client.timezone)


def catalogue(access: TenantAccess) -> QuerySet[ServiceType]:
    """The provider's active service types a client may ask for."""
    return ServiceType.objects.for_tenant(provider_of(access.tenant)).filter(is_active=True)


def client_engagements(access: TenantAccess) -> QuerySet[Engagement]:
    """The client's running engagements a change request may be about."""
    return Engagement.objects.for_tenant(access.tenant).filter(is_active=True).order_by("name")


def standard_rates(provider_id: int, service_type_id: int | None = None) -> QuerySet[StandardRate]:
    rows = StandardRate.objects.for_tenant(provider_id).select_related("service_type")
    if service_type_id is not None:
        rows = rows.filter(service_type_id=service_type_id)
    return rows.order_by("service_type__name", "id")


def served_clients(access: TenantAccess) -> list[Organization]:
    ids = served_client_ids(access)
    return list(Organization.objects.filter(pk__in=ids).order_by("name"))


def samples(req: ProjectRequest) -> QuerySet[RequestSample]:
    """The samples of a request the caller already holds (through `access_request_by_id`)."""
    return RequestSample.objects.for_tenant(req.tenant_id).filter(request=req).order_by("id")


def access_sample_by_id(access: TenantAccess, req: ProjectRequest, sample_id: int) -> RequestSample:
    found = samples(req).filter(pk=sample_id).first()
    if found is None:
        raise NotFound("No such sample.")
    return found
