"""Per-request guards of a signed-in session: idle timeout, ended sessions, skipped factors.

Placed after AuthenticationMiddleware and MessageMiddleware. For a signed-in browser it
1. signs out a session idle for longer than SESSION_IDLE_TIMEOUT seconds (default 30 min);
2. signs out a session whose row was ended from another device ("sign out everywhere");
3. signs out a session that skipped the second step: one signed in by another door (the
   admin's login form) for a person who has a second factor;
4. notes the session in use (its row's last-seen time, at most once a minute).
A page request that was signed out goes to the sign-in page with a message; an API request
simply carries on unauthenticated (and gets 401).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from backoffice.identity.models import UserSession
from backoffice.identity.ratelimit import RateLimitMiddleware
from backoffice.identity.selectors import has_second_factor
from backoffice.identity.services import sessions
from backoffice.identity.signin import LAST_SEEN, VERIFIED

TOUCH_SECONDS = 60


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT", 30 * 60))


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            why = self._problem(request)
            if why:
                return self._sign_out(request, why)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str | None:
        session = request.session
        key = session.session_key or ""
        now = time.time()
        last = session.get(LAST_SEEN)
        if isinstance(last, (int, float)) and now - last > idle_timeout():
            sessions.end_by_key(session_key=key, reason=UserSession.EndReason.IDLE)
            return "You were signed out after a while without activity. Sign in again."
        row = UserSession.objects.filter(key_hash=sessions.key_hash(key)).first()
        if row is not None and row.ended_at is not None:
            return "This session was signed out from another device. Sign in again."
        if VERIFIED not in session:
            if has_second_factor(request.user):  # type: ignore[arg-type]
                sessions.end_by_key(session_key=key, reason=UserSession.EndReason.SIGNED_OUT)
                return "Sign in here to use your second step."
            session[VERIFIED] = "password"
        if row is None:
            row = sessions.record_sign_in(
                user=request.user,  # type: ignore[arg-type]
                session_key=key,
                user_agent=request.headers.get("User-Agent", ""),
                ip=client_ip(request),
                method=str(session.get(VERIFIED, "password")),
                audit=False,
            )
        sessions.touch_session(row=row, ip=client_ip(request))
        if not isinstance(last, (int, float)) or now - last >= TOUCH_SECONDS:
            session[LAST_SEEN] = now
        return None

    def _sign_out(self, request: HttpRequest, why: str) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)
        messages.info(request, why)
        if request.method in ("GET", "HEAD") and not request.headers.get("HX-Request"):
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return redirect("login")


__all__ = ["RateLimitMiddleware", "SessionSecurityMiddleware"]
