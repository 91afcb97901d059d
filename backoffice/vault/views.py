"""The data-protection pages of the provider's administrators: every organization's data
keys, starting a rotation and following its progress, and crypto-shredding."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import selectors, services
from backoffice.vault.master import load_master_keys


def _access(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.access  # type: ignore[attr-defined]
    selectors.require_key_manager(access)
    return access


def _url(access: TenantAccess, name: str, **kwargs: Any) -> str:
    return reverse(f"vault:{name}", kwargs={"tenant": access.tenant.slug, **kwargs})


def _page(request: HttpRequest, access: TenantAccess, status: int = 200, **extra: Any) -> Any:
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        rows = selectors.key_rows(access)
        jobs = selectors.jobs(access)[:10]
    masters = load_master_keys()
    context = {"rows": rows, "jobs": jobs, "dev_key": masters.is_dev, **extra}
    return render(request, "vault/index.html", context, status=status)


@tenant_view(Perm.MANAGE_KEYS)
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, _access(request))


@require_POST
@tenant_view(Perm.MANAGE_KEYS)
def rotate(request: HttpRequest, org_id: int) -> HttpResponse:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        org = selectors.access_organization_by_id(access, org_id)
    try:
        job = services.start_rotation(tenant_id=org.pk, actor=access.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_url(access, "index"))
    messages.success(request, f"Rotation of {org.name}'s data key started.")
    return redirect(_url(access, "job", job_id=job.pk))


@require_POST
@tenant_view(Perm.MANAGE_KEYS)
def destroy(request: HttpRequest, org_id: int) -> HttpResponse:
    """Crypto-shredding, after the organization's name is typed to confirm it."""
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        org = selectors.access_organization_by_id(access, org_id)
    typed = {k: request.POST.get(k, "") for k in ("confirm", "reason")}
    errors: dict[str, str] = {}
    if typed["confirm"].strip() != org.name:
        errors["confirm"] = f"Type the organization's name, {org.name}, to confirm."
    else:
        try:
            services.destroy_keys(tenant_id=org.pk, actor=access.user, reason=typed["reason"])
        except DomainError as exc:
            errors["reason" if "reason" in exc.fields else "form"] = exc.message
    if errors:
        return _page(
            request, access, status=400, destroy={"org": org.pk, "typed": typed, "errors": errors}
        )
    messages.success(request, f"{org.name}'s data keys are destroyed.")
    return redirect(_url(access, "index"))


def _job(request: HttpRequest, job_id: int, template: str) -> HttpResponse:
    access = _access(request)
    with transaction.atomic():
        set_rls_tenants(selectors.tenant_ids(access))
        job = selectors.access_job_by_id(access, job_id)
    return render(request, template, {"job": job})


@tenant_view(Perm.MANAGE_KEYS)
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job(request, job_id, "vault/job.html")


@tenant_view(Perm.MANAGE_KEYS)
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar alone, polled by htmx while the rotation runs."""
    return _job(request, job_id, "vault/_job_progress.html")
