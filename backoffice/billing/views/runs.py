"""Billing runs: start a month for one client or all, then watch it. The run page drives
the run in one request (`continue_run`, a transaction per contract) while a progress bar
polls the run's row with htmx; a run left half-way (a closed tab, a crash) is resumed by
opening its page again, and a month already billed writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.billing import selectors, services
from backoffice.billing.models import BillingRun
from backoffice.billing.views._common import caller, can_manage, page, read_tenants, url
from backoffice.core.errors import DomainError
from backoffice.core.forms import flash_domain_error
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def runs(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    from backoffice.billing.views.overview import last_month

    values = {"period": last_month(), "client": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not can_manage(access):
            raise PermissionDenied("Your role may not run billing.")
        values = {k: request.POST.get(k, "").strip() for k in ("period", "client")}
        try:
            period = services.parse_period(values["period"])
            client = None
            if values["client"]:
                client = int(values["client"]) if values["client"].isdigit() else -1
            run = services.start_run(
                tenant=access.tenant,
                actor=access.user,
                period=period,
                client_id=client,
            )
        except DomainError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
            if "client_id" in errors:
                errors["client"] = errors.pop("client_id")
            errors.setdefault("form", []).insert(0, exc.message)
        else:
            return redirect(url(access, "run", run_id=run.pk))
    clients = (
        Organization.objects.filter(provider=access.tenant).order_by("name")
        if access.tenant.is_provider
        else []
    )
    return render(
        request,
        "billing/runs.html",
        {
            "page": page(request, selectors.runs(access)),
            "values": values,
            "errors": errors,
            "clients": clients,
            "can_manage": can_manage(access),
        },
        status=400 if errors else 200,
    )


def _run_context(request: HttpRequest, run: BillingRun) -> dict[str, object]:
    access = caller(request)
    created = list(selectors.invoices(access, run_id=run.pk))
    return {
        "run": run,
        "invoices": list(created),
        "charges": sum(i.charges_total for i in created),
        "can_manage": can_manage(access),
    }


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    found = selectors.access_run_by_id(caller(request), run_id)
    return render(request, "billing/run.html", _run_context(request, found))


@tenant_view(Perm.VIEW_BILLING)
@tenant_transaction(tenants=read_tenants)
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress bar alone, polled by htmx while the run is running."""
    found = selectors.access_run_by_id(caller(request), run_id)
    return render(request, "billing/_run_progress.html", _run_context(request, found))


def _continue(access: TenantAccess, run_id: int) -> BillingRun:
    """`continue_run`: a transaction per contract, each with its row-level-security tenants
    set by the service, so the progress bar follows the contracts on both databases."""
    return services.continue_run(tenant=access.tenant, actor=access.user, run_id=run_id)


@tenant_view(Perm.MANAGE_BILLING)
def run_continue(request: HttpRequest, run_id: int) -> HttpResponse:
    """Bill the run's remaining contracts (see `_continue` for its transactions); the
    browser is sent back to the run's page, which shows the result."""
    access = caller(request)
    if not can_manage(access):
        raise PermissionDenied("Your role may not run billing.")
    with transaction.atomic():  # the RLS tenants hold for one transaction
        set_rls_tenants(read_tenants(access))
        found = selectors.access_run_by_id(access, run_id, perm=Perm.MANAGE_BILLING)
    if request.method != "POST":
        return redirect(url(access, "run", run_id=found.pk))
    try:
        found = _continue(access, found.pk)
    except DomainError as exc:
        flash_domain_error(request, exc)
    else:
        messages.success(
            request,
            f"Billing {found.period:%B %Y} done: {found.invoices_created} draft invoice"
            f"{'' if found.invoices_created == 1 else 's'} created.",
        )
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url(access, "run", run_id=found.pk)
        return response
    return redirect(url(access, "run", run_id=found.pk))
