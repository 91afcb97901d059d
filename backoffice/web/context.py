from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from backoffice.tenancy.selectors import accessible_tenants
from backoffice.web.navigation import NAV_ITEMS, SHARED_NAMESPACES


def navigation(request: HttpRequest) -> dict[str, Any]:
    access = getattr(request, "access", None)
    if access is None:
        return {}
    slug = access.tenant.slug
    kind = "provider" if access.tenant.is_provider else "client"
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name, kwargs={"tenant": slug}),
            "active": current == item.url_name
            or (
                current.split(":")[0] == item.url_name.split(":")[0]
                and item.url_name.split(":")[0] not in SHARED_NAMESPACES
            ),
        }
        for item in NAV_ITEMS
        if access.can(item.perm) and item.kind in (None, kind)
    ]
    return {
        "access": access,
        "nav_items": items,
        "switchable_tenants": accessible_tenants(access.user),
    }
