"""What every billing page shares: the caller, URLs, the RLS tenants a page reads under,
and the one way a service's refusal comes back to a page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.paginator import Paginator
from django.urls import reverse

from backoffice.billing.services import billing_tenant_ids
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

Errors = dict[str, list[str]]


def caller(request: Any) -> TenantAccess:
    """The signed-in user's access to the page's tenant (`tenant_view` put it there)."""
    return request.access  # type: ignore[no-any-return]


def url(access: TenantAccess, name: str, **kwargs: Any) -> str:
    return reverse(f"billing:{name}", kwargs={"tenant": access.tenant.slug, **kwargs})


def read_tenants(access: TenantAccess) -> Iterable[int]:
    """The provider's pages read its clients' work log (drill-down, metering); a client's
    pages read their own rows only."""
    return billing_tenant_ids(access.tenant)


def can_manage(access: TenantAccess) -> bool:
    """Billing is changed by the provider's finance people, never from a client's tenant."""
    return access.tenant.is_provider and access.can(Perm.MANAGE_BILLING)


def page(request: Any, items: Any, size: int = 50) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def field_errors(fields: dict[str, Any]) -> Errors:
    return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in fields.items()}
