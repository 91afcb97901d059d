"""Access review pages of a client organization (`identity:access_reviews`, `access_review`).

The provider admin starts a review from the client's page; the client's own admin certifies
or revokes each provider staff member on it before the deadline."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from backoffice.core.dates import local_text
from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.reauth import reauth_required
from backoffice.identity.selectors import (
    access_review_by_id,
    access_reviews,
    review_lines,
    staff_memberships_of,
)
from backoffice.identity.services import reviews as service
from backoffice.identity.views._common import errors_of
from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import CLIENT_ROLES, Perm
from backoffice.tenancy.selectors import TenantAccess


def deadline_of(text: str, org: Organization) -> datetime:
    """The end of the day typed (YYYY-MM-DD), in the organization's time zone."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise DomainError(
            "Enter the deadline as a date, such as 2026-12-31.",
            code=ErrorCode.INVALID_REVIEW,
            fields={"deadline": ["Enter a date, such as 2026-12-31."]},
        ) from exc
    try:
        zone = ZoneInfo(org.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(day, time(23, 59), tzinfo=zone)


@tenant_view(Perm.REVIEW_ACCESS)
def reviews(request: HttpRequest) -> HttpResponse:
    access: TenantAccess = request.access  # type: ignore[attr-defined]
    errors: list[str] = []
    fields: dict[str, list[str]] = {}
    status = 400
    typed = request.POST.get("deadline", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            review = service.start_review(access=access, deadline=deadline_of(typed, access.tenant))
        except DomainError as exc:
            errors, fields = errors_of(exc)
            status = exc.status
        else:
            messages.success(request, "Access review started.")
            return redirect(
                "identity:access_review", tenant=access.tenant.slug, review_id=review.pk
            )
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        rows = list(access_reviews(access)[:50])
        staff = staff_memberships_of(access.tenant) if not access.tenant.is_provider else []
    ctx = {
        "reviews": [(r, local_text(r.deadline)) for r in rows],
        "staff": staff,
        "can_start": access.can(Perm.MANAGE_TENANT) and not access.tenant.is_provider,
        "deadline": typed,
        "errors": errors,
        "fields": fields,
    }
    return render(request, "identity/access_reviews.html", ctx, status=status if errors else 200)


@reauth_required(methods=("POST",))
@tenant_view(Perm.REVIEW_ACCESS)
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    access: TenantAccess = request.access  # type: ignore[attr-defined]
    errors: list[str] = []
    status = 400
    if request.method == "POST":
        try:
            line = service.decide(
                access=access,
                review_id=review_id,
                line_id=int(request.POST.get("line") or 0),
                decision=request.POST.get("decision", ""),
            )
        except DomainError as exc:
            errors, _ = errors_of(exc)
            status = exc.status
        else:
            messages.success(
                request, f"{line.user.username}: {line.get_decision_display().lower()}."
            )
            return redirect(
                "identity:access_review", tenant=access.tenant.slug, review_id=review_id
            )
    with transaction.atomic():
        review = access_review_by_id(access, review_id)
        lines = list(review_lines(review))
    ctx = {
        "review": review,
        "deadline": local_text(review.deadline),
        "lines": lines,
        "may_decide": access.membership is not None
        and access.role in CLIENT_ROLES
        and review.status == "open",
        "errors": errors,
        "fields": {},
    }
    return render(request, "identity/access_review.html", ctx, status=status if errors else 200)
