"""Shared helpers of the work pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from backoffice.core.errors import DomainError
from backoffice.tenancy.access import tenant_transaction
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors

# Work pages read across every client tenant the caller serves.
work_pages = tenant_transaction(tenants=selectors.visible_tenant_ids)


def page_access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def work_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"work:{name}", kwargs={"tenant": page_access(request).tenant.slug, **kwargs})


def id_or_none(value: str | None) -> int | None:
    """A filter's id from the query string; anything else (or beyond 64 bits) is no filter."""
    if value and value.isdigit() and int(value) < 2**63:
        return int(value)
    return None


def show_error(request: HttpRequest, exc: DomainError) -> None:
    detail = ""
    if exc.fields:
        parts = []
        for name, msgs in exc.fields.items():
            if name == "rows":
                continue
            parts.append(f"{name}: {'; '.join(map(str, msgs))}")
        detail = " — " + " · ".join(parts) if parts else ""
    messages.error(request, exc.message + detail)
