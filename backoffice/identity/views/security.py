"""The Security page (`identity:security`): authenticator app, passkeys, recovery codes and
the signed-in sessions, each with its own small form. Removing or replacing a factor asks
for a recent proof of identity (`reauth_required`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError, NotFound
from backoffice.identity import services
from backoffice.identity.reauth import reauth_required
from backoffice.identity.selectors import (
    access_passkey_by_id,
    access_session_by_id,
    factors_of,
    mfa_required,
    sessions_of,
)
from backoffice.identity.services import totp
from backoffice.identity.services.sessions import key_hash
from backoffice.identity.views._common import (
    CHALLENGE,
    FRESH_CODES,
    errors_of,
    qr_svg,
    relying_party,
)
from backoffice.tenancy.models import User

PAGE = "identity/security.html"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = _user(request)
    current = key_hash(request.session.session_key or "")
    rows = list(sessions_of(user))
    ctx = {
        "factors": factors_of(user),
        "required": mfa_required(user),
        "passkeys": list(user.passkeys.order_by("name")),
        "sessions": rows,
        "current_hash": current,
        "others": sum(1 for r in rows if r.key_hash != current),
        "errors": [],
        "fields": {},
        **extra,
    }
    return render(request, PAGE, ctx, status=status)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code (or type the key), then confirm with a code."""
    user = _user(request)
    if factors_of(user).totp:
        messages.info(request, "An authenticator app is already set up.")
        return redirect("identity:security")
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.confirm_totp_enrolment(user=user, code=request.POST.get("code", ""))
        except DomainError as exc:
            errors, fields = errors_of(exc)
        else:
            if not factors_of(user).recovery_codes_left:
                request.session[FRESH_CODES] = services.generate_recovery_codes(user=user)
                messages.success(request, "Authenticator app set up. Keep these recovery codes.")
                return redirect("identity:recovery_codes")
            messages.success(request, "Authenticator app set up.")
            return redirect("identity:security")
    enrolment = totp.pending_enrolment(user) or services.begin_totp_enrolment(user=user)
    ctx = {
        "secret": enrolment.secret,
        "qr": qr_svg(enrolment.uri),
        "errors": errors,
        "fields": fields,
        "typed": request.POST.get("code", "") if errors else "",
    }
    return render(request, "identity/totp_setup.html", ctx, status=400 if errors else 200)


@require_POST
@login_required
@reauth_required()
def totp_remove(request: HttpRequest) -> HttpResponse:
    try:
        services.remove_totp(user=_user(request))
    except DomainError as exc:
        return _page(request, status=409 if exc.status == 409 else 400, errors=[exc.message])
    messages.success(request, "Authenticator app removed.")
    return redirect("identity:security")


@require_POST
@login_required
@reauth_required()
def recovery_regenerate(request: HttpRequest) -> HttpResponse:
    request.session[FRESH_CODES] = services.generate_recovery_codes(user=_user(request))
    return redirect("identity:recovery_codes")


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new codes, once: they leave the session as this page is shown."""
    codes = request.session.pop(FRESH_CODES, None)
    if not codes:
        messages.info(
            request, "Recovery codes are shown only once. Make new ones if you need them."
        )
        return redirect("identity:security")
    return render(request, "identity/recovery_codes.html", {"codes": codes})


@require_POST
@login_required
def passkey_options(request: HttpRequest) -> HttpResponse:
    """Options for `navigator.credentials.create`; the challenge waits in the session."""
    challenge = services.registration_options(user=_user(request), rp=relying_party(request))
    request.session[CHALLENGE] = challenge.challenge
    return HttpResponse(challenge.options_json, content_type="application/json")


@require_POST
@login_required
def passkey_add(request: HttpRequest) -> HttpResponse:
    challenge = request.session.pop(CHALLENGE, "")
    name = request.POST.get("name", "")
    try:
        if not challenge or not request.POST.get("credential"):
            raise DomainError(
                "Your browser did not create a passkey. Press “Add a passkey” and follow "
                "your browser's steps.",
                code="passkey_refused",
            )
        services.finish_registration(
            user=_user(request),
            name=name,
            credential=request.POST.get("credential", ""),
            challenge=challenge,
            rp=relying_party(request),
        )
    except DomainError as exc:
        errors, fields = errors_of(exc)
        return _page(request, status=exc.status, errors=errors, fields=fields, passkey_name=name)
    messages.success(request, "Passkey added.")
    return redirect("identity:security")


@require_POST
@login_required
@reauth_required()
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    user = _user(request)
    try:
        services.remove_passkey(user=user, passkey=access_passkey_by_id(user, passkey_id))
    except NotFound:
        return _page(request, status=404, errors=["That passkey no longer exists."])
    except DomainError as exc:
        return _page(request, status=exc.status, errors=[exc.message])
    messages.success(request, "Passkey removed.")
    return redirect("identity:security")


@require_POST
@login_required
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    try:
        row = access_session_by_id(user, session_id)
    except NotFound:
        return _page(request, status=404, errors=["That session is already signed out."])
    services.end_session(user=user, session=row)
    messages.success(request, "That session is signed out.")
    return redirect("identity:security")


@require_POST
@login_required
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    count = services.end_other_sessions(
        user=_user(request), keep_session_key=request.session.session_key
    )
    messages.success(
        request,
        "No other session was signed in." if not count else f"Signed out {count} other sessions.",
    )
    return redirect("identity:security")
