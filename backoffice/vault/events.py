"""The audit events the vault records: every action name, and one builder per kind.

No event ever carries a sensitive value: a reveal names the record and the field, and the
reason given; a key event names the key version, never the key.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from backoffice.audit.models import AuditEvent
    from backoffice.tenancy.models import Organization, User
    from backoffice.vault.models import RotationJob


class Action(StrEnum):
    VALUE_REVEALED = "vault.value_revealed"
    ROTATION_STARTED = "vault.rotation_started"
    ROTATION_FINISHED = "vault.rotation_finished"
    KEYS_DESTROYED = "vault.keys_destroyed"
    KEYS_REWRAPPED = "vault.keys_rewrapped"


def record(*, tenant: Organization | int, actor: User | None, event: PendingEvent) -> AuditEvent:
    (recorded,) = record_events(tenant=tenant, actor=actor, events=[event])
    return recorded


def value_revealed_event(
    *, record_type: str, record_id: int, field: str, reason: str
) -> PendingEvent:
    after = {"field": field, "reason": reason[:500]}
    return PendingEvent(Action.VALUE_REVEALED.value, record_type, str(record_id), None, after)


describe(
    Action.VALUE_REVEALED,
    "Confidential field {after[field]} of {object} revealed",
    labels={"field": "Field", "reason": "Reason given"},
)


def rotation_started_event(job: RotationJob) -> PendingEvent:
    after = {"from_version": job.from_version, "to_version": job.to_version, "total": job.total}
    return PendingEvent(
        Action.ROTATION_STARTED.value, "vault.rotationjob", str(job.pk), None, after
    )


describe(
    Action.ROTATION_STARTED,
    "Data key rotation to version {after[to_version]} started",
    labels={"from_version": "From key version", "to_version": "To key version", "total": "Records"},
)


def rotation_finished_event(job: RotationJob) -> PendingEvent:
    after = {"to_version": job.to_version, "done": job.done, "status": job.status}
    return PendingEvent(
        Action.ROTATION_FINISHED.value, "vault.rotationjob", str(job.pk), None, after
    )


describe(
    Action.ROTATION_FINISHED,
    "Data key rotation to version {after[to_version]}: {after[status]}",
    labels={"to_version": "Key version", "done": "Records re-sealed", "status": "Outcome"},
)


def keys_destroyed_event(*, tenant_id: int, versions: list[int], reason: str) -> PendingEvent:
    after = {"versions": versions, "reason": reason[:500]}
    return PendingEvent(
        Action.KEYS_DESTROYED.value, "tenancy.organization", str(tenant_id), None, after
    )


describe(
    Action.KEYS_DESTROYED,
    "Data keys destroyed: confidential data is unrecoverable",
    labels={"versions": "Key versions", "reason": "Reason given"},
)


def keys_rewrapped_event(
    *, tenant_id: int, versions: list[int], master_key_id: str
) -> PendingEvent:
    after = {"versions": versions, "master_key": master_key_id}
    return PendingEvent(
        Action.KEYS_REWRAPPED.value, "tenancy.organization", str(tenant_id), None, after
    )


describe(
    Action.KEYS_REWRAPPED,
    "Data keys wrapped under the new master key",
    labels={"versions": "Key versions", "master_key": "Master key id"},
)
