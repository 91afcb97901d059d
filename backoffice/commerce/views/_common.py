"""Helpers every commerce page uses: the caller, URLs, amounts for export, pagination."""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse

from backoffice.ledger.money import format_minor
from backoffice.tenancy.selectors import TenantAccess


def caller(request: HttpRequest) -> TenantAccess:
    """The signed-in user's access to the page's tenant (`tenant_view` put it there)."""
    return request.access  # type: ignore[attr-defined,no-any-return]


def url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"commerce:{name}", kwargs={"tenant": caller(request).tenant.slug, **kwargs})


def major(amount: int, currency: str) -> str:
    """An amount in major units without thousands separators (for CSV and spreadsheets)."""
    return format_minor(amount, currency).replace(",", "")


def page(request: HttpRequest, items: Any, size: int = 50) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))
