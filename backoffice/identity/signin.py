"""The sign-in flow: a first step that names the person, then the steps their account needs.

    password (web.auth_views.LoginView)  ─┐
    single sign-on (views.sso)           ─┤
    passkey alone (views.passwordless)   ─┴─> begin() ─> second factor (views.verify)
                                                     └─> enrol (views.enrol_required)  ─> complete()

A passkey alone is `strong` (it verified its user): `begin` skips the second step for it.

Until `complete` runs the session is NOT signed in: `begin` keeps only a pre-auth marker
(the person's id, how they proved the first step, when, where to go next), which expires
after five minutes. Only `complete` calls `django.contrib.auth.login`. The SSO callback calls
`begin(request, user, backend=..., method="sso")`, and the same second factor and policy then
apply. A person whose client organization requires single sign-on is refused every other
first step (`begin` answers 403 with a link to their organization's sign-in).

Failures of the second step are sent to django-axes as failed sign-ins of that username, so
they count towards the same lockout as wrong passwords.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.identity.selectors import has_second_factor, mfa_required, sso_required_of
from backoffice.identity.services.sessions import note_signed_in
from backoffice.tenancy.models import User

PREAUTH = "identity_preauth"
VERIFIED = "identity_verified"
AUTH_AT = "identity_auth_at"
LAST_SEEN = "identity_last_seen"
PREAUTH_SECONDS = 300


@dataclass(frozen=True)
class Pending:
    user: User
    backend: str
    method: str
    next_url: str
    enrol: bool


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def begin(
    request: HttpRequest,
    user: User,
    *,
    backend: str,
    method: str = "password",
    next_url: str = "",
    strong: bool = False,
) -> HttpResponse:
    """The first step passed: sign in now, or ask for the second factor, or for enrolment.

    `strong`: the first step was itself two factors (a passkey that verified its user:
    something you have plus your fingerprint or PIN), so no second step is asked."""
    with transaction.atomic():
        sso_only = sso_required_of(user) if method != "sso" else None
    if sso_only is not None:
        return render(request, "identity/sso_required.html", {"organization": sso_only}, status=403)
    with transaction.atomic():
        has_factor = has_second_factor(user)
        required = not strong and (has_factor or mfa_required(user))
    if not required:
        return complete(request, user, backend=backend, method=method, next_url=next_url)
    request.session.cycle_key()
    request.session[PREAUTH] = {
        "user": user.pk,
        "backend": backend,
        "method": method,
        "next": next_url,
        "at": time.time(),
        "enrol": not has_factor,
    }
    return redirect("identity:verify" if has_factor else "identity:enrol_required")


def pending(request: HttpRequest) -> Pending | None:
    """The half-finished sign-in of this browser, if it is recent and its person still active."""
    data = request.session.get(PREAUTH)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PREAUTH_SECONDS:
        return None
    user = User.objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
    if user is None:
        return None
    return Pending(
        user=user,
        backend=str(data["backend"]),
        method=str(data["method"]),
        next_url=str(data.get("next") or ""),
        enrol=bool(data.get("enrol")),
    )


def abandon(request: HttpRequest) -> None:
    request.session.pop(PREAUTH, None)


def complete(
    request: HttpRequest, user: User, *, backend: str, method: str, next_url: str = ""
) -> HttpResponse:
    """Every step passed: now the session is signed in (the key cycles inside `login`)."""
    request.session.pop(PREAUTH, None)
    request._identity_method = method  # type: ignore[attr-defined]  # read by the login signal
    login(request, user, backend=backend)
    request.session[VERIFIED] = method
    note_signed_in(user=user, method=method)
    return redirect(safe_next(request, next_url))


def locked_out(request: HttpRequest, user: User) -> bool:
    return bool(AxesProxyHandler.is_locked(request, {"username": user.username}))


def note_failure(request: HttpRequest, user: User) -> None:
    """A wrong second factor counts as a failed sign-in of this username (django-axes)."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.username}, request=request
    )
