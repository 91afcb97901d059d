"""The audit events privacy records: every action name, and one builder per kind.

No event carries personal data: an erasure's tombstone holds counts, the kind and the
item id range; a data-subject request event names the field searched, never its value.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from backoffice.audit.models import AuditEvent
    from backoffice.privacy.models import (
        Erasure,
        LegalHold,
        Offboarding,
        RetentionRule,
        SubjectRequest,
    )
    from backoffice.tenancy.models import Organization, User


class Action(StrEnum):
    RULE_SET = "privacy.retention_rule_set"
    RULE_REMOVED = "privacy.retention_rule_removed"
    HOLD_PLACED = "privacy.legal_hold_placed"
    HOLD_RELEASED = "privacy.legal_hold_released"
    DATA_ERASED = "privacy.data_erased"
    REQUEST_RECEIVED = "privacy.subject_request_received"
    REQUEST_DECIDED = "privacy.subject_request_decided"
    OFFBOARDING_STARTED = "privacy.offboarding_started"
    OFFBOARDING_EXPORTED = "privacy.offboarding_exported"
    OFFBOARDING_FINISHED = "privacy.offboarding_finished"


def record(*, tenant: Organization | int, actor: User | None, event: PendingEvent) -> AuditEvent:
    (recorded,) = record_events(tenant=tenant, actor=actor, events=[event])
    return recorded


def rule_set_event(rule: RetentionRule) -> PendingEvent:
    after = {"engagement": rule.engagement_id, "days": rule.days, "action": rule.action}
    return PendingEvent(Action.RULE_SET.value, "privacy.retentionrule", str(rule.pk), None, after)


describe(
    Action.RULE_SET,
    "Retention rule set: engagement #{after[engagement]}, {after[days]} days, {after[action]}",
    labels={"days": "Days after completion"},
    kinds={"action": "code"},
)


def rule_removed_event(rule: RetentionRule) -> PendingEvent:
    before = {"engagement": rule.engagement_id, "days": rule.days, "action": rule.action}
    return PendingEvent(
        Action.RULE_REMOVED.value, "privacy.retentionrule", str(rule.pk), before, None
    )


describe(Action.RULE_REMOVED, "Retention rule of engagement #{before[engagement]} removed")


def _hold_shape(hold: LegalHold) -> dict:
    return {
        "scope": hold.scope,
        "engagement": hold.engagement_id,
        "batch": hold.batch_id,
        "reason": hold.reason,
    }


def hold_placed_event(hold: LegalHold) -> PendingEvent:
    return PendingEvent(
        Action.HOLD_PLACED.value, "privacy.legalhold", str(hold.pk), None, _hold_shape(hold)
    )


describe(
    Action.HOLD_PLACED,
    "Legal hold #{id} placed on the {after[scope]}",
    kinds={"scope": "code"},
)


def hold_released_event(hold: LegalHold) -> PendingEvent:
    return PendingEvent(
        Action.HOLD_RELEASED.value, "privacy.legalhold", str(hold.pk), _hold_shape(hold), None
    )


describe(Action.HOLD_RELEASED, "Legal hold #{id} released", kinds={"scope": "code"})


def data_erased_event(erasure: Erasure) -> PendingEvent:
    """The tombstone: kind, action, counts and the item id range, never a value."""
    after = {
        "kind": erasure.kind,
        "action": erasure.action,
        **erasure.counts,
        "first_item": erasure.item_first_id,
        "last_item": erasure.item_last_id,
    }
    return PendingEvent(Action.DATA_ERASED.value, "privacy.erasure", str(erasure.pk), None, after)


describe(
    Action.DATA_ERASED,
    "Data of {after[items]} items erased ({after[kind]})",
    labels={
        "first_item": "First item",
        "last_item": "Last item",
        "attachment_bytes": "Attachment bytes",
        "qa_values": "QA values",
        "double_keys": "Double-key captures",
        "blind_index": "Search digests",
        "event_notes": "State-change notes",
    },
    kinds={"action": "code"},
)


def request_received_event(req: SubjectRequest) -> PendingEvent:
    after = {"kind": req.kind, "engagement": req.engagement_id, "field": req.field}
    return PendingEvent(
        Action.REQUEST_RECEIVED.value, "privacy.subjectrequest", str(req.pk), None, after
    )


describe(
    Action.REQUEST_RECEIVED,
    "Data-subject request #{id} received ({after[kind]})",
    labels={"field": "Field searched"},
)


def request_decided_event(req: SubjectRequest) -> PendingEvent:
    after = {
        "kind": req.kind,
        "status": req.status,
        "reason": req.decision_reason,
        "items": req.items_matched,
    }
    return PendingEvent(
        Action.REQUEST_DECIDED.value, "privacy.subjectrequest", str(req.pk), None, after
    )


describe(
    Action.REQUEST_DECIDED,
    "Data-subject request #{id} decided: {after[status]}",
    labels={"reason": "Reason given", "items": "Items matched"},
)


def offboarding_started_event(job: Offboarding) -> PendingEvent:
    return PendingEvent(
        Action.OFFBOARDING_STARTED.value, "privacy.offboarding", str(job.pk), None, {}
    )


describe(Action.OFFBOARDING_STARTED, "Offboarding #{id} started")


def offboarding_exported_event(job: Offboarding) -> PendingEvent:
    after = {"sha256": job.archive_sha256, "bytes": job.archive_bytes, "files": job.exported}
    return PendingEvent(
        Action.OFFBOARDING_EXPORTED.value, "privacy.offboarding", str(job.pk), None, after
    )


describe(
    Action.OFFBOARDING_EXPORTED,
    "Offboarding #{id}: archive written",
    labels={"sha256": "Archive SHA-256", "bytes": "Archive size (bytes)", "files": "Rows per file"},
)


def offboarding_finished_event(job: Offboarding) -> PendingEvent:
    after = {"status": job.status, "erased": job.erased, "sha256": job.archive_sha256}
    return PendingEvent(
        Action.OFFBOARDING_FINISHED.value, "privacy.offboarding", str(job.pk), None, after
    )


describe(
    Action.OFFBOARDING_FINISHED,
    "Offboarding #{id} {after[status]}",
    labels={"sha256": "Archive SHA-256", "erased": "Erased"},
)
