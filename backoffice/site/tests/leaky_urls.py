"""A URL configuration for the cross-tenant matrix's own test: the real one plus one page that
leaks on purpose (it checks the caller's membership of the URL's tenant, then fetches the item
by id from every tenant). The matrix is never told about it: it must find the route in the URL
configuration, find an object of another tenant for it, and report the leak."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from backoffice.tenancy.access import tenant_view
from backoffice.urls import handler400, handler403, handler404, handler500
from backoffice.urls import urlpatterns as real
from backoffice.work.models import WorkItem

LEAKY_ROUTE = "t/<slug:tenant>/matrix-leak/items/<int:item_id>/"


@tenant_view()
def leaky_item(request: HttpRequest, item_id: int) -> HttpResponse:
    item = WorkItem._base_manager.filter(pk=item_id).first()  # no tenant: the leak
    if item is None:
        return HttpResponse("No such item.", status=404)
    return HttpResponse(f'<main id="main">Item {item.pk}</main>', content_type="text/html")


urlpatterns = [path(LEAKY_ROUTE, leaky_item, name="matrix_leak"), *real]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
