"""Shared helpers of the set-up pages: the transaction, links, breadcrumbs, form pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from backoffice.tenancy.access import tenant_transaction
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.setup.access import setup_tenant_ids

# A set-up page reads and writes the provider's rows and those of the clients it serves,
# in one transaction: a refused change leaves nothing behind.
setup_pages = tenant_transaction(tenants=setup_tenant_ids)


def page_access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def setup_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(
        f"work_setup:{name}", kwargs={"tenant": page_access(request).tenant.slug, **kwargs}
    )


def crumbs(request: HttpRequest, *trail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    """Setup, then the topic, then the page: (label, url) pairs; the last has no link."""
    return [("Setup", setup_url(request, "index")), *trail]


def form_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, failed: bool
) -> HttpResponse:
    """A form page; a refused post answers 400 with what was typed and the reasons."""
    return render(request, template, context, status=400 if failed else 200)
