"""Re-authentication before sensitive actions: "confirm it's you" if the last proof is old.

Other apps call it around an action that deserves a fresh proof (creating API tokens,
revealing sensitive data, exports, changing keys or members):

    from backoffice.identity.reauth import reauth_required, require_recent_auth

    @reauth_required()                      # every method; or methods=("POST",)
    @tenant_view(Perm.MANAGE_TOKENS)
    def tokens(request, ...): ...

    def reveal(request, ...):
        if (answer := require_recent_auth(request, max_age=300)) is not None:
            return answer                   # off to the confirmation page, back here after
        ...

The proof is the time of the last sign-in or confirmation (password, authenticator code or
passkey), kept in the session; `REAUTH_MAX_AGE` (seconds, default 15 minutes) is how old it
may be. The confirmation page returns to the page that asked (for a refused POST, the same
page that showed the form, from the Referer: the person submits again, the form is not
replayed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.identity.signin import AUTH_AT

View = Callable[..., HttpResponse]


def max_age_default() -> int:
    return int(getattr(settings, "REAUTH_MAX_AGE", 15 * 60))


def has_recent_auth(request: HttpRequest, max_age: int | None = None) -> bool:
    if not request.user.is_authenticated:
        return False
    at = request.session.get(AUTH_AT)
    limit = max_age_default() if max_age is None else max_age
    return isinstance(at, (int, float)) and time.time() - at <= limit


def mark_recent_auth(request: HttpRequest) -> None:
    request.session[AUTH_AT] = time.time()


def _same_site_referer(request: HttpRequest) -> str | None:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def require_recent_auth(request: HttpRequest, max_age: int | None = None) -> HttpResponse | None:
    """None when the person proved who they are recently enough; else the answer that sends
    them to confirm (a redirect for pages, 403 `reauth_required` for JSON callers)."""
    if has_recent_auth(request, max_age):
        return None
    back = request.get_full_path()
    if request.method not in ("GET", "HEAD"):
        # A form's target is no page to come back to: return to the page that showed the form.
        back = _same_site_referer(request) or "/"
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "reauth_required",
                    "message": "Confirm it is you first: sign in again, then retry.",
                    "fields": {},
                }
            },
            status=403,
        )
    if request.method not in ("GET", "HEAD"):
        messages.info(request, "Confirm it is you, then submit again.")
    return redirect(f"{reverse('identity:reauth')}?{urlencode({'next': back})}")


def reauth_required(
    max_age: int | None = None, methods: Iterable[str] | None = None
) -> Callable[[View], View]:
    """A view decorator around `require_recent_auth` (only for `methods`, if given)."""
    only = {m.upper() for m in methods} if methods else None

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and (only is None or request.method in only):
                answer = require_recent_auth(request, max_age)
                if answer is not None:
                    return answer
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
