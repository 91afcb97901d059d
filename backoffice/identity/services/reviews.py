"""Access reviews: a client's admin certifies the provider staff who can reach its data.

    start_review (provider admin, in the client)   one line per provider staff member who
                                                   holds an active membership of the client
    decide (the client's own admin)                certified: stays; revoked: removed now
    close_due_reviews (periodic task)              at the deadline every undecided line is
                                                   removed ("expired") and the review closes

Removing access deactivates the person's membership of the client (never of the provider).
Every step is audited in the client's chain. Staff who reach every client through a
provider-wide role (provider admin, auditor) hold no membership of the client and are not
on the list (see docs/security.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError, Forbidden, NotFound
from backoffice.core.rls import set_rls_bypass, set_rls_tenants
from backoffice.identity import events
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.models import AccessReview, AccessReviewLine
from backoffice.identity.selectors import access_review_by_id, staff_memberships_of
from backoffice.tenancy import events as tenancy_events
from backoffice.tenancy.models import Membership
from backoffice.tenancy.roles import CLIENT_ROLES, Perm
from backoffice.tenancy.selectors import TenantAccess

MAX_DAYS = 90


def start_review(*, access: TenantAccess, deadline: datetime) -> AccessReview:
    """Open a review of the client's provider staff (provider admin; one open at a time)."""
    access.require(Perm.MANAGE_TENANT)
    tenant = access.tenant
    if tenant.is_provider:
        raise DomainError(
            "Start an access review from the client organization whose access is reviewed.",
            code=ErrorCode.INVALID_REVIEW,
        )
    now = timezone.now()
    if deadline <= now + timedelta(hours=1) or deadline > now + timedelta(days=MAX_DAYS):
        raise DomainError(
            f"Choose a deadline between tomorrow and {MAX_DAYS} days from now.",
            code=ErrorCode.INVALID_REVIEW,
            fields={"deadline": [f"Between tomorrow and {MAX_DAYS} days from now."]},
        )
    try:
        with transaction.atomic():
            set_rls_tenants([tenant.pk])
            review = AccessReview.objects.create(
                tenant=tenant, deadline=deadline, started_by=access.user
            )
            staff = staff_memberships_of(tenant)
            AccessReviewLine.objects.bulk_create(
                AccessReviewLine(tenant=tenant, review=review, user=m.user, role=m.role)
                for m in staff
            )
            events.record(
                tenant_id=tenant.pk,
                actor=access.user,
                event=events.review_started(review, deadline.isoformat(), len(staff)),
            )
    except IntegrityError as exc:
        raise Conflict(
            "An access review is already open for this organization. Wait for it to close.",
            code=ErrorCode.REVIEW_ALREADY_OPEN,
        ) from exc
    return review


def _remove_access(line: AccessReviewLine) -> None:
    """Deactivate the person's membership of the client (audited like tenancy's own revoke)."""
    membership = (
        Membership.objects.select_for_update()
        .filter(organization_id=line.tenant_id, user_id=line.user_id, is_active=True)
        .first()
    )
    if membership is None:
        return
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    tenancy_events.record(
        tenant=membership.organization,
        actor=None,
        event=tenancy_events.membership_revoked_event(membership, username=line.user.username),
    )


def decide(
    *, access: TenantAccess, review_id: int, line_id: int, decision: str
) -> AccessReviewLine:
    """The client's own admin certifies or revokes one person's access."""
    access.require(Perm.REVIEW_ACCESS)
    if access.membership is None or access.role not in CLIENT_ROLES:
        raise Forbidden(
            "Only the client's own administrators certify the provider staff's access.",
            code=ErrorCode.INVALID_DECISION,
        )
    if decision not in (AccessReviewLine.Decision.CERTIFIED, AccessReviewLine.Decision.REVOKED):
        raise DomainError(
            "Choose Certify or Revoke.",
            code=ErrorCode.INVALID_DECISION,
            fields={"decision": ["Choose Certify or Revoke."]},
        )
    with transaction.atomic():
        review = access_review_by_id(access, review_id, for_update=True)
        if review.status != AccessReview.Status.OPEN or review.deadline <= timezone.now():
            raise Conflict(
                "This access review is closed; its decisions can no longer change.",
                code=ErrorCode.REVIEW_CLOSED,
            )
        line = (
            AccessReviewLine.objects.for_tenant(access.tenant)
            .select_for_update()
            .select_related("user")
            .filter(review=review, pk=line_id)
            .first()
        )
        if line is None:
            raise NotFound("No such person in this review.")
        if line.decision != AccessReviewLine.Decision.PENDING:
            raise Conflict(
                f"The access of {line.user.username} was already decided "
                f"({line.get_decision_display().lower()}).",
                code=ErrorCode.INVALID_DECISION,
            )
        line.decision, line.decided_by, line.decided_at = decision, access.user, timezone.now()
        line.save(update_fields=["decision", "decided_by", "decided_at"])
        if decision == AccessReviewLine.Decision.REVOKED:
            _remove_access(line)
        action = (
            events.Action.ACCESS_CERTIFIED
            if decision == AccessReviewLine.Decision.CERTIFIED
            else events.Action.ACCESS_REVOKED
        )
        events.record(
            tenant_id=access.tenant.pk,
            actor=access.user,
            event=events.access_decided(action, line, line.user.username, line.role),
        )
    return line


def close_review(*, tenant_id: int, review_id: int, now: datetime | None = None) -> dict[str, int]:
    """Close one review whose deadline passed: remove every undecided access (one
    transaction per review: all of it or none)."""
    now = now or timezone.now()
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        review = (
            AccessReview.objects.for_tenant(tenant_id)
            .select_for_update()
            .filter(pk=review_id, status=AccessReview.Status.OPEN, deadline__lte=now)
            .first()
        )
        if review is None:
            return {}
        lines = list(
            AccessReviewLine.objects.for_tenant(tenant_id)
            .select_for_update()
            .select_related("user")
            .filter(review=review)
        )
        for line in lines:
            if line.decision != AccessReviewLine.Decision.PENDING:
                continue
            line.decision, line.decided_at = AccessReviewLine.Decision.EXPIRED, now
            line.save(update_fields=["decision", "decided_at"])
            _remove_access(line)
            events.record(
                tenant_id=tenant_id,
                actor=None,
                event=events.access_decided(
                    events.Action.ACCESS_EXPIRED, line, line.user.username, line.role
                ),
            )
        counts = {
            d: sum(1 for line in lines if line.decision == d)
            for d in ("certified", "revoked", "expired")
        }
        review.status, review.closed_at = AccessReview.Status.CLOSED, now
        review.save(update_fields=["status", "closed_at"])
        events.record(tenant_id=tenant_id, actor=None, event=events.review_closed(review, counts))
    return counts


def close_due_reviews(*, now: datetime | None = None) -> int:
    """Every open review past its deadline, closed (the periodic task). How many closed."""
    now = now or timezone.now()
    with transaction.atomic():
        set_rls_bypass()
        due = list(
            AccessReview.objects.unscoped("the periodic close looks at every client's reviews")
            .filter(status=AccessReview.Status.OPEN, deadline__lte=now)
            .values_list("tenant_id", "pk")
        )
    closed = 0
    for tenant_id, review_id in due:
        if close_review(tenant_id=tenant_id, review_id=review_id, now=now):
            closed += 1
    return closed
