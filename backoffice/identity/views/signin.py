"""The steps after the password: the second factor, or enrolment when the policy requires it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from backoffice.identity import services, signin
from backoffice.identity.selectors import factors_of
from backoffice.identity.services import totp
from backoffice.identity.views._common import (
    CHALLENGE,
    FRESH_CODES,
    errors_of,
    qr_svg,
    relying_party,
)

LOCKED_TEMPLATE = "web/locked_out.html"


def _expired(request: HttpRequest) -> HttpResponse:
    signin.abandon(request)
    messages.info(request, "Your sign-in took too long. Sign in again.")
    return redirect("login")


def _finish(request: HttpRequest, pending: signin.Pending, method: str) -> HttpResponse:
    return signin.complete(
        request, pending.user, backend=pending.backend, method=method, next_url=pending.next_url
    )


def _check(request: HttpRequest, pending: signin.Pending) -> str:
    """Run the factor the form names; returns the method used (raises DomainError)."""
    kind = request.POST.get("kind", "totp")
    if kind == "recovery":
        left = services.use_recovery_code(user=pending.user, code=request.POST.get("code", ""))
        if left <= 2:
            messages.warning(
                request,
                f"You have {left} recovery codes left. Make new ones on your Security page.",
            )
        return "recovery code"
    if kind == "passkey":
        challenge = request.session.pop(CHALLENGE, "")
        if not challenge:
            raise DomainError("Start again: press “Use a passkey”.", code="passkey_refused")
        services.verify_passkey(
            user=pending.user,
            credential=request.POST.get("credential", ""),
            challenge=challenge,
            rp=relying_party(request),
        )
        return "passkey"
    services.verify_totp(user=pending.user, code=request.POST.get("code", ""))
    return "authenticator app"


def verify(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app, a passkey, or a recovery code."""
    pending = signin.pending(request)
    if pending is None or pending.enrol:
        return _expired(request)
    factors = factors_of(pending.user)
    if signin.locked_out(request, pending.user):
        signin.abandon(request)
        return render(request, LOCKED_TEMPLATE, status=429)
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    kind = request.POST.get("kind", "totp") if request.method == "POST" else "totp"
    if request.method == "POST":
        try:
            method = _check(request, pending)
        except DomainError as exc:
            signin.note_failure(request, pending.user)
            if signin.locked_out(request, pending.user):
                signin.abandon(request)
                return render(request, LOCKED_TEMPLATE, status=429)
            errors, fields = errors_of(exc)
        else:
            return _finish(request, pending, method)
    ctx: dict[str, Any] = {
        "factors": factors,
        "errors": errors,
        "fields": fields,
        "kind": kind,
        "who": pending.user,
    }
    return render(request, "identity/verify.html", ctx, status=400 if errors else 200)


@require_POST
def passkey_challenge(request: HttpRequest) -> HttpResponse:
    """Options for `navigator.credentials.get` during sign-in or re-authentication."""
    pending = signin.pending(request)
    user = pending.user if pending else (request.user if request.user.is_authenticated else None)
    if user is None:
        return JsonResponse(
            {"error": {"code": "sign_in_expired", "message": "Sign in again."}}, status=400
        )
    try:
        challenge = services.authentication_options(user=user, rp=relying_party(request))  # type: ignore[arg-type]
    except DomainError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=400)
    request.session[CHALLENGE] = challenge.challenge
    return HttpResponse(challenge.options_json, content_type="application/json")


def enrol_required(request: HttpRequest) -> HttpResponse:
    """The policy requires a second factor and the person has none: set up the app now."""
    pending = signin.pending(request)
    if pending is None or not pending.enrol:
        return _expired(request)
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.confirm_totp_enrolment(user=pending.user, code=request.POST.get("code", ""))
        except DomainError as exc:
            signin.note_failure(request, pending.user)
            if signin.locked_out(request, pending.user):
                signin.abandon(request)
                return render(request, LOCKED_TEMPLATE, status=429)
            errors, fields = errors_of(exc)
        else:
            codes = services.generate_recovery_codes(user=pending.user)
            response = _finish(request, pending, "authenticator app")
            request.session[FRESH_CODES] = codes
            return redirect("identity:recovery_codes") if response.status_code == 302 else response
    with transaction.atomic():
        enrolment = totp.pending_enrolment(pending.user) or services.begin_totp_enrolment(
            user=pending.user
        )
    ctx = {
        "secret": enrolment.secret,
        "qr": qr_svg(enrolment.uri),
        "errors": errors,
        "fields": fields,
        "required": True,
    }
    return render(request, "identity/enrol_required.html", ctx, status=400 if errors else 200)
