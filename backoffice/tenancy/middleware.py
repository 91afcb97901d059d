"""On PostgreSQL, each request runs in one transaction so that the row-level-security
tenant set by the view (transaction-local `set_config`) holds for all of its queries."""

from collections.abc import Callable

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql" or request.path.startswith(("/static/", "/healthz")):
            return self.get_response(request)
        with transaction.atomic():
            return self.get_response(request)
