"""The audit events the work app records: every action name, and one builder per kind.

Each builder returns the `PendingEvent` for one kind of change, so an event's name and
the shape of its before/after JSON are written once, here. Both are part of the audit
hash chain: never change an existing name or shape (old events must still verify). The
claim on PostgreSQL writes its `work.item_claimed` event in SQL (`work_claim_next`, work
migrations); `tests/test_events.py` holds that SQL to the names and shape used here.

No event carries an item's data or result: confidential fields (the vault's `x-sensitive`)
must never reach the hash chain, which cannot be erased. Events name items by id and
fields by name (QA's corrected fields, double-key's differing fields); a reveal of a value
is the vault's `vault.value_revealed`, which names the field and the item.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.audit.models import AuditEvent
    from backoffice.tenancy.models import Organization, User
    from backoffice.work.models import (
        Attachment,
        BusinessCalendar,
        Comment,
        DoubleKey,
        Engagement,
        EngagementMember,
        IntakeBatch,
        QaReview,
        Queue,
        ServiceType,
        WorkItem,
    )


class Action(StrEnum):
    """Audit action names of the work app (`AuditEvent.action`)."""

    SERVICE_TYPE_CREATED = "work.service_type_created"
    CALENDAR_CREATED = "work.calendar_created"
    ENGAGEMENT_CREATED = "work.engagement_created"
    TEAM_MEMBER_SET = "work.team_member_set"
    QUEUE_CREATED = "work.queue_created"
    # Edits made on the set-up pages: before/after hold the changed fields only.
    SERVICE_TYPE_CHANGED = "work.service_type_changed"
    CALENDAR_CHANGED = "work.calendar_changed"
    ENGAGEMENT_CHANGED = "work.engagement_changed"
    QUEUE_CHANGED = "work.queue_changed"
    ITEM_SUBMITTED = "work.item_submitted"
    ITEMS_SUBMITTED = "work.items_submitted"
    # A move of an item along its state machine (`transitions.move_item`), by what moved it.
    ITEM_TRANSITIONED = "work.item_transitioned"
    ITEM_CLAIMED = "work.item_claimed"
    ITEM_ASSIGNED = "work.item_assigned"
    ITEM_SKIPPED = "work.item_skipped"
    ITEM_RELEASED = "work.item_released"
    ITEM_COMPLETED = "work.item_completed"
    ITEM_REVIEWED = "work.item_reviewed"
    ITEM_KEYED = "work.item_keyed"
    CLIENT_ASKED = "work.client_asked"
    CLIENT_ANSWERED = "work.client_answered"
    DOUBLE_KEY_ADJUDICATED = "work.double_key_adjudicated"
    # Changes that are not moves.
    ITEM_REASSIGNED = "work.item_reassigned"
    COMMENT_ADDED = "work.comment_added"
    ATTACHMENT_ADDED = "work.attachment_added"
    SLA_ALERT = "work.sla_alert"
    QA_REVIEW_RECORDED = "work.qa_review_recorded"
    DOUBLE_KEY_SETTLED = "work.double_key_settled"


def record(
    *, tenant: Organization | int, actor: User | None, event: PendingEvent, lane: int = 0
) -> AuditEvent:
    """Append one event to the tenant's chain inside the caller's transaction."""
    (recorded,) = record_events(tenant=tenant, actor=actor, events=[event], lane=lane)
    return recorded


def _event(
    action: Action, obj: models.Model, before: Any = None, after: Any = None
) -> PendingEvent:
    return PendingEvent(action.value, obj._meta.label_lower, str(obj.pk), before, after)


# --- catalogue, calendars, engagements, queues ----------------------------------------------


def service_type_created_event(service_type: ServiceType) -> PendingEvent:
    return _event(Action.SERVICE_TYPE_CREATED, service_type)


describe(Action.SERVICE_TYPE_CREATED, "Service type {object} created")


def calendar_created_event(calendar: BusinessCalendar) -> PendingEvent:
    return _event(Action.CALENDAR_CREATED, calendar)


describe(Action.CALENDAR_CREATED, "Business calendar {object} created")


def engagement_created_event(engagement: Engagement) -> PendingEvent:
    return _event(Action.ENGAGEMENT_CREATED, engagement)


describe(Action.ENGAGEMENT_CREATED, "Engagement {object} created")


def team_member_set_event(
    member: EngagementMember, *, username: str, is_lead: bool
) -> PendingEvent:
    return _event(Action.TEAM_MEMBER_SET, member, after={"user": username, "is_lead": is_lead})


describe(Action.TEAM_MEMBER_SET, "{after[user]} set on an engagement team")


def queue_created_event(queue: Queue) -> PendingEvent:
    return _event(Action.QUEUE_CREATED, queue)


describe(Action.QUEUE_CREATED, "Queue {object} created")


def service_type_changed_event(
    service_type: ServiceType, *, before: dict[str, Any], after: dict[str, Any]
) -> PendingEvent:
    return _event(Action.SERVICE_TYPE_CHANGED, service_type, before=before, after=after)


describe(Action.SERVICE_TYPE_CHANGED, "Service type {object} changed")


def calendar_changed_event(
    calendar: BusinessCalendar, *, before: dict[str, Any], after: dict[str, Any]
) -> PendingEvent:
    return _event(Action.CALENDAR_CHANGED, calendar, before=before, after=after)


describe(Action.CALENDAR_CHANGED, "Business calendar {object} changed")


def engagement_changed_event(
    engagement: Engagement, *, before: dict[str, Any], after: dict[str, Any]
) -> PendingEvent:
    return _event(Action.ENGAGEMENT_CHANGED, engagement, before=before, after=after)


describe(Action.ENGAGEMENT_CHANGED, "Engagement {object} changed")


def queue_changed_event(
    queue: Queue, *, before: dict[str, Any], after: dict[str, Any]
) -> PendingEvent:
    return _event(Action.QUEUE_CHANGED, queue, before=before, after=after)


describe(Action.QUEUE_CHANGED, "Queue {object} changed")


# --- intake ------------------------------------------------------------------------------------


def item_submitted_event(item: WorkItem, *, external_ref: str, state: str) -> PendingEvent:
    return _event(Action.ITEM_SUBMITTED, item, after={"external_ref": external_ref, "state": state})


describe(Action.ITEM_SUBMITTED, "Item “{after[external_ref]}” submitted")


def items_submitted_event(
    batch: IntakeBatch, *, created: int, existing: int, rejected: int
) -> PendingEvent:
    after = {"source": batch.source, "created": created, "existing": existing, "rejected": rejected}
    return _event(Action.ITEMS_SUBMITTED, batch, after=after)


describe(
    Action.ITEMS_SUBMITTED,
    "Batch from {after[source]}: {after[created]} items created, {after[existing]} already"
    " there, {after[rejected]} rejected",
)


# --- items -------------------------------------------------------------------------------------


def item_moved_event(
    item: WorkItem, *, action: Action, from_state: str, to_state: str, note: str
) -> PendingEvent:
    """A move along the state machine: the states, and the note's first 200 characters."""
    after = {"state": to_state, "note": note[:200]} if note else {"state": to_state}
    return _event(action, item, before={"state": from_state}, after=after)


