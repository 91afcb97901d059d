"""Billing pages: contracts, billing runs, invoice review and usage statements."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm


@tenant_view(Perm.VIEW_BILLING)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/index.html", {})
