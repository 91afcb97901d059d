"""“Confirm it's you”: the password, an authenticator code or a passkey, then back to the
page that asked (`identity.reauth`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError
from backoffice.identity import events, services, signin
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.reauth import mark_recent_auth
from backoffice.identity.selectors import factors_of, home_tenant_id, sso_organization_of
from backoffice.identity.views._common import CHALLENGE, errors_of, relying_party
from backoffice.tenancy.models import User


def _prove(request: HttpRequest, user: User) -> str:
    kind = request.POST.get("kind", "password")
    if kind == "totp":
        services.verify_totp(user=user, code=request.POST.get("code", ""))
        return "authenticator app"
    if kind == "passkey":
        services.verify_passkey(
            user=user,
            credential=request.POST.get("credential", ""),
            challenge=request.session.pop(CHALLENGE, ""),
            rp=relying_party(request),
        )
        return "passkey"
    if not user.check_password(request.POST.get("password", "")):
        raise DomainError(
            "That password is not right.",
            code=ErrorCode.WRONG_PASSWORD,
            fields={"password": ["That password is not right."]},
        )
    return "password"


@login_required
def reauth(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    back = signin.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if signin.locked_out(request, user):
        return render(request, "web/locked_out.html", status=429)
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    kind = request.POST.get("kind", "password")
    if request.method == "POST":
        try:
            method = _prove(request, user)
        except DomainError as exc:
            signin.note_failure(request, user)
            if signin.locked_out(request, user):
                return render(request, "web/locked_out.html", status=429)
            errors, fields = errors_of(exc)
        else:
            mark_recent_auth(request)
            with transaction.atomic():
                events.record(
                    tenant_id=home_tenant_id(user),
                    actor=user,
                    event=events.reauthenticated(user, method),
                )
            return redirect(back)
    with transaction.atomic():
        sso_org = sso_organization_of(user)
    ctx = {
        "factors": factors_of(user),
        "has_password": user.has_usable_password(),
        "sso_org": sso_org,
        "next": back,
        "errors": errors,
        "fields": fields,
        "kind": kind,
    }
    return render(request, "identity/reauth.html", ctx, status=400 if errors else 200)