describe(Action.ITEM_TRANSITIONED, "Item {object} moved from {before[state]} to {after[state]}")
describe(Action.ITEM_CLAIMED, "Item {object} claimed")
describe(Action.ITEM_ASSIGNED, "Item {object} assigned")
describe(Action.ITEM_SKIPPED, "Item {object} skipped")
describe(Action.ITEM_RELEASED, "Item {object} released back to its queue")
describe(Action.ITEM_COMPLETED, "Item {object} completed")
describe(Action.ITEM_REVIEWED, "Item {object} reviewed: now {after[state]}")
describe(Action.ITEM_KEYED, "Item {object} keyed: now {after[state]}")
describe(Action.CLIENT_ASKED, "Client asked about item {object}")
describe(Action.DOUBLE_KEY_ADJUDICATED, "Double-keyed item {object} adjudicated")


def item_reassigned_event(item: WorkItem, *, previous: str | None, assignee: str) -> PendingEvent:
    return _event(
        Action.ITEM_REASSIGNED, item, before={"assignee": previous}, after={"assignee": assignee}
    )


describe(Action.ITEM_REASSIGNED, "Item {object} reassigned to {after[assignee]}")


def comment_added_event(comment: Comment) -> PendingEvent:
    return _event(Action.COMMENT_ADDED, comment)


describe(Action.COMMENT_ADDED, "Comment added: {object}")


def client_answered_event(answer: Comment) -> PendingEvent:
    """An answer that leaves the item waiting (other questions are still open)."""
    return _event(Action.CLIENT_ANSWERED, answer)


describe(Action.CLIENT_ANSWERED, "Client answered a question: {object}")


def attachment_added_event(attachment: Attachment) -> PendingEvent:
    return _event(Action.ATTACHMENT_ADDED, attachment)


describe(Action.ATTACHMENT_ADDED, "Attachment {object} added")


def sla_alert_event(
    engagement: Engagement, *, breached: Sequence[int], at_risk: Sequence[int], notify: list[str]
) -> PendingEvent:
    """Items newly breached or at risk (the first 100 of each) and the leads to tell."""
    after = {"breached": list(breached[:100]), "at_risk": list(at_risk[:100]), "notify": notify}
    return _event(Action.SLA_ALERT, engagement, after=after)


describe(
    Action.SLA_ALERT,
    "SLA alert on engagement {object}",
    labels={"breached": "Items breached", "at_risk": "Items at risk", "notify": "Leads told"},
)


# --- quality -----------------------------------------------------------------------------------


def qa_review_recorded_event(review: QaReview, *, corrected: list[str]) -> PendingEvent:
    after = {
        "item": review.item_id,
        "decision": review.decision,
        "fields_reviewed": review.fields_reviewed,
        "fields_correct": review.fields_correct,
        "corrected": corrected,
    }
    return _event(Action.QA_REVIEW_RECORDED, review, after=after)


describe(
    Action.QA_REVIEW_RECORDED,
    "QA review of item #{after[item]} recorded: {after[decision]}",
    labels={"corrected": "Fields corrected"},
)


def double_key_settled_event(double_key: DoubleKey) -> PendingEvent:
    after = {"item": double_key.item_id, "fields": double_key.mismatched_fields}
    return _event(Action.DOUBLE_KEY_SETTLED, double_key, after=after)


describe(
    Action.DOUBLE_KEY_SETTLED,
    "Double keying of item #{after[item]} settled",
    labels={"fields": "Fields that differed"},
)
