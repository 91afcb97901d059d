"""Notification pages: one's email preferences, the log of mails sent; and the inbound-mail
webhooks (django-anymail's views, answering only once a webhook secret is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from backoffice.core.errors import DomainError
from backoffice.notifications import conf, selectors, services
from backoffice.notifications.models import Kind, Mode
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.selectors import TenantAccess


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined, no-any-return]


@tenant_view()
@tenant_transaction
def preferences(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    errors: dict[str, list[str]] = {}
    values = {c.kind: c.mode for c in selectors.preferences(access)}
    if request.method == "POST":
        values = {kind: request.POST.get(kind, "") for kind in Kind.values}
        try:
            services.set_preferences(access=access, modes=values)
        except DomainError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.fields.items()}
            errors.setdefault("form", []).insert(0, exc.message)
        else:
            messages.success(request, "Your email preferences are saved.")
            return redirect(reverse("notifications:preferences", args=[access.tenant.slug]))
    kinds = [
        {
            "kind": k.value,
            "label": k.label,
            "mode": values.get(k.value, ""),
            "errors": errors.get(k.value),
        }
        for k in Kind
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"kinds": kinds, "modes": Mode.choices, "errors": errors, "access": access},
        status=400 if errors else 200,
    )


@tenant_view()
@tenant_transaction
def outbound(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    rows = selectors.outbound_log(access)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/outbound.html",
        {"page": page, "everyone": selectors.sees_everyones_mail(access), "access": access},
    )


def guarded_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An anymail inbound view that answers 404 until a webhook secret is configured (an
    open webhook would take mail from anyone on the web)."""

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not conf.webhook_secrets():
            raise Http404("Inbound mail webhooks are not configured.")
        return view(request, *args, **kwargs)

    return wrapper
