"""The audit events of the client dashboard package: a client admin changing what one member
of the client sees and may do. Names and shapes are part of the tenant's hash chain: never
change an existing one."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from backoffice.tenancy.models import Membership, Organization, User


class Action(StrEnum):
    MEMBER_GRANTS_CHANGED = "portal.member_grants_changed"


def record(*, tenant: Organization, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=[event])


def grants_changed_event(
    membership: Membership, *, username: str, before: dict[str, Any], after: dict[str, Any]
) -> PendingEvent:
    """`before`/`after`: {"user", "engagements": "all" or [engagement codes], "may_submit",
    "may_accept_quotes", "may_see_invoices"}."""
    return PendingEvent(
        action=Action.MEMBER_GRANTS_CHANGED.value,
        object_type=membership._meta.label_lower,
        object_id=str(membership.pk),
        before=before,
        after=after,
    )


describe(Action.MEMBER_GRANTS_CHANGED, "What {after[user]} sees and may do was changed")
