"""Request id and one structured log line per request."""

import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from backoffice.core.context import request_id_var
from backoffice.core.tracing import current_trace_id

log = structlog.get_logger("backoffice.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)
        if response.status_code == 500 and getattr(request, "_database_unavailable", False):
            response = unavailable_response(request)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        log.info(
            "request",
            request_id=request_id,
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            user_id=getattr(user, "pk", None),
            tenant=getattr(tenant, "slug", None),
            **({"trace_id": trace_id} if (trace_id := current_trace_id()) else {}),
        )
        return response


# A request the database could not serve: 503 with Retry-After instead of a bare 500, so that
# clients and proxies know to try again (every create is idempotent).
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = (
    "Backoffice is briefly unavailable: its database did not answer. Nothing was saved by "
    "this request; try again in a few seconds."
)


def note_database_outage(sender: object, request: HttpRequest | None = None, **kw: object) -> None:
    """`got_request_exception` receiver: mark a request that failed on a lost database."""
    import sys

    from django.db.utils import InterfaceError, OperationalError

    exc: BaseException | None = sys.exc_info()[1]
    seen = 0
    while exc is not None and seen < 10:  # the session store re-raises its lost load as
        if isinstance(exc, OperationalError | InterfaceError):  # an AttributeError
            if request is not None:
                request._database_unavailable = True  # type: ignore[attr-defined]
            return
        exc, seen = exc.__cause__ or exc.__context__, seen + 1


def unavailable_response(request: HttpRequest) -> HttpResponse:
    from django.http import JsonResponse

    from backoffice.core.errors import ServiceUnavailable

    response: HttpResponse
    if request.path.startswith("/api/"):
        error = {"code": ServiceUnavailable.code, "message": UNAVAILABLE_MESSAGE, "fields": {}}
        response = JsonResponse({"error": error}, status=ServiceUnavailable.status)
    else:
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8>"
            "<title>Briefly unavailable</title><main><h1>Briefly unavailable</h1>"
            f"<p>{UNAVAILABLE_MESSAGE}</p></main></html>",
            status=ServiceUnavailable.status,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ViewerTimezoneMiddleware:
    """Times are stored in UTC and shown in the signed-in viewer's own zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.utils import timezone

        user = getattr(request, "user", None)
        name = getattr(user, "timezone", "") if user and user.is_authenticated else ""
        try:
            timezone.activate(ZoneInfo(name or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            timezone.activate(ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
