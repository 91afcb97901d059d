"""Signing in with a passkey alone (`identity:passwordless`): no username, no password.

The browser offers the passkeys it holds for this site; the one chosen signs our challenge
after checking its user (fingerprint, face or PIN), so it stands for both steps. The person's
organization may still require single sign-on (`signin.begin` refuses then), and failures
count towards the django-axes lockout of that person once we know who it was."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backoffice.core.errors import DomainError
from backoffice.identity import services, signin
from backoffice.identity.views._common import errors_of, relying_party

CHALLENGE = "identity_passwordless_challenge"
BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_POST
def passwordless_options(request: HttpRequest) -> HttpResponse:
    challenge = services.passwordless_options(rp=relying_party(request))
    request.session[CHALLENGE] = challenge.challenge
    return HttpResponse(challenge.options_json, content_type="application/json")


def passwordless(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(signin.safe_next(request, request.GET.get("next")))
    next_url = signin.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    errors: list[str] = []
    if request.method == "POST":
        challenge = request.session.pop(CHALLENGE, "")
        try:
            if not challenge:
                raise DomainError(
                    "Start again: press “Sign in with a passkey”.", code="passkey_refused"
                )
            user = services.verify_passkey_alone(
                credential=request.POST.get("credential", ""),
                challenge=challenge,
                rp=relying_party(request),
            )
        except DomainError as exc:
            errors, _ = errors_of(exc)
        else:
            if signin.locked_out(request, user):
                return render(request, "web/locked_out.html", status=429)
            return signin.begin(
                request, user, backend=BACKEND, method="passkey", next_url=next_url, strong=True
            )
    ctx = {"errors": errors, "fields": {}, "next": next_url}
    return render(request, "identity/passwordless.html", ctx, status=400 if errors else 200)
