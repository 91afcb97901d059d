"""Set-up pages for provider admins and operations managers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm


@tenant_view(Perm.MANAGE_CATALOG)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "work/setup/index.html", {})
