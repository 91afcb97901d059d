"""The contract and rate-card editor: a contract's page with its versions, the new-contract
form, the rate-card form (charges with editable tier tables, fees, service levels) and
ending a version. Every rule is the service's; its refusal comes back beside the fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.billing import forms, selectors, services
from backoffice.billing import page_queries as q
from backoffice.billing.models import ChargeModel, Contract, Metric, ServiceLevelMetric
from backoffice.billing.views._common import caller, can_manage, field_errors, read_tenants, url
from backoffice.commerce.models import Product, TaxRate
from backoffice.core.errors import DomainError, NotFound
from backoffice.core.forms import date_or_none
from backoffice.ledger.models import Account
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import BusinessCalendar, Engagement


def _require_manage(access: TenantAccess) -> None:
    if not can_manage(access):
        raise PermissionDenied("Your role may not change billing.")


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def contract(request: HttpRequest, contract_id: int) -> HttpResponse:
    access = caller(request)
    found = selectors.access_contract_by_id(access, contract_id)
    return render(
        request,
        "billing/contract.html",
        {
            "contract": found,
            "versions": list(selectors.versions(found)),
            "engagements": q.engagements_of(found),
            "invoices": list(selectors.invoices(access, contract_id=found.pk)[:24]),
            "estimate": selectors.month_to_date(access, found.pk) if found.is_active else None,
            "can_manage": can_manage(access),
        },
    )


def _contract_choices(access: TenantAccess) -> dict[str, Any]:
    tenant = access.tenant
    clients = list(Organization.objects.filter(provider=tenant).order_by("name"))
    ids = [c.pk for c in clients]
    return {
        "clients": clients,
        "engagements": Engagement.objects.for_tenants(ids)
        .select_related("tenant")
        .order_by("tenant__name", "name"),
        "calendars": BusinessCalendar.objects.for_tenants(ids)
        .select_related("tenant")
        .order_by("tenant__name", "name"),
        "taxes": TaxRate.objects.for_tenant(tenant).order_by("code"),
        "liabilities": Account.objects.for_tenant(tenant).filter(type="liability").order_by("code"),
    }


@tenant_view(Perm.MANAGE_BILLING)
@tenant_transaction(tenants=read_tenants)
def contract_new(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    _require_manage(access)
    values: dict[str, Any] = {"payment_terms_days": "30", "engagements": []}
    errors: forms.Errors = {}
    if request.method == "POST":
        values, kwargs, errors = forms.read_contract_form(request.POST)
        if not errors:
            try:
                created = services.create_contract(
                    tenant=access.tenant, actor=access.user, **kwargs
                )
            except DomainError as exc:
                errors = field_errors(exc.fields)
                errors.setdefault("form", []).insert(0, exc.message)
            else:
                messages.success(
                    request, f"Contract {created.code} created: now add its rate card."
                )
                return redirect(url(access, "version_new", contract_id=created.pk))
    context = {"values": values, "errors": errors, **_contract_choices(access)}
    return render(request, "billing/contract_form.html", context, status=400 if errors else 200)


def _version_choices(found: Contract) -> dict[str, Any]:
    return {
        "metrics": Metric.choices,
        "models": ChargeModel.choices,
        "sl_metrics": ServiceLevelMetric.choices,
        "engagements": q.engagements_of(found),
        "products": Product.objects.for_tenant(found.tenant_id).order_by("sku"),
    }


@tenant_view(Perm.MANAGE_BILLING)
@tenant_transaction(tenants=read_tenants)
def version_new(request: HttpRequest, contract_id: int) -> HttpResponse:
    """A new rate card. Refused: every charge, tier row and service level comes back as
    typed with the service's words beside it, and nothing is written."""
    access = caller(request)
    _require_manage(access)
    found = selectors.access_contract_by_id(access, contract_id, perm=Perm.MANAGE_BILLING)
    form = forms.empty_version_form()
    if request.method == "POST":
        form = forms.read_version_form(request.POST)
        kwargs = forms.version_inputs(form, found.currency)
        if kwargs:
            try:
                version = services.add_version(
                    tenant=access.tenant,
                    actor=access.user,
                    contract_id=found.pk,
                    **kwargs,
                )
            except DomainError as exc:
                form.place(exc.fields)
                form.errors.setdefault("form", []).insert(0, exc.message)
            else:
                messages.success(request, f"Rate card v{version.number} saved.")
                return redirect(url(access, "contract", contract_id=found.pk))
    context = {"contract": found, "form": form, **_version_choices(found)}
    return render(
        request, "billing/version_form.html", context, status=400 if form.has_errors else 200
    )


@tenant_view(Perm.MANAGE_BILLING)
@tenant_transaction(tenants=read_tenants)
def version_end(request: HttpRequest, contract_id: int, version_id: int) -> HttpResponse:
    access = caller(request)
    _require_manage(access)
    found = selectors.access_contract_by_id(access, contract_id, perm=Perm.MANAGE_BILLING)
    if request.method != "POST":
        return redirect(url(access, "contract", contract_id=found.pk))
    day = date_or_none(request.POST.get("effective_to"))
    if day is None:
        messages.error(request, "Ending a rate card needs its last day, as a date.")
        return redirect(url(access, "contract", contract_id=found.pk))
    if not selectors.versions(found).filter(pk=version_id).exists():
        raise NotFound("No such rate card.")
    try:
        v = services.end_version(
            tenant=access.tenant,
            actor=access.user,
            version_id=version_id,
            effective_to=day,
        )
    except DomainError as exc:
        messages.error(request, f"Rate card not ended: {exc.message}")
    else:
        messages.success(request, f"Rate card v{v.number} ends on {day:%d %B %Y}.")
    return redirect(url(access, "contract", contract_id=found.pk))
