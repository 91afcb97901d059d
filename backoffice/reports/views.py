"""Operations reports pages (skeleton; the app's slice fills them in)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm


@tenant_view(Perm.VIEW_REPORTS)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {})
