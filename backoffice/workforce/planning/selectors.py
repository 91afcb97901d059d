"""Reads for planning, scoped to who asks: the provider's team leads (`workforce.manage`)
read the engagements of the clients they serve (`work.selectors.engagements`), their
arrivals, the provider's shifts and the batch deadlines. Callers run inside a transaction
with row-level security on the provider and those clients (`workforce.selectors.read_tenants`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import ExtractHour, TruncDate

from backoffice.core.errors import NotFound
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors as work_selectors
from backoffice.work.calendar import BusinessCalendar, calendar_for, holidays_in
from backoffice.work.metrics import Period, handle_time_report
from backoffice.work.models import Engagement, EngagementMember, IntakeBatch, State, WorkItem
from backoffice.work.sla import spec_of
from backoffice.workforce.models import BatchDeadline, Shift, ShiftActivity
from backoffice.workforce.planning import forecast as fc
from backoffice.workforce.planning.erlang import backlog_people
from backoffice.workforce.planning.staffing import Demand, Work
from backoffice.workforce.selectors import provider_of

HISTORY_DAYS = 8 * 7
DEFAULT_HANDLE_MINUTES = 6.0
# An engagement whose SLA is shorter than this is answered within minutes: Erlang C.
IMMEDIATE_UNDER_MINUTES = 60
THROUGHPUT_WINDOW = timedelta(hours=24)


def engagements(access: TenantAccess, engagement_id: int | None = None) -> list[Engagement]:
    provider_of(access)
    access.require(Perm.MANAGE_WORKFORCE)
    rows = work_selectors.engagements(access).filter(is_active=True)
    if engagement_id is not None:
        rows = rows.filter(pk=engagement_id)
    return list(rows)


def access_engagement_by_id(access: TenantAccess, engagement_id: int) -> Engagement:
    """An engagement the lead serves; another's, or a missing one, is not found."""
    found = engagements(access, engagement_id)
    if not found:
        raise NotFound("No such engagement.")
    return found[0]


def calendar_of(engagement: Engagement) -> BusinessCalendar:
    return calendar_for(spec_of(engagement.calendar))


def closed_days(engagement: Engagement, first: date, last: date) -> frozenset[date]:
    """The client's public holidays and own closures between the two days."""
    spec = spec_of(engagement.calendar)
    days: set[date] = set(spec.closures)
    for year in range(first.year, last.year + 1):
        days |= holidays_in(spec, year)
    return frozenset(d for d in days if first <= d <= last)


# --- history and forecasts -----------------------------------------------------------------


@dataclass
class Arrivals:
    """An engagement's arrivals by local day and half hour, and its skill/language mix."""

    history: fc.History
    mix: dict[tuple[str, str], int] = field(default_factory=dict)

    def share(self, skill: str, language: str) -> float:
        total = sum(self.mix.values())
        if not total or not (skill or language):
            return 1.0
        hit = sum(
            n
            for (s, lang), n in self.mix.items()
            if (not skill or s == skill) and (not language or lang == language)
        )
        return hit / total


