"""Rate limits on the endpoints worth abusing: creating API tokens and exports.

A fixed window per person (or per address when nobody is signed in), counted in Django's
cache. Sign-in is limited by django-axes (settings AXES_*), not here.

- tokens: a POST that creates a token (`/t/<tenant>/tokens/`, `POST /api/v1/tokens`);
  RATE_LIMIT_TOKENS per hour (default 20).
- exports: any response that is a file download (`Content-Disposition: attachment`) —
  every CSV, Excel and PDF export of every app, whatever its URL; RATE_LIMIT_EXPORTS per hour
  (default 120). The request that goes over the limit gets 429 instead of its file.

The counters live in the default cache: with the local-memory cache each process counts on
its own; configure a shared cache (Redis, database) in production for one count per site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from backoffice.identity.error_codes import ErrorCode

WINDOW_SECONDS = 3600
_TOKEN_PATHS = re.compile(r"^/(t/[^/]+/tokens/|api/v1/tokens/?)$")


@dataclass(frozen=True)
class Limit:
    name: str
    per_hour: int
    what: str


def token_limit() -> Limit:
    return Limit("tokens", int(getattr(settings, "RATE_LIMIT_TOKENS", 20)), "API tokens created")


def export_limit() -> Limit:
    return Limit("exports", int(getattr(settings, "RATE_LIMIT_EXPORTS", 120)), "exports")


def _who(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return f"ip{request.META.get('REMOTE_ADDR', '')}"


def _key(limit: Limit, request: HttpRequest) -> str:
    return f"identity-rate:{limit.name}:{_who(request)}"


def spend(limit: Limit, request: HttpRequest) -> bool:
    """Count one use; False when the window's allowance is already spent."""
    key = _key(limit, request)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        used = 1
    return used <= limit.per_hour


def refused(request: HttpRequest, limit: Limit) -> HttpResponse:
    message = (
        f"Too many {limit.what} in the last hour (the limit is {limit.per_hour}). Try again later."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"error": {"code": ErrorCode.RATE_LIMITED.value, "message": message, "fields": {}}},
            status=429,
        )
    else:
        response = render(request, "identity/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and _TOKEN_PATHS.match(request.path):
            limit = token_limit()
            if not spend(limit, request):
                return refused(request, limit)
        response = self.get_response(request)
        if "attachment" in response.get("Content-Disposition", ""):
            limit = export_limit()
            if not spend(limit, request):
                return refused(request, limit)
        return response
