"""Set-up pages: tax rates, posting rules and document series.

Each form posts to its own page; a refusal renders the page again with the messages beside
the fields and what was typed kept (status 400), and nothing is written (the page is one
transaction). The pages call the services the API calls.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.commerce import posting, services
from backoffice.commerce.models import DocKind, DocumentCounter, TaxRate
from backoffice.commerce.services.documents import SERIES, series_prefix
from backoffice.commerce.services.setup import (
    MONEY_SERIES,
    set_next_number,
    set_series_prefix,
    update_tax_rate,
)
from backoffice.commerce.views._common import caller, url
from backoffice.core.errors import DomainError
from backoffice.ledger import selectors as ledger_selectors
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm

TAX_FIELDS = ("code", "name", "rate", "sales_account", "purchase_account")


def _refused(exc: DomainError, fallback: str) -> dict[str, list[str]]:
    """The refusal's messages by form field; one without a field goes under `fallback`."""
    return dict(exc.fields) or {fallback: [exc.message]}


def _accounts(request: HttpRequest) -> list[Any]:
    return list(ledger_selectors.accounts(caller(request).tenant).filter(is_active=True))


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], errors: dict[str, Any]
) -> HttpResponse:
    if errors:
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(
        request,
        f"commerce/setup/{template}",
        {"errors": errors, "accounts": _accounts(request), **context},
        status=400 if errors else 200,
    )


# --- tax rates -------------------------------------------------------------------------------


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def taxes(request: HttpRequest) -> HttpResponse:
    """The tenant's tax rates and a form for a new one."""
    a = caller(request)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in TAX_FIELDS}
        try:
            with transaction.atomic():
                tax = services.create_tax_rate(tenant=a.tenant, actor=a.user, **values)
            messages.success(request, f"Tax rate {tax.code} created.")
            return redirect(url(request, "setup_taxes"))
        except DomainError as exc:
            errors = _refused(exc, "code")
    return _render(
        request,
        "taxes.html",
        {"taxes": TaxRate.objects.for_tenant(a.tenant).order_by("code"), "values": values},
        errors,
    )


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def tax_edit(request: HttpRequest, tax_id: int) -> HttpResponse:
    a = caller(request)
    tax = TaxRate.objects.for_tenant(a.tenant).filter(pk=tax_id).first()
    if tax is None:  # another tenant's rate looks the same as none
        raise Http404("No such tax rate.")
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "name": tax.name,
        "rate": f"{tax.rate.normalize():f}",
        "sales_account": tax.sales_account,
        "purchase_account": tax.purchase_account,
        "is_active": tax.is_active,
    }
    if request.method == "POST":
        p = request.POST
        values = {k: p.get(k, "").strip() for k in TAX_FIELDS if k != "code"}
        values["is_active"] = "is_active" in p
        try:
            with transaction.atomic():
                update_tax_rate(tenant=a.tenant, actor=a.user, tax_id=tax.pk, **values)
            messages.success(request, f"Tax rate {tax.code} saved.")
            return redirect(url(request, "setup_taxes"))
        except DomainError as exc:
            errors = _refused(exc, "rate")
    return _render(request, "tax_edit.html", {"tax": tax, "values": values}, errors)


# --- posting rules ---------------------------------------------------------------------------


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def posting_rules(request: HttpRequest) -> HttpResponse:
    """Which ledger account each kind of posting goes to; one form for all the rules."""
    a = caller(request)
    current = posting.rules(a.tenant)
    chosen = dict(current)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = {k: request.POST.get(f"rule-{k}", "").strip() or v for k, v in current.items()}
        changed = [k for k in posting.DEFAULT_ACCOUNTS if chosen[k] != current[k]]
        try:
            with transaction.atomic():
                for key in changed:
                    try:
                        services.set_posting_account(
                            tenant=a.tenant, actor=a.user, key=key, account_code=chosen[key]
                        )
                    except DomainError as exc:
                        errors[key] = [m for ms in exc.fields.values() for m in ms]
                if errors:
                    raise DomainError("Some rules are not valid.", fields=errors)
            messages.success(request, f"{len(changed)} posting rule(s) saved.")
            return redirect(url(request, "setup_posting"))
        except DomainError:
            pass
    known = {acc.code for acc in _accounts(request)}
    rows = [
        {
            "key": key,
            "what": what,
            "code": chosen[key],
            "missing": current[key] not in known,
            "in_chart": chosen[key] in known,
            "errors": errors.get(key, []),
        }
        for key, (_, what) in posting.DEFAULT_ACCOUNTS.items()
    ]
    return _render(request, "posting.html", {"rows": rows}, errors)