def arrivals(engagements_: list[Engagement], *, today: date) -> dict[int, Arrivals]:
    """One grouped query per calendar zone: arrivals per engagement, local day, half hour,
    skill and language, over the `HISTORY_DAYS` days before `today` (local)."""
    by_zone: dict[str, list[Engagement]] = defaultdict(list)
    for e in engagements_:
        by_zone[e.calendar.timezone].append(e)
    out: dict[int, Arrivals] = {}
    for zone_name, group in by_zone.items():
        zone = ZoneInfo(zone_name)
        lo = datetime.combine(today - timedelta(days=HISTORY_DAYS), time.min, zone)
        hi = datetime.combine(today, time.min, zone)
        daily: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        slots: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
        mix: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
        rows = (
            WorkItem.objects.for_tenants({e.tenant_id for e in group})
            .filter(
                engagement_id__in=[e.pk for e in group], received_at__gte=lo, received_at__lt=hi
            )
            .annotate(
                day=TruncDate("received_at", tzinfo=zone),
                hour=ExtractHour("received_at", tzinfo=zone),
                half=Case(
                    When(Q(received_at__minute__gte=30), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
            )
            .values("engagement_id", "day", "hour", "half", "skill", "language")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in rows:
            eid, day, n = r["engagement_id"], r["day"], r["n"]
            daily[eid][day] += n
            slots[eid][(day.weekday(), r["hour"] * 2 + r["half"])] += n
            mix[eid][(r["skill"], r["language"])] += n
        for e in group:
            out[e.pk] = Arrivals(
                fc.History(daily[e.pk], slots[e.pk], today - timedelta(days=1)),
                dict(mix[e.pk]),
            )
    return out


def forecast_for(
    engagement: Engagement, found: Arrivals, *, first_day: date, days: int
) -> fc.Forecast:
    """Raises `forecast.TooLittleHistory` (a sentence to show) under three weeks of data."""
    lo = first_day - timedelta(days=HISTORY_DAYS + 7)
    return fc.forecast(
        found.history,
        label=engagement.name,
        first_day=first_day,
        days=days,
        holidays=closed_days(engagement, lo, first_day + timedelta(days=days)),
    )


def handle_seconds(
    access: TenantAccess, engagements_: list[Engagement], today: date
) -> dict[int, float]:
    """Average time in progress per item handed on, per engagement, over four weeks (the work
    engine's handle-time report); engagements without any get `DEFAULT_HANDLE_MINUTES`."""
    period = Period(today - timedelta(days=28), today - timedelta(days=1), "UTC")
    report = handle_time_report(access, period=period)
    total: dict[int, float] = defaultdict(float)
    done: dict[int, int] = defaultdict(int)
    for row in report.rows:
        if row.engagement_id is None:
            continue
        total[row.engagement_id] += row.total_seconds
        done[row.engagement_id] += len(row.completed)
    return {
        e.pk: (total[e.pk] / done[e.pk]) if done[e.pk] else DEFAULT_HANDLE_MINUTES * 60
        for e in engagements_
    }


def demand_of(
    engagement: Engagement,
    forecast: fc.Forecast,
    found: Arrivals,
    *,
    handle: float,
    skill: str = "",
    language: str = "",
) -> Demand:
    cal = calendar_of(engagement)
    immediate = engagement.sla_minutes < IMMEDIATE_UNDER_MINUTES
    return Demand(
        engagement_id=engagement.pk,
        label=engagement.name,
        forecast=forecast,
        zone=ZoneInfo(engagement.calendar.timezone),
        working=cal.is_working,
        handle_seconds=handle,
        immediate=immediate,
        target_seconds=engagement.sla_minutes * 60.0,
        service_target=engagement.sla_target_percent / 100,
        share=found.share(skill, language),
    )


# --- the schedule ----------------------------------------------------------------------------


def scheduled_work(
    access: TenantAccess,
    chosen: list[Engagement],
    *,
    since: datetime,
    until: datetime,
    skill: str = "",
    language: str = "",
    every: bool = True,
) -> list[Work]:
    """The provider's shifts less their breaks, training and meetings, each weighted by
    the share of the agent's engagements that `chosen` covers (`every`: no engagement
    filter, so agents on no engagement count whole). Skill and language keep the members
    who have them."""
    tenant = provider_of(access)
    visible = [e.pk for e in work_selectors.engagements(access)]
    members = EngagementMember.objects.for_tenants(work_selectors.work_tenant_ids(access)).filter(
        engagement_id__in=visible
    )
    chosen_ids = {e.pk for e in chosen}
    of_user: dict[int, set[int]] = defaultdict(set)
    fits: dict[int, set[int]] = defaultdict(set)
    for m in members:
        of_user[m.user_id].add(m.engagement_id)
        if (not skill or skill in (m.skills or [])) and (
            not language or language in (m.languages or [])
        ):
            fits[m.user_id].add(m.engagement_id)
    shifts = list(Shift.objects.for_tenant(tenant).filter(starts_at__lt=until, ends_at__gt=since))
    gaps: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for act in ShiftActivity.objects.for_tenant(tenant).filter(shift__in=shifts):
        gaps[act.shift_id].append((act.starts_at, act.ends_at))
    out = []
    for s in shifts:
        mine = of_user.get(s.agent_id, set())
        if not mine:
            weight = 1.0 if every and not (skill or language) else 0.0
        else:
            weight = len(fits.get(s.agent_id, set()) & chosen_ids) / len(mine)
        if weight <= 0:
            continue
        at = s.starts_at
        for lo, hi in sorted(gaps.get(s.pk, [])):
            if lo > at:
                out.append(Work(at, lo, weight))
            at = max(at, hi)
        if at < s.ends_at:
            out.append(Work(at, s.ends_at, weight))
    return out


def skills_and_languages(access: TenantAccess) -> tuple[list[str], list[str]]:
    members = EngagementMember.objects.for_tenants(work_selectors.work_tenant_ids(access))
    skills: set[str] = set()
    languages: set[str] = set()
    for m in members:
        skills.update(m.skills or [])
        languages.update(m.languages or [])
    return sorted(skills), sorted(languages)


# --- batch deadlines -------------------------------------------------------------------------


def deadlines(access: TenantAccess) -> list[BatchDeadline]:
    tenant = provider_of(access)
    access.require(Perm.MANAGE_WORKFORCE)
    visible = set(work_selectors.visible_engagement_ids(access))
    rows = BatchDeadline.objects.for_tenant(tenant).select_related(
        "engagement", "engagement__calendar", "engagement__tenant"
    )
    return [d for d in rows if d.engagement_id in visible]


def access_deadline_by_id(access: TenantAccess, deadline_id: int) -> BatchDeadline:
    for d in deadlines(access):
        if d.pk == deadline_id:
            return d
    raise NotFound("No such batch deadline.")


def batches(access: TenantAccess, engagement: Engagement) -> list[IntakeBatch]:
    return list(
        IntakeBatch.objects.for_tenant(engagement.tenant_id)
        .filter(engagement=engagement)
        .order_by("-created_at")[:50]
    )


@dataclass(frozen=True)
class DeadlineStatus:
    deadline: BatchDeadline
    total: int
    done: int
    per_hour: float  # items done per business hour, over the last day (or since the start)
    hours_left: float  # business hours from now to the deadline
    projected_at: datetime | None  # None: nothing is being done
    people_needed: int | None  # None: no business time left
    now: datetime
    elapsed_hours: float = 0.0  # business hours since the start

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def percent_done(self) -> float:
        return round(100 * self.done / self.total, 1) if self.total else 100.0

    @property
    def finished(self) -> bool:
        return self.remaining <= 0

    @property
    def too_early(self) -> bool:
        """Under an hour of business time since the start: no throughput to project from."""
        return not self.finished and self.elapsed_hours < 1

    @property
    def at_risk(self) -> bool:
        if self.finished or self.too_early:
            return False
        return self.projected_at is None or self.projected_at > self.deadline.due_at

    def figures(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "done": self.done,
            "remaining": self.remaining,
            "per_hour": round(self.per_hour, 2),
            "projected_at": self.projected_at.isoformat() if self.projected_at else None,
            "people_needed": self.people_needed,
        }


def deadline_items(d: BatchDeadline) -> Any:
    rows = WorkItem.objects.for_tenant(d.engagement.tenant_id).exclude(state=State.CANCELLED)
    if d.batch_id:
        return rows.filter(batch_id=d.batch_id)
    return rows.filter(engagement_id=d.engagement_id, received_at__gte=d.starts_at)


def deadline_status(d: BatchDeadline, *, now: datetime) -> DeadlineStatus:
    """Progress, throughput, projected completion at that throughput (in the engagement's
    business hours) and the people the backlog formula says are needed to make it."""
    cal = calendar_of(d.engagement)
    since = max(d.starts_at, now - THROUGHPUT_WINDOW)
    counts = deadline_items(d).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(state=State.DONE)),
        recent=Count("id", filter=Q(state=State.DONE, completed_at__gte=since)),
    )
    window = cal.between(since, now).total_seconds() / 3600
    elapsed = cal.between(d.starts_at, now).total_seconds() / 3600 if now > d.starts_at else 0.0
    recent = counts["recent"]
    if window < 1:  # the last day had (almost) no business time: use the whole run
        window, recent = elapsed, counts["done"]
    per_hour = recent / window if window > 0 else 0.0
    remaining = counts["total"] - counts["done"]
    projected = None
    if remaining <= 0:
        projected = now
    elif per_hour > 0:
        projected = cal.add(now, timedelta(hours=remaining / per_hour))
    hours_left = (
        max(0.0, cal.between(now, d.due_at).total_seconds() / 3600) if now < d.due_at else 0.0
    )
    people = backlog_people(
        items=remaining,
        handle_minutes=float(d.handle_minutes),
        hours=hours_left,
        shrinkage=d.shrinkage_percent / 100,
        occupancy=d.occupancy_percent / 100,
    )
    return DeadlineStatus(
        d, counts["total"], counts["done"], per_hour, hours_left, projected, people, now, elapsed
    )


def measured_handle_minutes(access: TenantAccess, engagement: Engagement, today: date) -> Decimal:
    seconds = handle_seconds(access, [engagement], today)[engagement.pk]
    return Decimal(str(round(max(seconds / 60, 0.01), 2)))


def hours_text(hours: float) -> str:
    return "—" if math.isinf(hours) else f"{hours:,.1f}"
