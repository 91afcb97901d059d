"""The SLA sweep (a system job across all clients): flag items at risk or breached and
name each engagement's team leads to notify, in one audit event per engagement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from backoffice.core.rls import set_rls_bypass
from backoffice.work import events
from backoffice.work.models import Engagement, EngagementMember, State, WorkItem
from backoffice.work.sla import sla_used

# States whose clock runs (waiting on the client is paused; done and cancelled are over).
_SWEPT_STATES = [State.QUEUED, State.IN_PROGRESS, State.IN_REVIEW, State.REWORK, State.NEW]


@dataclass
class SlaSweep:
    at_risk: int = 0
    breached: int = 0
    notified: list[str] = field(default_factory=list)


def refresh_sla_flags(*, now: datetime | None = None) -> SlaSweep:
    """Mark open items at risk or breached; tell each engagement's leads (audit event)."""
    now = now or timezone.now()
    sweep = SlaSweep()
    with transaction.atomic():
        set_rls_bypass()
        engagements = Engagement.objects.unscoped("SLA sweep across all clients").select_related(
            "calendar"
        )
        for engagement in engagements:
            breached, at_risk = _newly_flagged(engagement, now)
            if not breached and not at_risk:
                continue
            leads = _flag(engagement, breached=breached, at_risk=at_risk)
            sweep.at_risk += len(at_risk)
            sweep.breached += len(breached)
            sweep.notified.extend(leads)
    return sweep


def _newly_flagged(engagement: Engagement, now: datetime) -> tuple[list[int], list[int]]:
    """(items past their due time, items that used `at_risk_percent` of the SLA) not yet so."""
    items = (
        WorkItem.objects.for_tenant(engagement.tenant_id)
        .filter(engagement=engagement, state__in=_SWEPT_STATES, breached=False)
        .only(
            "id",
            "received_at",
            "sla_due_at",
            "paused_seconds",
            "paused_at",
            "completed_at",
            "at_risk",
        )
    )
    sla = timedelta(minutes=engagement.sla_minutes)
    risk_at = sla * engagement.at_risk_percent / 100
    breached: list[int] = []
    at_risk: list[int] = []
    for item in items.iterator(chunk_size=2000):
        if now >= item.sla_due_at:
            breached.append(item.pk)
        elif not item.at_risk and sla_used(item, engagement, now) >= risk_at:
            at_risk.append(item.pk)
    return breached, at_risk


def _flag(engagement: Engagement, *, breached: list[int], at_risk: list[int]) -> list[str]:
    """Set the flags and record the alert naming the engagement's leads; returns them."""
    scoped = WorkItem.objects.for_tenant(engagement.tenant_id)
    scoped.filter(pk__in=breached).update(breached=True, at_risk=True)
    scoped.filter(pk__in=at_risk).update(at_risk=True)
    leads = sorted(
        EngagementMember.objects.for_tenant(engagement.tenant_id)
        .filter(engagement=engagement, is_lead=True)
        .values_list("user__username", flat=True)
    )
    event = events.sla_alert_event(engagement, breached=breached, at_risk=at_risk, notify=leads)
    events.record(tenant=engagement.tenant_id, actor=None, event=event)
    return leads
