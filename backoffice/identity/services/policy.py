"""The organization's two-step sign-in policy, set by its admin."""

from __future__ import annotations

from django.db import transaction

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.identity import events
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.models import MfaPolicy, Requirement
from backoffice.identity.selectors import policy_of
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess


def set_policy(*, access: TenantAccess, staff: str, members: str) -> MfaPolicy:
    access.require(Perm.MANAGE_MEMBERS)
    allowed = set(Requirement.values)
    wrong = {
        name: ["Choose optional or required."]
        for name, value in (("staff", staff), ("members", members))
        if value not in allowed
    }
    if wrong:
        raise DomainError(
            "Choose optional or required for each group.",
            code=ErrorCode.INVALID_POLICY,
            fields=wrong,
        )
    tenant = access.tenant
    with transaction.atomic():
        set_rls_tenants([tenant.pk])
        before = policy_of(tenant)
        row = MfaPolicy.objects.for_tenant(tenant).select_for_update().first()
        if row is None:
            row = MfaPolicy(tenant=tenant)
        row.staff, row.members, row.updated_by = staff, members, access.user
        row.save()
        after = {"staff": staff, "members": members}
        if before != after:
            events.record(
                tenant_id=tenant.pk,
                actor=access.user,
                event=events.policy_changed(row, before, after),
            )
    return row
