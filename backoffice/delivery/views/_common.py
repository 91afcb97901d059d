"""What the delivery pages share."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from backoffice.core.errors import DomainError
from backoffice.delivery import selectors
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

Errors = dict[str, list[str]]


def caller(request: Any) -> TenantAccess:
    return request.access  # type: ignore[no-any-return]


def url(access: TenantAccess, name: str, **kwargs: Any) -> str:
    return reverse(f"delivery:{name}", kwargs={"tenant": access.tenant.slug, **kwargs})


def read_tenants(access: TenantAccess) -> set[int]:
    return selectors.read_tenant_ids(access)


def can_manage(access: TenantAccess) -> bool:
    return access.can(Perm.MANAGE_DELIVERY) and not access.tenant.is_provider


def errors_of(exc: DomainError) -> Errors:
    """A refusal as messages per field; one without fields lands on the form."""
    out: Errors = {
        k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.fields.items()
    }
    if not out:
        out["form"] = [exc.message]
    return out
