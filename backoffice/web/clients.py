"""Clients and their members, set up by a provider admin from the provider's organization.

A client is opened with its name, slug, country, time zone and currency; its people are
added with a role (a new username gets a one-time password shown once). A client's own
admin manages its members on the members page of its organization, which this links to.
Forms keep what was typed and show each refusal beside its field; nothing is written then.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.errors import DomainError, NotFound
from backoffice.tenancy import services as tenancy_services
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import TenantAccess, access_tenant, grantable_roles, members_of

CLIENT_FIELDS = ("name", "slug", "country", "timezone", "currency")
MEMBER_FIELDS = ("username", "display_name", "email", "role")
NEW_PASSWORD_KEY = "web.clients.new_password"


def _access(request: HttpRequest) -> TenantAccess:
    return request.access  # type: ignore[attr-defined,no-any-return]


def _clients_of(provider: Organization) -> QuerySet[Organization]:
    return (
        Organization.objects.filter(provider=provider)
        .annotate(members=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("name")
    )


def _client_by_id(access: TenantAccess, client_id: int) -> Organization:
    """One client of the caller's provider; anything else (another provider's, a missing
    one) is the same 404."""
    found = Organization.objects.filter(provider=access.tenant, pk=client_id).first()
    if found is None:
        raise NotFound("No such client.")
    return found


def _errors(exc: DomainError, fallback: str) -> dict[str, list[str]]:
    return dict(exc.fields) or {fallback: [exc.message]}


@tenant_view(Perm.MANAGE_TENANT)
@tenant_transaction
def clients(request: HttpRequest) -> HttpResponse:
    """The provider's clients and a form that opens a new one."""
    access = _access(request)
    if not access.tenant.is_provider:
        # A provider admin looking at a client: its page lives under the provider.
        provider = access.tenant.provider
        if provider is None:
            raise Http404("No such page.")
        return redirect("web:client", tenant=provider.slug, client_id=access.tenant.pk)
    errors: dict[str, list[str]] = {}
    values = {"country": access.tenant.country, "timezone": access.tenant.timezone}
    values["currency"] = access.tenant.currency
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in CLIENT_FIELDS}
        try:
            with transaction.atomic():
                client = tenancy_services.create_client(
                    access=access,
                    slug=values["slug"],
                    name=values["name"],
                    country=values["country"],
                    timezone_name=values["timezone"],
                    currency=values["currency"],
                )
            messages.success(request, f"{client.name} opened. Add its people below.")
            return redirect("web:client", tenant=access.tenant.slug, client_id=client.pk)
        except DomainError as exc:
            errors = _errors(exc, "name")
            messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(
        request,
        "web/clients.html",
        {
            "clients": _clients_of(access.tenant),
            "values": values,
            "errors": errors,
            "timezones": sorted(available_timezones()),
        },
        status=400 if errors else 200,
    )


def _add_member(
    request: HttpRequest, client: Organization, values: dict[str, str]
) -> tuple[Any, str | None]:
    """Add the person as the caller acting in the client's organization (its rules apply)."""
    access = _access(request)
    try:
        in_client = access_tenant(user=access.user, slug=client.slug)
    except NotFound as exc:
        raise Http404("No such client.") from exc
    with transaction.atomic():
        return tenancy_services.invite_member(
            access=in_client,
            username=values["username"],
            role=values["role"],
            display_name=values["display_name"],
            email=values["email"],
        )


@tenant_view(Perm.MANAGE_TENANT)
@tenant_transaction
def client(request: HttpRequest, client_id: int) -> HttpResponse:
    """One client: its settings, its people, and a form to add one."""
    access = _access(request)
    the_client = _client_by_id(access, client_id)
    errors: dict[str, list[str]] = {}
    values = {"role": Role.CLIENT_USER.value}
    # A new member's one-time password, shown on the page after the redirect and then gone.
    new_username, new_password = request.session.pop(NEW_PASSWORD_KEY, ("", None))
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in MEMBER_FIELDS}
        try:
            membership, password = _add_member(request, the_client, values)
            messages.success(
                request, f"{membership.user.username} is now {membership.get_role_display()}."
            )
            if password is not None:
                request.session[NEW_PASSWORD_KEY] = (membership.user.username, password)
            return redirect("web:client", tenant=access.tenant.slug, client_id=the_client.pk)
        except DomainError as exc:
            errors = _errors(exc, "username")
            messages.error(request, "Nothing was saved: correct the fields marked below.")
            status = 400
    return render(
        request,
        "web/client.html",
        {
            "client": the_client,
            "members": members_of(the_client),
            "roles": grantable_roles(access),
            "values": values,
            "errors": errors,
            "new_password": new_password,
            "new_username": new_username,
        },
        status=status,
    )
