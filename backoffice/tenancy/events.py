"""The audit events tenancy records: every action name, and one builder per kind.

Each builder returns the `PendingEvent` for one kind of change, so an event's name and the
shape of its before/after JSON are written once, here. Both are part of the tenant's hash
chain: never change an existing name or shape (old events must still verify).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.audit.models import AuditEvent
    from backoffice.tenancy.models import ApiToken, Membership, Organization, User


class Action(StrEnum):
    """Audit action names of tenancy (`AuditEvent.action`)."""

    ORGANIZATION_CREATED = "organization.created"
    ORGANIZATION_CHANGED = "organization.changed"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_CHANGED = "membership.changed"
    MEMBERSHIP_REVOKED = "membership.revoked"
    API_TOKEN_ISSUED = "api_token.issued"
    API_TOKEN_REVOKED = "api_token.revoked"


def record(*, tenant: Organization, actor: User | None, event: PendingEvent) -> AuditEvent:
    """Append one event to the tenant's chain inside the caller's transaction."""
    (recorded,) = record_events(tenant=tenant, actor=actor, events=[event])
    return recorded


def _event(action: Action, obj: models.Model, after: Any = None) -> PendingEvent:
    return PendingEvent(action.value, obj._meta.label_lower, str(obj.pk), None, after)


def organization_created_event(org: Organization) -> PendingEvent:
    after = {"slug": org.slug, "name": org.name, "kind": org.kind}
    return _event(Action.ORGANIZATION_CREATED, org, after=after)


describe(Action.ORGANIZATION_CREATED, "Organization {object} created")


def organization_changed_event(org: Organization, *, changes: dict[str, Any]) -> PendingEvent:
    """An edit in the admin: the changed fields with their new values."""
    return _event(Action.ORGANIZATION_CHANGED, org, after=changes)


describe(Action.ORGANIZATION_CHANGED, "Organization {object} changed")


def membership_set_event(membership: Membership, *, username: str, created: bool) -> PendingEvent:
    """`membership.added` for a new member, `membership.changed` for a new role."""
    action = Action.MEMBERSHIP_ADDED if created else Action.MEMBERSHIP_CHANGED
    after = {"user": username, "role": membership.role}
    return _event(action, membership, after=after)


describe(Action.MEMBERSHIP_ADDED, "{after[user]} added as {after[role]}")
describe(Action.MEMBERSHIP_CHANGED, "{after[user]} is now {after[role]}")


def membership_revoked_event(membership: Membership, *, username: str) -> PendingEvent:
    return _event(Action.MEMBERSHIP_REVOKED, membership, after={"user": username})


describe(Action.MEMBERSHIP_REVOKED, "Membership of {after[user]} revoked")


def api_token_issued_event(token: ApiToken) -> PendingEvent:
    after = {"name": token.name, "role": token.role, "expires_at": token.expires_at.isoformat()}
    return _event(Action.API_TOKEN_ISSUED, token, after=after)


describe(Action.API_TOKEN_ISSUED, "API token “{after[name]}” issued with the {after[role]} role")


def api_token_revoked_event(token: ApiToken) -> PendingEvent:
    return _event(Action.API_TOKEN_REVOKED, token)


describe(Action.API_TOKEN_REVOKED, "API token {object} revoked")
