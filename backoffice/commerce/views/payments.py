"""Payment pages: the list, a payment with its allocations and refunds, its PDF."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.commerce import files, selectors
from backoffice.commerce.views._common import caller, page
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def payments(request: HttpRequest) -> HttpResponse:
    tenant = caller(request).tenant
    direction = request.GET.get("direction", "")
    qs = selectors.payments(tenant, direction=direction)
    return render(
        request, "commerce/payments.html", {"page": page(request, qs), "direction": direction}
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def payment(request: HttpRequest, payment_id: int) -> HttpResponse:
    tenant = caller(request).tenant
    p = selectors.access_payment_by_id(caller(request), payment_id)
    return render(
        request,
        "commerce/payment.html",
        {
            "p": p,
            "allocations": p.allocations.select_related("document").order_by("id"),
            "postings": selectors.postings(tenant, p.journal_entry_id),
            "refunds": selectors.refunds(tenant, payment_id=p.pk),
            "can_refund": p.direction == "in" and p.unallocated > 0,
        },
    )


@tenant_view(Perm.VIEW_COMMERCE)
@tenant_transaction
def payment_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    a = caller(request)
    return files.receipt_pdf(a.tenant, selectors.access_payment_by_id(a, payment_id))
