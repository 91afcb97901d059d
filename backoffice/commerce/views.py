from django.http import HttpRequest, HttpResponse

from backoffice.tenancy.roles import Perm
from backoffice.web.access import tenant_view


@tenant_view(Perm.VIEW_COMMERCE)
def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("commerce")
