from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.tenancy.roles import Perm
from backoffice.web.access import tenant_view


@tenant_view(Perm.VIEW_WORK)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "work/index.html")
