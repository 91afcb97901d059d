"""The audit events workforce writes: one builder per kind, each action named here once.

The action names and the shapes of `before`/`after` are part of the audit trail (hashed
into the provider's chain), so they never change for an existing action.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backoffice.audit.descriptions import describe
from backoffice.audit.services import PendingEvent, record_events

if TYPE_CHECKING:
    from django.db import models

    from backoffice.tenancy.models import Organization, User
    from backoffice.workforce.models import (
        AgentProfile,
        BatchDeadline,
        Leave,
        Shift,
        ShiftTemplate,
        StateInterval,
    )


class Action(StrEnum):
    STATE_CHANGED = "workforce.state_changed"
    PROFILE_SAVED = "workforce.profile_saved"
    TEMPLATE_SAVED = "workforce.template_saved"
    SHIFT_ADDED = "workforce.shift_added"
    SHIFT_CHANGED = "workforce.shift_changed"
    SHIFT_REMOVED = "workforce.shift_removed"
    WEEK_COPIED = "workforce.week_copied"
    TEMPLATE_ASSIGNED = "workforce.template_assigned"
    LEAVE_ADDED = "workforce.leave_added"
    DEADLINE_SET = "workforce.deadline_set"
    DEADLINE_AT_RISK = "workforce.deadline_at_risk"
    DEADLINE_ON_TRACK = "workforce.deadline_on_track"


def record(*, tenant: Organization, actor: User | None, events: list[PendingEvent]) -> None:
    """Append the events to the tenant's chain, in the caller's transaction."""
    record_events(tenant=tenant, actor=actor, events=events)


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


def state_changed(row: StateInterval, before: str | None) -> PendingEvent:
    return _event(
        Action.STATE_CHANGED,
        row,
        before={"state": before},
        after={
            "agent": row.agent_id,
            "state": row.state,
            "source": row.source,
            "at": row.started_at.isoformat(),
        },
    )


describe(Action.STATE_CHANGED, "Agent state set to {after[state]}")


def profile_saved(p: AgentProfile) -> PendingEvent:
    return _event(
        Action.PROFILE_SAVED,
        p,
        after={"user": p.user_id, "team": p.team, "timezone": p.timezone, "country": p.country},
    )


describe(Action.PROFILE_SAVED, "Agent {after[user]} on the roster of {after[team]}")


def template_saved(t: ShiftTemplate) -> PendingEvent:
    return _event(
        Action.TEMPLATE_SAVED,
        t,
        after={
            "name": t.name,
            "start": t.start.isoformat("minutes"),
            "end": t.end.isoformat("minutes"),
            "breaks": t.breaks,
        },
    )


describe(Action.TEMPLATE_SAVED, "Shift template {after[name]} saved")


def shift_shape(s: Shift) -> dict[str, Any]:
    return {
        "agent": s.agent_id,
        "local_day": s.local_day.isoformat(),
        "timezone": s.timezone,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
    }


def shift_added(s: Shift) -> PendingEvent:
    return _event(Action.SHIFT_ADDED, s, after=shift_shape(s))


describe(Action.SHIFT_ADDED, "Shift added on {after[local_day]}")


def shift_changed(s: Shift, before: dict[str, Any]) -> PendingEvent:
    return _event(Action.SHIFT_CHANGED, s, before=before, after=shift_shape(s))


describe(Action.SHIFT_CHANGED, "Shift on {after[local_day]} changed")


def shift_removed(s: Shift, before: dict[str, Any]) -> PendingEvent:
    return _event(Action.SHIFT_REMOVED, s, before=before)


describe(Action.SHIFT_REMOVED, "Shift on {before[local_day]} removed")


def week_copied(tenant: Organization, source: str, target: str, count: int) -> PendingEvent:
    return PendingEvent(
        action=Action.WEEK_COPIED.value,
        object_type="tenancy.organization",
        object_id=str(tenant.pk),
        after={"from_week": source, "to_week": target, "shifts": count},
    )


describe(Action.WEEK_COPIED, "Week of {after[from_week]} copied to {after[to_week]}")


def template_assigned(t: ShiftTemplate, agents: list[int], days: list[str]) -> PendingEvent:
    return _event(
        Action.TEMPLATE_ASSIGNED, t, after={"name": t.name, "agents": agents, "days": days}
    )


describe(Action.TEMPLATE_ASSIGNED, "Shift template {after[name]} assigned")


def leave_added(leave: Leave) -> PendingEvent:
    return _event(
        Action.LEAVE_ADDED,
        leave,
        after={
            "agent": leave.agent_id,
            "first_day": leave.first_day.isoformat(),
            "last_day": leave.last_day.isoformat(),
            "kind": leave.kind,
        },
    )


describe(Action.LEAVE_ADDED, "Leave from {after[first_day]} to {after[last_day]}")


def deadline_shape(d: BatchDeadline) -> dict[str, Any]:
    return {
        "name": d.name,
        "engagement": d.engagement_id,
        "batch": d.batch_id,
        "starts_at": d.starts_at.isoformat(),
        "due_at": d.due_at.isoformat(),
        "handle_minutes": str(d.handle_minutes),
        "shrinkage_percent": d.shrinkage_percent,
        "occupancy_percent": d.occupancy_percent,
    }


def deadline_set(d: BatchDeadline) -> PendingEvent:
    return _event(Action.DEADLINE_SET, d, after=deadline_shape(d))


describe(Action.DEADLINE_SET, "Batch deadline {after[name]} set for {after[due_at]}")


def deadline_at_risk(d: BatchDeadline, figures: dict[str, Any]) -> PendingEvent:
    """The alert to the team leads: the projection passes the deadline."""
    return _event(Action.DEADLINE_AT_RISK, d, after={"name": d.name, **figures})


describe(
    Action.DEADLINE_AT_RISK,
    "Batch deadline {after[name]} at risk: {after[remaining]} items left, "
    "{after[people_needed]} people needed",
)


def deadline_on_track(d: BatchDeadline, figures: dict[str, Any]) -> PendingEvent:
    return _event(Action.DEADLINE_ON_TRACK, d, after={"name": d.name, **figures})


describe(Action.DEADLINE_ON_TRACK, "Batch deadline {after[name]} back on track")
