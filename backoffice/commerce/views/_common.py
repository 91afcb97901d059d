"""Helpers every commerce page uses: the caller, URLs, amounts for export, pagination."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from backoffice.core.errors import DomainError
from backoffice.core.forms import flash_domain_error
from backoffice.ledger.money import format_minor
from backoffice.tenancy.roles import Perm
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


def submitted(
    request: HttpRequest,
    save: Callable[[HttpRequest], object],
    *,
    done: str,
    then: str,
    bad_number: str = "",
) -> HttpResponse | None:
    """A list page's form, posted: `save(request)` in a transaction, then `done` and a
    redirect to the page `then`; a refusal is shown on the page (None: render it again).
    `bad_number` prefixes the message of a number the form could not read (else that is an
    error)."""
    caller(request).require(Perm.MANAGE_COMMERCE)
    try:
        with transaction.atomic():
            save(request)
    except ValueError as exc:
        if not bad_number:
            raise
        messages.error(request, f"{bad_number}: {exc}")
        return None
    except DomainError as exc:
        flash_domain_error(request, exc)
        return None
    messages.success(request, done)
    return redirect(url(request, then))
