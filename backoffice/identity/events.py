"""The audit events identity writes: one builder per kind, each action named here once.

A person's security events (a factor added, a session ended) go to the chain of their home
organization (`selectors.home_tenant_id`); a policy change to the organization it governs.
No event ever carries a secret, a code or a session key.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events
from backoffice.core.rls import set_rls_tenants

if TYPE_CHECKING:
    from django.db import models

    from backoffice.tenancy.models import User


class Action(StrEnum):
    SIGNED_IN = "identity.signed_in"
    TOTP_ENROLLED = "identity.totp_enrolled"
    TOTP_REMOVED = "identity.totp_removed"
    RECOVERY_CODES_GENERATED = "identity.recovery_codes_generated"
    RECOVERY_CODE_USED = "identity.recovery_code_used"
    PASSKEY_ADDED = "identity.passkey_added"
    PASSKEY_REMOVED = "identity.passkey_removed"
    SESSION_ENDED = "identity.session_ended"
    OTHER_SESSIONS_ENDED = "identity.other_sessions_ended"
    REAUTHENTICATED = "identity.reauthenticated"
    POLICY_CHANGED = "identity.policy_changed"
    SSO_CONFIGURED = "identity.sso_configured"
    SSO_USER_PROVISIONED = "identity.sso_user_provisioned"
    REVIEW_STARTED = "identity.access_review_started"
    ACCESS_CERTIFIED = "identity.access_certified"
    ACCESS_REVOKED = "identity.access_revoked"
    ACCESS_EXPIRED = "identity.access_expired"
    REVIEW_CLOSED = "identity.access_review_closed"


def record(*, tenant_id: int | None, actor: User | None, event: PendingEvent) -> None:
    """Append the event to the tenant's chain, in the caller's transaction (none: the person
    belongs to no organization yet, and there is no chain to write to)."""
    if tenant_id is None:
        return
    set_rls_tenants([tenant_id])
    record_events(tenant=tenant_id, actor=actor, events=[event])


def _event(
    action: Action, obj: models.Model, *, before: Any = None, after: Any = None
) -> PendingEvent:
    return PendingEvent(
        action=action.value,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
    )


def signed_in(user: User, method: str) -> PendingEvent:
    return _event(Action.SIGNED_IN, user, after={"method": method})


describe(Action.SIGNED_IN, "{object} signed in ({after[method]})", labels={"method": "With"})


def totp_enrolled(user: User) -> PendingEvent:
    return _event(Action.TOTP_ENROLLED, user, after={"factor": "authenticator app"})


describe(Action.TOTP_ENROLLED, "{object} set up an authenticator app")


def totp_removed(user: User) -> PendingEvent:
    return _event(Action.TOTP_REMOVED, user, before={"factor": "authenticator app"})


describe(Action.TOTP_REMOVED, "{object} removed their authenticator app")


def recovery_codes_generated(user: User, count: int) -> PendingEvent:
    return _event(Action.RECOVERY_CODES_GENERATED, user, after={"codes": count})


describe(Action.RECOVERY_CODES_GENERATED, "{object} made {after[codes]} new recovery codes")


def recovery_code_used(user: User, left: int) -> PendingEvent:
    return _event(Action.RECOVERY_CODE_USED, user, after={"codes_left": left})


describe(
    Action.RECOVERY_CODE_USED,
    "{object} signed in with a recovery code ({after[codes_left]} left)",
    labels={"codes_left": "Codes left"},
)


def passkey_added(user: User, name: str) -> PendingEvent:
    return _event(Action.PASSKEY_ADDED, user, after={"name": name})


describe(Action.PASSKEY_ADDED, "{object} added the passkey {after[name]}")


def passkey_removed(user: User, name: str) -> PendingEvent:
    return _event(Action.PASSKEY_REMOVED, user, before={"name": name})


describe(Action.PASSKEY_REMOVED, "{object} removed the passkey {before[name]}")


def session_ended(user: User, session_id: int, reason: str) -> PendingEvent:
    return _event(Action.SESSION_ENDED, user, after={"session": session_id, "reason": reason})


describe(
    Action.SESSION_ENDED,
    "A session of {object} was signed out",
    labels={"session": "Session"},
    kinds={"reason": "code"},
)


def other_sessions_ended(user: User, count: int) -> PendingEvent:
    return _event(Action.OTHER_SESSIONS_ENDED, user, after={"sessions": count})


describe(Action.OTHER_SESSIONS_ENDED, "{object} signed out {after[sessions]} other sessions")


def reauthenticated(user: User, method: str) -> PendingEvent:
    return _event(Action.REAUTHENTICATED, user, after={"method": method})


describe(Action.REAUTHENTICATED, "{object} confirmed it was them ({after[method]})")


def policy_changed(
    policy: models.Model, before: dict[str, str], after: dict[str, str]
) -> PendingEvent:
    return _event(Action.POLICY_CHANGED, policy, before=before, after=after)


describe(
    Action.POLICY_CHANGED,
    "Two-step sign-in policy changed",
    labels={"staff": "Provider staff", "members": "The organization's users"},
    kinds={"staff": "code", "members": "code"},
)


def sso_configured(
    connection: models.Model, before: dict[str, Any], after: dict[str, Any]
) -> PendingEvent:
    return _event(Action.SSO_CONFIGURED, connection, before=before, after=after)


describe(
    Action.SSO_CONFIGURED,
    "Single sign-on settings changed",
    labels={
        "issuer": "Identity provider",
        "client_id": "Client ID",
        "secret_changed": "Client secret replaced",
        "domains": "Email domains",
        "default_role": "Role of new users",
        "required": "Single sign-on required",
        "enabled": "Switched on",
    },
    kinds={"default_role": "code"},
)


def sso_user_provisioned(user: User, issuer: str, role: str) -> PendingEvent:
    return _event(Action.SSO_USER_PROVISIONED, user, after={"issuer": issuer, "role": role})


describe(
    Action.SSO_USER_PROVISIONED,
    "{object} was given an account at their first single sign-on",
    labels={"issuer": "Identity provider", "role": "Role"},
    kinds={"role": "code"},
)


def review_started(review: models.Model, deadline: str, people: int) -> PendingEvent:
    return _event(Action.REVIEW_STARTED, review, after={"deadline": deadline, "people": people})


describe(
    Action.REVIEW_STARTED,
    "An access review of {after[people]} provider staff was started (deadline {after[deadline]})",
    labels={"deadline": "Deadline", "people": "Staff to review"},
)


def access_decided(action: Action, line: models.Model, username: str, role: str) -> PendingEvent:
    return _event(action, line, after={"person": username, "role": role})


describe(
    Action.ACCESS_CERTIFIED,
    "The access of {after[person]} was certified",
    labels={"person": "Person", "role": "Role"},
    kinds={"role": "code"},
)
describe(
    Action.ACCESS_REVOKED,
    "The access of {after[person]} was revoked in an access review",
    labels={"person": "Person", "role": "Role"},
    kinds={"role": "code"},
)
describe(
    Action.ACCESS_EXPIRED,
    "The access of {after[person]} was removed: not certified by the deadline",
    labels={"person": "Person", "role": "Role"},
    kinds={"role": "code"},
)


def review_closed(review: models.Model, counts: dict[str, int]) -> PendingEvent:
    return _event(Action.REVIEW_CLOSED, review, after=counts)


describe(
    Action.REVIEW_CLOSED,
    "An access review closed",
    labels={"certified": "Certified", "revoked": "Revoked", "expired": "Removed at the deadline"},
)
