"""What identity does when someone signs in or out, whichever door they used."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from backoffice.identity.services import sessions
from backoffice.identity.signin import AUTH_AT, LAST_SEEN


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A fresh proof of identity (for re-authentication), the idle clock restarted, and the
    session's row on the person's Security page."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now
    if not request.session.session_key:
        request.session.save()
    sessions.record_sign_in(
        user=user,
        session_key=request.session.session_key or "",
        user_agent=request.headers.get("User-Agent", "") if hasattr(request, "headers") else "",
        ip=request.META.get("REMOTE_ADDR") or None,
        method=getattr(request, "_identity_method", "password"),
        audit=False,
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not getattr(request, "session", None):
        return
    key = request.session.session_key
    if key:
        sessions.end_by_key(session_key=key, reason="signed_out")


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
