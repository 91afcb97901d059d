"""What every work endpoint shares: the caller, the scope of one request, one page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors
from backoffice.work.api.render import item_out


def access_of(request: HttpRequest) -> TenantAccess:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def show_work_tenants(access: TenantAccess) -> None:
    """Let RLS show the caller's tenant and the clients whose work they see (in a transaction)."""
    set_rls_tenants(selectors.visible_tenant_ids(access))


@contextmanager
def scope(request: HttpRequest, perm: str) -> Iterator[TenantAccess]:
    """Check `perm`, open a transaction and let RLS show the tenants the caller may see."""
    access = access_of(request)
    access.require(perm)
    with transaction.atomic():
        show_work_tenants(access)
        yield access


def item_page(qs: Any, page: int, page_size: int) -> dict[str, Any]:
    """One page of items; a page past the end is empty (never an offset the database
    cannot hold: page numbers are unbounded)."""
    count = qs.count()
    start = (page - 1) * page_size
    now = timezone.now()
    rows = qs[start : start + page_size] if start < count else []
    return {
        "items": [item_out(i, now) for i in rows],
        "count": count,
        "page": page,
        "pages": max(1, -(-count // page_size)),
    }
