"""Privacy pages (skeleton; the app's slice fills them in)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm


@tenant_view(Perm.VIEW_PRIVACY)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/index.html", {})
