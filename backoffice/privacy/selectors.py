"""Reads of privacy, scoped to who asks. Every privacy row lives in a client's tenant;
asked from the provider's own account there is nothing to read (a clear refusal).
`access_<thing>_by_id` fetch and authorise together: another tenant's id is the same 404
as a missing one."""

from __future__ import annotations

from django.db.models import QuerySet

from backoffice.core.errors import Forbidden, NotFound
from backoffice.privacy.error_codes import ErrorCode
from backoffice.privacy.models import (
    Erasure,
    LegalHold,
    Offboarding,
    RetentionRule,
    SubjectRequest,
)
from backoffice.tenancy.roles import CLIENT_ROLES, Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work.models import Engagement, IntakeBatch


def client_of(access: TenantAccess, perm: str = Perm.VIEW_PRIVACY) -> int:
    """The client tenant whose privacy rows the caller reads or changes."""
    access.require(perm)
    if access.tenant.is_provider:
        raise Forbidden(
            "Retention, legal holds and data-subject requests belong to each client; "
            "switch to the client's account.",
            code=ErrorCode.NOT_A_CLIENT,
        )
    return access.tenant.pk


def can_see_subjects(access: TenantAccess) -> bool:
    """Only the client's own admin (the controller) sees who a request is about and decides
    it: the provider's admin holds every permission but acts as processor, so not here."""
    return access.can(Perm.REQUEST_PRIVACY) and access.role in CLIENT_ROLES


def require_controller(access: TenantAccess) -> None:
    if not can_see_subjects(access):
        raise Forbidden(
            "Data-subject requests are decided by the client's administrator, who controls "
            "the data; the provider sees their status only."
        )


def rules(access: TenantAccess) -> QuerySet[RetentionRule]:
    tenant = client_of(access)
    return RetentionRule.objects.for_tenant(tenant).select_related("engagement").order_by("pk")


def holds(access: TenantAccess) -> QuerySet[LegalHold]:
    tenant = client_of(access)
    return LegalHold.objects.for_tenant(tenant).select_related("engagement", "batch")


def requests(access: TenantAccess) -> QuerySet[SubjectRequest]:
    tenant = client_of(access)
    return SubjectRequest.objects.for_tenant(tenant).select_related("engagement")


def erasures(access: TenantAccess) -> QuerySet[Erasure]:
    return Erasure.objects.for_tenant(client_of(access))


def offboardings(access: TenantAccess) -> QuerySet[Offboarding]:
    return Offboarding.objects.for_tenant(client_of(access))


def engagements(access: TenantAccess) -> QuerySet[Engagement]:
    return Engagement.objects.for_tenant(client_of(access)).order_by("name")


def _get(qs: QuerySet, pk: int, what: str):  # type: ignore[no-untyped-def]
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"No such {what}.")
    return obj


def access_engagement_by_id(
    access: TenantAccess, pk: int, *, perm: str = Perm.VIEW_PRIVACY
) -> Engagement:
    return _get(Engagement.objects.for_tenant(client_of(access, perm)), pk, "engagement")


def access_batch_by_id(
    access: TenantAccess, pk: int, *, perm: str = Perm.MANAGE_PRIVACY
) -> IntakeBatch:
    return _get(IntakeBatch.objects.for_tenant(client_of(access, perm)), pk, "batch")


def access_rule_by_id(
    access: TenantAccess, pk: int, *, perm: str = Perm.VIEW_PRIVACY
) -> RetentionRule:
    qs = RetentionRule.objects.for_tenant(client_of(access, perm)).select_related("engagement")
    return _get(qs, pk, "retention rule")


def access_hold_by_id(access: TenantAccess, pk: int, *, perm: str = Perm.VIEW_PRIVACY) -> LegalHold:
    return _get(LegalHold.objects.for_tenant(client_of(access, perm)), pk, "legal hold")


def access_request_by_id(
    access: TenantAccess, pk: int, *, perm: str = Perm.VIEW_PRIVACY
) -> SubjectRequest:
    """With `perm=Perm.REQUEST_PRIVACY`: fetched for the controller's decision or export."""
    if perm == Perm.REQUEST_PRIVACY:
        require_controller(access)
    qs = SubjectRequest.objects.for_tenant(client_of(access, perm)).select_related("engagement")
    return _get(qs, pk, "request")


def access_offboarding_by_id(
    access: TenantAccess, pk: int, *, perm: str = Perm.VIEW_PRIVACY
) -> Offboarding:
    return _get(Offboarding.objects.for_tenant(client_of(access, perm)), pk, "offboarding")