# --- document series -------------------------------------------------------------------------


def _series_rows(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    """One row per series: document kinds (prefix editable), then payments and refunds."""
    tenant = caller(request).tenant
    counters = DocumentCounter.objects.for_tenant(tenant)
    this_year = dict(counters.filter(year=year).values_list("series", "last"))
    kinds = [(series_prefix(tenant, k), DocKind(k).label, k) for k in SERIES]
    money = [(prefix, what, "") for prefix, what in MONEY_SERIES.items()]
    return [
        {
            "series": prefix,
            "what": what,
            "kind": kind,
            "last": this_year.get(prefix, 0),
            "next": f"{prefix}-{year}-{this_year.get(prefix, 0) + 1:05d}",
        }
        for prefix, what, kind in kinds + money
    ]


def _save_prefixes(request: HttpRequest, values: dict[str, str]) -> int:
    """Each changed prefix through the service; all or none (the first refusal raises)."""
    a = caller(request)
    errors: dict[str, list[str]] = {}
    changed = 0
    for kind in SERIES:
        try:
            done = set_series_prefix(
                tenant=a.tenant, actor=a.user, kind=kind, prefix=values[f"prefix-{kind}"]
            )
            changed += done is not None
        except DomainError as exc:
            errors |= exc.fields
    if errors:
        raise DomainError("Some prefixes are not valid.", fields=errors)
    return changed


def _save_number(request: HttpRequest, values: dict[str, str]) -> str:
    """A form sent without a series or a number (an empty POST) is refused beside its
    fields like any other bad input, not answered with an error page."""
    a = caller(request)
    missing = {
        name: [hint]
        for name, hint in (("series", "choose a series"), ("next_number", "a whole number"))
        if not values.get(name)
    }
    if missing:
        raise DomainError("The numbering is not complete.", fields=missing)
    try:
        typed_year = int(values["year"])
    except ValueError as exc:
        raise DomainError(
            "The year is not valid.", fields={"year": ["a year such as 2026"]}
        ) from exc
    counter = set_next_number(
        tenant=a.tenant,
        actor=a.user,
        series=values["series"],
        year=typed_year,
        next_number=values["next_number"],
    )
    return f"{counter.series} {counter.year} continues at number {counter.last + 1}."


@tenant_view(Perm.MANAGE_COMMERCE)
@tenant_transaction
def series(request: HttpRequest) -> HttpResponse:
    """The numbering series (prefix, year, last number given), their prefixes and where each
    continues: two forms, told apart by `form`."""
    year = date.today().year
    rows = _series_rows(request, year)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {"year": str(year)} | {
        f"prefix-{r['kind']}": r["series"] for r in rows
    }
    if request.method == "POST":
        p = request.POST
        values |= {k: str(p.get(k, "")).strip() for k in p if k != "csrfmiddlewaretoken"}
        try:
            with transaction.atomic():
                if p.get("form") == "prefixes":
                    done = f"{_save_prefixes(request, values)} prefix(es) changed."
                else:
                    done = _save_number(request, values)
            messages.success(request, done)
            return redirect(url(request, "setup_series"))
        except DomainError as exc:
            errors = _refused(exc, "next_number")
    for r in rows:
        r["typed"] = values.get(f"prefix-{r['kind']}", r["series"])
        r["errors"] = errors.get(f"prefix-{r['kind']}", [])
    return _render(request, "series.html", {"rows": rows, "year": year, "values": values}, errors)
