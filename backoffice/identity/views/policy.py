"""The organization's two-step sign-in policy, for its admin (`identity:policy`)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.identity import services
from backoffice.identity.models import Requirement
from backoffice.identity.reauth import reauth_required
from backoffice.identity.selectors import policy_of
from backoffice.identity.views._common import errors_of
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


@reauth_required(methods=("POST",))
@tenant_view(Perm.MANAGE_MEMBERS)
def policy(request: HttpRequest) -> HttpResponse:
    access: TenantAccess = request.access  # type: ignore[attr-defined]
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    with transaction.atomic():  # the RLS tenant holds for one transaction
        set_rls_tenants([access.tenant.pk])
        values = policy_of(access.tenant)
    if request.method == "POST":
        values = {
            "staff": request.POST.get("staff", ""),
            "members": request.POST.get("members", ""),
        }
        try:
            services.set_policy(access=access, staff=values["staff"], members=values["members"])
        except DomainError as exc:
            errors, fields = errors_of(exc)
        else:
            messages.success(request, "Two-step sign-in policy saved.")
            return redirect("identity:policy", tenant=access.tenant.slug)
    ctx = {
        "values": values,
        "choices": Requirement.choices,
        "errors": errors,
        "fields": fields,
        "is_provider": access.tenant.is_provider,
    }
    return render(request, "identity/policy.html", ctx, status=400 if errors else 200)
