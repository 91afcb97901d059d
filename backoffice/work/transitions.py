"""The item's state machine, written once: lock, move, and the guards every mover shares.

Every change of an item's state goes through `move_item`, which checks the `TRANSITIONS`
table, writes the row, a `WorkItemEvent` (actor, time, from, to, note, holder) and the
audit event, all in the caller's transaction. The services (`services/`), QA review
(`qa.py`) and double-key entry (`double_key.py`) all move items through here; this module
imports none of them, so none of them has to reach into another's private parts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.utils import timezone

from backoffice.core.errors import Conflict
from backoffice.tenancy.models import User
from backoffice.work import events, selectors, signals
from backoffice.work.error_codes import ErrorCode
from backoffice.work.events import Action
from backoffice.work.models import (
    CLAIMABLE_STATES,
    TRANSITIONS,
    Engagement,
    State,
    WorkItem,
    WorkItemEvent,
)


def lock_item(item: WorkItem) -> WorkItem:
    """Re-read the item under a row lock (fresh state, serialised writers)."""
    return WorkItem.objects.for_tenant(item.tenant_id).select_for_update().get(pk=item.pk)


def move_item(
    item: WorkItem,
    to: str,
    *,
    actor: User | None,
    note: str = "",
    action: Action = Action.ITEM_TRANSITIONED,
    now: datetime | None = None,
    audit_lane: int = 0,
    **changes: Any,
) -> WorkItem:
    """Apply one legal transition with its event and audit record (inside a transaction).

    `changes` are further fields to set on the item; moving to a claimable state clears
    the holder unless they say otherwise.
    """
    if to not in TRANSITIONS.get(item.state, frozenset()):
        raise Conflict(
            f"An item cannot go from {item.state} to {to}.",
            code=ErrorCode.ILLEGAL_TRANSITION,
            fields={"state": [f"{item.state} → {to} is not allowed"]},
        )
    now = now or timezone.now()
    before = item.state
    item.state = to
    item.last_activity_at = now
    if to in CLAIMABLE_STATES:
        changes.setdefault("assignee", None)
        changes.setdefault("claimed_at", None)
    if to in (State.DONE, State.CANCELLED):
        item.completed_at = now
    for name, value in changes.items():
        setattr(item, name, value)
    item.save(update_fields=["state", "last_activity_at", "completed_at", *changes])
    _log(item, actor=actor, at=now, from_state=before, note=note)
    event = events.item_moved_event(item, action=action, from_state=before, to_state=to, note=note)
    events.record(tenant=item.tenant_id, actor=actor, event=event, lane=audit_lane)
    if to in (State.DONE, State.CANCELLED):
        signals.item_closed(item)  # webhooks and other listeners, after commit
    return item


def hand_over(item: WorkItem, *, assignee: User, actor: User, note: str, now: datetime) -> None:
    """Give an item in progress to another agent: no move, but an event and an audit record."""
    previous = item.assignee
    item.assignee = assignee
    item.claimed_at = now
    item.last_activity_at = now
    item.save(update_fields=["assignee", "claimed_at", "last_activity_at"])
    _log(item, actor=actor, at=now, from_state=item.state, note=note)
    event = events.item_reassigned_event(
        item, previous=previous.username if previous else None, assignee=assignee.username
    )
    events.record(tenant=item.tenant_id, actor=actor, event=event)


def _log(item: WorkItem, *, actor: User | None, at: datetime, from_state: str, note: str) -> None:
    """The item's own history row: who moved it, when, from where to its state now."""
    WorkItemEvent.objects.create(
        tenant_id=item.tenant_id,
        item=item,
        actor=actor,
        at=at,
        from_state=from_state,
        to_state=item.state,
        note=note[:2000],
        holder_id=item.assignee_id,
    )


# --- guards shared by the services, QA review and double-key entry ---------------------------


def refuse_pending_adjudication(item: WorkItem) -> None:
    """A double-key mismatch is settled by adjudication, not by an accept or a rework."""
    if item.engagement.double_key and selectors.pending_adjudication(item) is not None:
        raise Conflict(
            "The two keys differ: settle the mismatching fields first.",
            code=ErrorCode.NEEDS_ADJUDICATION,
        )


def refuse_first_keyer(item: WorkItem, user: User) -> None:
    """The agent who gave the first key may not be given the second."""
    if item.engagement.double_key and selectors.keyed_first_by(item, user):
        raise Conflict(
            f"{user.username} gave this item's first key: another agent must key it.",
            code=ErrorCode.SAME_AGENT,
            fields={"assignee": ["gave the first key"]},
        )


def qa_sampled(item: WorkItem, engagement: Engagement) -> bool:
    """Deterministic QA sample: the same item always gets the same answer."""
    if not engagement.has_review_step or engagement.qa_sample_percent == 0:
        return False
    digest = hashlib.sha256(f"{item.tenant_id}:{item.pk}".encode()).digest()
    return int.from_bytes(digest[:2]) % 100 < engagement.qa_sample_percent
