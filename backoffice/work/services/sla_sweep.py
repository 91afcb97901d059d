"""The SLA sweep (a system job across all clients): flag items at risk or breached and
name each engagement's team leads to notify, in one audit event per engagement.

Every item carries its at-risk instant (`sla_at_risk_at`) and its breach instant (the due
time), stored whenever the due time is set or moved. The sweep reads only open items whose
next threshold has passed (two partial indexes, docs/work.md "The SLA sweep"), so its cost
follows the items crossing a threshold now, not the backlog.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backoffice.core.rls import set_rls_bypass
from backoffice.work import events
from backoffice.work.models import SWEPT_STATES, Engagement, EngagementMember, WorkItem
from backoffice.work.sla import at_risk_at

_WHY = "SLA sweep across all clients"
_CHUNK = 2000


@dataclass
class SlaSweep:
    at_risk: int = 0
    breached: int = 0
    notified: list[str] = field(default_factory=list)


@dataclass
class _Crossed:
    """One engagement's newly breached and newly at-risk item ids."""

    breached: list[int] = field(default_factory=list)
    at_risk: list[int] = field(default_factory=list)


def refresh_sla_flags(*, now: datetime | None = None) -> SlaSweep:
    """Mark open items at risk or breached; tell each engagement's leads (audit event)."""
    now = now or timezone.now()
    sweep = SlaSweep()
    with transaction.atomic():
        set_rls_bypass()
        tenants = list(
            Engagement.objects.unscoped(_WHY)
            .order_by()
            .values_list("tenant_id", flat=True)
            .distinct()
        )
        if not tenants:
            return sweep
        crossed = _crossings(tenants, now)
        if not crossed:
            return sweep
        engagements = (
            Engagement.objects.unscoped(_WHY)
            .select_related("calendar")
            .filter(pk__in=list(crossed))
            .order_by("name", "pk")
        )
        for engagement in engagements:
            found = crossed[engagement.pk]
            leads = _flag(engagement, breached=found.breached, at_risk=found.at_risk)
            sweep.at_risk += len(found.at_risk)
            sweep.breached += len(found.breached)
            sweep.notified.extend(leads)
    return sweep


def risk_crossings(tenants: list[int], now: datetime) -> QuerySet[WorkItem]:
    """Open items not yet at risk whose at-risk instant has passed (index work_item_sla_risk).

    Both reads repeat their partial index's condition so the planner can use the index.
    """
    return _not_at_risk(tenants).filter(sla_at_risk_at__lte=now)


def breach_crossings(tenants: list[int], now: datetime) -> QuerySet[WorkItem]:
    """Items at risk, not yet breached, past their due time (index work_item_sla_breach)."""
    return WorkItem.objects.for_tenants(tenants).filter(
        state__in=SWEPT_STATES, at_risk=True, breached=False, sla_due_at__lte=now
    )


def _not_at_risk(tenants: list[int]) -> QuerySet[WorkItem]:
    return WorkItem.objects.for_tenants(tenants).filter(
        state__in=SWEPT_STATES, at_risk=False, breached=False
    )


def _crossings(tenants: list[int], now: datetime) -> dict[int, _Crossed]:
    """Items whose at-risk or breach instant has passed, by engagement (index reads only)."""
    crossed: dict[int, _Crossed] = defaultdict(_Crossed)
    risky = risk_crossings(tenants, now).values_list("id", "engagement_id", "sla_due_at")
    for pk, engagement_id, due in risky.iterator(chunk_size=_CHUNK):
        found = crossed[engagement_id]
        (found.breached if now >= due else found.at_risk).append(pk)
    late = breach_crossings(tenants, now).values_list("id", "engagement_id")
    for pk, engagement_id in late.iterator(chunk_size=_CHUNK):
        crossed[engagement_id].breached.append(pk)
    _fill_missing(_not_at_risk(tenants).filter(sla_at_risk_at__isnull=True), now, crossed)
    return crossed


def _fill_missing(items: QuerySet[WorkItem], now: datetime, crossed: dict[int, _Crossed]) -> None:
    """Open items written without an at-risk instant (rows from before it was stored, or
    written straight to the table): store it, and flag those already past it."""
    engagements: dict[int, Engagement] = {}
    filled: list[WorkItem] = []
    rows = items.only(
        "id", "tenant_id", "engagement_id", "received_at", "paused_seconds", "sla_due_at"
    )
    for item in rows.iterator(chunk_size=_CHUNK):
        engagement = engagements.get(item.engagement_id)
        if engagement is None:
            engagement = (
                Engagement.objects.unscoped(_WHY)
                .select_related("calendar")
                .get(pk=item.engagement_id)
            )
            engagements[item.engagement_id] = engagement
        item.sla_at_risk_at = at_risk_at(engagement, item.received_at, item.paused_seconds)
        filled.append(item)
        if now >= item.sla_due_at:
            crossed[item.engagement_id].breached.append(item.pk)
        elif now >= item.sla_at_risk_at:
            crossed[item.engagement_id].at_risk.append(item.pk)
    WorkItem.objects.unscoped(_WHY).bulk_update(filled, ["sla_at_risk_at"], batch_size=_CHUNK)


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
