"""Single sign-on pages: start (by work email or by organization), the provider's callback,
and the client admin's settings (`identity:sso_settings`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.identity import events, signin
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.reauth import mark_recent_auth, reauth_required
from backoffice.identity.selectors import (
    home_tenant_id,
    sso_connection_for_email,
    sso_connection_of,
)
from backoffice.identity.services import sso
from backoffice.identity.views._common import errors_of
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess

STATE = "identity_sso"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("identity:sso_callback"))


def _go(request: HttpRequest, connection: Any, next_url: str) -> HttpResponse:
    """Off to the provider. After a form (POST) not by a redirect: the page's content security
    policy lets forms post to our own site only, and browsers apply that to a redirect that
    follows the form; so a page that follows a link (script, else a refresh, else the
    person's click) takes the browser there."""
    begun = sso.start(connection=connection, redirect_uri=_callback_url(request), next_url=next_url)
    request.session[STATE] = begun.state
    if request.method == "POST":
        ctx = {"url": begun.url, "organization": connection.tenant}
        return render(request, "identity/sso_redirect.html", ctx)
    return redirect(begun.url)


def sso_start(request: HttpRequest) -> HttpResponse:
    """*Sign in with your organization*: the work email names the organization."""
    email = request.POST.get("email", "").strip() if request.method == "POST" else ""
    next_url = signin.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    if request.method == "POST":
        with transaction.atomic():
            connection = sso_connection_for_email(email) if "@" in email else None
        if "@" not in email:
            errors, fields = ["Enter your work email address."], {"email": ["Enter an email."]}
        elif connection is None:
            domain = email.rsplit("@", 1)[1]
            errors = [
                f"No organization signs in with single sign-on for addresses at {domain}. "
                "Sign in with your password instead."
            ]
            fields = {"email": ["No single sign-on for this address."]}
        else:
            try:
                return _go(request, connection, next_url)
            except DomainError as exc:
                errors, fields = errors_of(exc)
    ctx = {"email": email, "errors": errors, "fields": fields, "next": next_url}
    return render(request, "identity/sso_start.html", ctx, status=400 if errors else 200)


@require_GET
def sso_start_organization(request: HttpRequest, tenant: str) -> HttpResponse:
    """A link a client admin can share: /login/sso/<organization>/."""
    org = Organization.objects.filter(slug=tenant, is_active=True, kind="client").first()
    connection = None
    if org is not None:
        with transaction.atomic():
            set_rls_tenants([org.pk])
            connection = sso_connection_of(org)
    next_url = signin.safe_next(request, request.GET.get("next"))
    if connection is None:
        ctx = {
            "errors": ["This organization does not sign in with single sign-on."],
            "fields": {},
            "email": "",
            "next": next_url,
        }
        return render(request, "identity/sso_start.html", ctx, status=404)
    try:
        return _go(request, connection, next_url)
    except DomainError as exc:
        errors, fields = errors_of(exc)
        ctx = {"errors": errors, "fields": fields, "email": "", "next": next_url}
        return render(request, "identity/sso_start.html", ctx, status=exc.status)


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """Where the identity provider sends the browser back. The saved state is used once."""
    saved = request.session.pop(STATE, None)
    params = {k: request.GET.get(k, "") for k in ("state", "code", "error")}
    try:
        user = sso.finish(saved=saved, params=params)
    except DomainError as exc:
        status = exc.status if exc.code != ErrorCode.SSO_PROVIDER_UNAVAILABLE else 502
        return render(request, "identity/sso_error.html", {"message": exc.message}, status=status)
    next_url = str(saved.get("next") or "")
    if request.user.is_authenticated:
        return _confirmed(request, user, next_url)
    return signin.begin(request, user, backend=BACKEND, method="sso", next_url=next_url)


def _confirmed(request: HttpRequest, user: Any, next_url: str) -> HttpResponse:
    """Already signed in: the provider confirmed it is them (re-authentication), or it
    vouched for someone else, which changes nothing."""
    if user.pk != request.user.pk:
        message = (
            "Your organization's sign-in confirmed someone else, not you. Nothing changed: "
            "confirm with your own account."
        )
        return render(request, "identity/sso_error.html", {"message": message}, status=403)
    mark_recent_auth(request)
    with transaction.atomic():
        events.record(
            tenant_id=home_tenant_id(user),
            actor=user,
            event=events.reauthenticated(user, "single sign-on"),
        )
    return redirect(signin.safe_next(request, next_url))


def _posted(request: HttpRequest) -> sso.SsoSettings:
    return sso.SsoSettings(
        issuer=request.POST.get("issuer", ""),
        client_id=request.POST.get("client_id", ""),
        client_secret=request.POST.get("client_secret", ""),
        domains=request.POST.get("domains", ""),
        default_role=request.POST.get("default_role", ""),
        required=request.POST.get("required") == "on",
        enabled=request.POST.get("enabled") == "on",
    )


@reauth_required(methods=("POST",))
@tenant_view(Perm.MANAGE_MEMBERS)
def sso_settings(request: HttpRequest) -> HttpResponse:
    """The client admin's identity provider: address, client ID, secret (never shown back),
    email domains, the role of new people, and whether single sign-on is required."""
    access: TenantAccess = request.access  # type: ignore[attr-defined]
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        row = sso_connection_of(access.tenant)
        values: dict[str, Any] = {
            "issuer": row.issuer if row else "",
            "client_id": row.client_id if row else "",
            "domains": ", ".join(row.domains.values_list("domain", flat=True)) if row else "",
            "default_role": row.default_role if row else "client_user",
            "required": row.required if row else False,
            "enabled": row.enabled if row else True,
        }
    has_secret = bool(row and row.client_secret_encrypted)
    if request.method == "POST":
        posted = _posted(request)
        values = {**posted.__dict__, "client_secret": ""}
        try:
            sso.configure_sso(access=access, values=posted)
        except DomainError as exc:
            errors, fields = errors_of(exc)
        else:
            messages.success(request, "Single sign-on settings saved.")
            return redirect("identity:sso_settings", tenant=access.tenant.slug)
    ctx = {
        "values": values,
        "has_secret": has_secret,
        "errors": errors,
        "fields": fields,
        "is_provider": access.tenant.is_provider,
        "callback_url": _callback_url(request),
        "start_url": request.build_absolute_uri(
            reverse("identity:sso_start_organization", args=[access.tenant.slug])
        ),
        "roles": [("client_user", "Client user"), ("auditor", "Auditor")],
    }
    return render(request, "identity/sso_settings.html", ctx, status=400 if errors else 200)
