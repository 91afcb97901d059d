"""Who sees what on the client side: a client admin narrows one member of the client.

Per member: all of the client's engagements or only named ones (`work.EngagementGrant`),
and whether they may submit work, approve quotes and see invoices (`Membership` flags that
withhold the role's permissions, `tenancy.models.GRANT_FLAGS`). Grants narrow a role, never
widen it: the role in `tenancy/roles.py` stays the ceiling. The query layer applies them
(`work.selectors.engagement_limit`, `TenantAccess.permissions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from backoffice.core.errors import DomainError
from backoffice.portal.dashboard import events
from backoffice.portal.dashboard.error_codes import ErrorCode
from backoffice.tenancy.models import GRANT_FLAGS, GRANTABLE_ROLES, Membership
from backoffice.tenancy.roles import ROLE_PERMISSIONS, Perm
from backoffice.tenancy.selectors import TenantAccess, access_membership_by_username
from backoffice.work.models import Engagement, EngagementGrant

FLAG_LABELS = {
    "may_submit": "May submit work",
    "may_accept_quotes": "May approve quotes",
    "may_see_invoices": "May see invoices",
}


@dataclass(frozen=True)
class MemberGrants:
    """What the editor shows of one member: the flags, the engagements named, and which flags
    their role allows at all (a flag the role lacks is not the admin's to give)."""

    membership: Membership
    all_engagements: bool
    engagement_ids: frozenset[int]
    flags: dict[str, bool]
    role_allows: dict[str, bool]

    @property
    def is_narrowed(self) -> bool:
        return not self.all_engagements or not all(
            on for f, on in self.flags.items() if self.role_allows[f]
        )


def client_engagements(access: TenantAccess) -> list[Engagement]:
    """The client's engagements, the choices of the editor (every one, whatever the admin's
    own grants: a client admin is never narrowed by the editor they hold)."""
    return list(Engagement.objects.for_tenant(access.tenant).order_by("name"))


def _role_allows(role: str) -> dict[str, bool]:
    perms = ROLE_PERMISSIONS.get(role, frozenset())
    return {f: all(p in perms for p in ps) for f, ps in GRANT_FLAGS.items()}


def grants_of(access: TenantAccess, memberships: Iterable[Membership]) -> dict[int, MemberGrants]:
    """The grants of these members of the caller's (client) tenant, by membership id."""
    rows = [m for m in memberships if m.role in GRANTABLE_ROLES]
    named: dict[int, set[int]] = {}
    for user_id, engagement_id in (
        EngagementGrant.objects.for_tenant(access.tenant)
        .filter(user_id__in=[m.user_id for m in rows])
        .values_list("user_id", "engagement_id")
    ):
        named.setdefault(user_id, set()).add(engagement_id)
    return {
        m.pk: MemberGrants(
            membership=m,
            all_engagements=m.all_engagements,
            engagement_ids=frozenset(named.get(m.user_id, set())),
            flags={f: getattr(m, f) for f in GRANT_FLAGS},
            role_allows=_role_allows(m.role),
        )
        for m in rows
    }


def _snapshot(membership: Membership, codes: list[str]) -> dict[str, Any]:
    return {
        "user": membership.user.username,
        "engagements": "all" if membership.all_engagements else sorted(codes),
        **{f: getattr(membership, f) for f in GRANT_FLAGS},
    }


def _chosen(access: TenantAccess, engagement_ids: Iterable[int | str]) -> list[Engagement]:
    try:
        ids = {int(i) for i in engagement_ids}
    except (TypeError, ValueError) as exc:
        raise DomainError(
            "Choose engagements from the list.",
            code=ErrorCode.UNKNOWN_ENGAGEMENT,
            fields={"engagements": ["unknown"]},
        ) from exc
    found = list(Engagement.objects.for_tenant(access.tenant).filter(pk__in=ids))
    if len(found) != len(ids):
        raise DomainError(
            "One of the chosen engagements is not this organisation's.",
            code=ErrorCode.UNKNOWN_ENGAGEMENT,
            fields={"engagements": ["unknown"]},
        )
    return found


def _check_member(access: TenantAccess, membership: Membership) -> None:
    if access.tenant.is_provider or membership.role not in GRANTABLE_ROLES:
        raise DomainError(
            "Only the client's own members (client admins and client users) can be narrowed.",
            code=ErrorCode.NOT_A_CLIENT_MEMBER,
            fields={"username": ["not a client member"]},
        )
    if membership.user_id == access.user.pk:
        raise DomainError(
            "You cannot change what you see yourself; ask another client admin.",
            code=ErrorCode.OWN_GRANTS,
            fields={"username": ["you"]},
        )


def set_member_grants(
    *,
    access: TenantAccess,
    username: str,
    all_engagements: bool,
    engagement_ids: Iterable[int | str] = (),
    may_submit: bool = True,
    may_accept_quotes: bool = True,
    may_see_invoices: bool = True,
) -> Membership:
    """Set what one member of the client sees and may do, in one transaction, audited.

    Limited to named engagements, at least one must be named (a member who should see
    nothing is removed instead). Engagements are the client's own; any other id is refused.
    """
    access.require(Perm.MANAGE_MEMBERS)
    wanted = {
        "may_submit": may_submit,
        "may_accept_quotes": may_accept_quotes,
        "may_see_invoices": may_see_invoices,
    }
    with transaction.atomic():
        membership = access_membership_by_username(access, username, for_update=True)
        _check_member(access, membership)
        chosen = [] if all_engagements else _chosen(access, engagement_ids)
        if not all_engagements and not chosen:
            raise DomainError(
                "Choose at least one engagement, or let them see all of them.",
                code=ErrorCode.NO_ENGAGEMENT_CHOSEN,
                fields={"engagements": ["none chosen"]},
            )
        grants = EngagementGrant.objects.for_tenant(access.tenant).filter(
            user_id=membership.user_id
        )
        before = _snapshot(membership, list(grants.values_list("engagement__code", flat=True)))
        if not all_engagements:
            grants.exclude(engagement__in=chosen).delete()
            have = set(grants.values_list("engagement_id", flat=True))
            EngagementGrant.objects.bulk_create(
                EngagementGrant(tenant=access.tenant, user_id=membership.user_id, engagement=e)
                for e in chosen
                if e.pk not in have
            )
        membership.all_engagements = all_engagements
        for flag, on in wanted.items():
            setattr(membership, flag, on)
        membership.save(update_fields=["all_engagements", *GRANT_FLAGS])
        after = _snapshot(membership, [e.code for e in chosen])
        if after != before:
            event = events.grants_changed_event(
                membership, username=membership.user.username, before=before, after=after
            )
            events.record(tenant=access.tenant, actor=access.user, event=event)
    return membership
