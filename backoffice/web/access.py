"""`tenant_view`: every tenant page resolves its tenant here, from the URL's `tenant` slug."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.rls import set_rls_tenants
from backoffice.tenancy.selectors import access_tenant

View = Callable[..., HttpResponse]


def tenant_view(perm: str | None = None) -> Callable[[View], View]:
    """Require sign-in, membership of the URL's tenant (else 404) and `perm` (else 403)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, tenant: str, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                access = access_tenant(user=request.user, slug=tenant)  # type: ignore[arg-type]
            except NotFound as exc:
                raise Http404("No such organization.") from exc
            if perm and not access.can(perm):
                raise PermissionDenied(f"Your role ({access.role}) may not open this page.")
            request.access = access  # type: ignore[attr-defined]
            request.tenant = access.tenant  # type: ignore[attr-defined]
            set_rls_tenants([access.tenant.pk])
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc

        return wrapper

    return decorate
