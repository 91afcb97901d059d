"""What every commerce endpoint module shares: the router, the caller, the create helper."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from backoffice.api.idempotency import run_idempotent
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

# The operation ids the API had when it was one module (`backoffice.commerce.api`): clients
# generated from the OpenAPI document name their calls by them, so they stay.
OPERATION_ID_PREFIX = "backoffice_commerce_api_"


class CommerceRouter(Router):
    """A router whose operations keep their one-module operation ids, whichever module of
    this package defines them."""

    def add_api_operation(  # type: ignore[override]
        self,
        path: str,
        methods: list[str],
        view_func: Callable[..., Any],
        *,
        operation_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        operation_id = operation_id or f"{OPERATION_ID_PREFIX}{view_func.__name__}"
        super().add_api_operation(path, methods, view_func, operation_id=operation_id, **kwargs)


# One router for the whole app: the topic modules add their operations to it in the order
# `commerce.api` imports them, which is the order of the paths in the OpenAPI document.
router = CommerceRouter(tags=["commerce"])


def caller(request: HttpRequest) -> TenantAccess:
    """The authenticated caller (`tenancy.auth` put it on the request)."""
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    return access


def allowed(request: HttpRequest, perm: str) -> TenantAccess:
    """The caller, who must hold `perm` (403 otherwise)."""
    access = caller(request)
    access.require(perm)
    return access


def create(
    request: HttpRequest, service: Callable[..., Any], shape: Callable[[Any], Any], **kwargs: Any
) -> Status[Any]:
    """What every create endpoint does: the caller must manage commerce; `service` runs once
    per Idempotency-Key, in the caller's tenant with `kwargs`; 201 with `shape` of its result."""
    a = allowed(request, Perm.MANAGE_COMMERCE)
    return run_idempotent(
        request, lambda: (201, shape(service(tenant=a.tenant, actor=a.user, **kwargs)))
    )


def arguments(payload: Schema, *, exclude: set[str] | None = None, **renamed: str) -> dict:
    """The payload's fields as a service's keyword arguments: `date` is the services' `day`,
    other names are mapped by `renamed` (field=argument); `exclude` leaves fields out for the
    caller to convert."""
    names = {"date": "day", **renamed}
    return {names.get(k, k): v for k, v in payload.model_dump(exclude=exclude).items()}
