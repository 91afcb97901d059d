"""Reads of workforce, scoped to who asks.

Workforce rows live in the provider's tenant: asked from a client's tenant there is nothing
to read (a clear refusal, not an empty page). Team leads (`MANAGE_WORKFORCE`) read every
agent of the provider; an agent reads only themself. `access_<thing>_by_id` fetch and
authorise together: another tenant's id is the same 404 as a missing one.

Busy and away are derived here from the work log rather than stored: an agent who is
available and holds an item in progress (the work engine's item events, by holder) is
busy; one available with no item for `IDLE_AFTER` is away from then on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import selectors as work_selectors
from backoffice.work.metrics import items_per_hour
from backoffice.work.models import Engagement, State, WorkItemEvent
from backoffice.workforce import services
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.models import (
    AgentProfile,
    Leave,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    StateInterval,
)
from backoffice.workforce.timeline import (
    Adherence,
    Piece,
    TimeFigures,
    adherence,
    clip,
    figures,
    overlay,
    scheduled,
)

IDLE_AFTER = timedelta(minutes=15)
# Worked time for conformance counts this long either side of a shift.
AROUND_SHIFT = timedelta(hours=3)
_HANDED_ON = frozenset({State.IN_REVIEW, State.DONE})


def provider_of(access: TenantAccess) -> Organization:
    """The tenant whose workforce rows the caller reads: only a provider keeps them."""
    if not access.tenant.is_provider:
        raise Forbidden(
            "Agent states and schedules are kept in the provider's account; switch to it.",
            code=ErrorCode.NOT_A_PROVIDER,
        )
    return access.tenant


def can_manage(access: TenantAccess) -> bool:
    return access.tenant.is_provider and access.can(Perm.MANAGE_WORKFORCE)


def read_tenants(access: TenantAccess) -> list[int]:
    """RLS for workforce pages: the provider's own rows and the work of the clients the
    caller serves (busy time is read from their item events)."""
    return sorted(work_selectors.visible_tenant_ids(access))


# --- the roster ----------------------------------------------------------------------------


def profiles(access: TenantAccess, *, team: str = "") -> list[AgentProfile]:
    tenant = provider_of(access)
    rows = AgentProfile.objects.for_tenant(tenant).filter(is_active=True).select_related("user")
    if not can_manage(access):
        rows = rows.filter(user=access.user)
    if team:
        rows = rows.filter(team=team)
    return list(rows)


def teams(access: TenantAccess) -> list[str]:
    tenant = provider_of(access)
    rows = AgentProfile.objects.for_tenant(tenant).filter(is_active=True)
    return sorted(set(rows.values_list("team", flat=True)))


def access_agent_by_id(
    access: TenantAccess, user_id: int, *, perm: str = Perm.VIEW_WORKFORCE
) -> AgentProfile:
    """An agent on the provider's roster. Agents reach only themselves; anyone else's id,
    and an id from another tenant, is not found."""
    tenant = provider_of(access)
    access.require(perm)
    found = (
        AgentProfile.objects.for_tenant(tenant)
        .filter(user_id=user_id)
        .select_related("user")
        .first()
    )
    if found is None or (not can_manage(access) and found.user_id != access.user.pk):
        raise NotFound("No such agent.")
    return found


def access_profile_by_id(
    access: TenantAccess, profile_id: int, *, perm: str = Perm.MANAGE_WORKFORCE
) -> AgentProfile:
    """A roster entry by its own id (what the API's agent routes name)."""
    tenant = provider_of(access)
    access.require(perm)
    found = (
        AgentProfile.objects.for_tenant(tenant).filter(pk=profile_id).select_related("user").first()
    )
    if found is None or (not can_manage(access) and found.user_id != access.user.pk):
        raise NotFound("No such agent.")
    return found


def access_shift_by_id(
    access: TenantAccess, shift_id: int, *, perm: str = Perm.MANAGE_WORKFORCE
) -> Shift:
    tenant = provider_of(access)
    access.require(perm)
    found = Shift.objects.for_tenant(tenant).filter(pk=shift_id).select_related("agent").first()
    if found is None or (not can_manage(access) and found.agent_id != access.user.pk):
        raise NotFound("No such shift.")
    return found


def access_template_by_id(access: TenantAccess, template_id: int) -> ShiftTemplate:
    tenant = provider_of(access)
    found = ShiftTemplate.objects.for_tenant(tenant).filter(pk=template_id).first()
    if found is None:
        raise NotFound("No such shift template.")
    return found


def templates(access: TenantAccess) -> list[ShiftTemplate]:
    return list(ShiftTemplate.objects.for_tenant(provider_of(access)))


def shifts(
    access: TenantAccess,
    *,
    agent_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Shift]:
    tenant = provider_of(access)
    rows = Shift.objects.for_tenant(tenant).select_related("agent")
    if not can_manage(access):
        rows = rows.filter(agent=access.user)
    if agent_ids is not None:
        rows = rows.filter(agent_id__in=list(agent_ids))
    if since is not None:
        rows = rows.filter(ends_at__gt=since)
    if until is not None:
        rows = rows.filter(starts_at__lt=until)
    return list(rows.prefetch_related("activities").order_by("starts_at"))


def state_rows(
    access: TenantAccess, *, agent_ids: Iterable[int], since: datetime, until: datetime
) -> list[StateInterval]:
    tenant = provider_of(access)
    rows = StateInterval.objects.for_tenant(tenant).filter(
        agent_id__in=list(agent_ids), started_at__lt=until
    )
    rows = rows.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
    return list(rows.order_by("agent_id", "started_at"))


# --- the work log: who held what, when -----------------------------------------------------


@dataclass(frozen=True)
class Held:
    agent_id: int
    engagement_id: int
    start: datetime
    end: datetime
    handed_on: bool


def held_intervals(
    access: TenantAccess, *, agent_ids: Sequence[int], since: datetime, until: datetime
) -> list[Held]:
    """Stretches each agent held an item in progress, from the item events of the clients
    the caller serves (an item claimed up to a day before `since` is followed)."""
    if not agent_ids:
        return []
    now = timezone.now()
    events = WorkItemEvent.objects.for_tenants(work_selectors.work_tenant_ids(access)).filter(
        Q(from_state=State.IN_PROGRESS) | Q(to_state=State.IN_PROGRESS),
        at__gte=since - timedelta(days=1),
        at__lt=until,
    )
    who = set(agent_ids)
    walk = events.order_by("item_id", "at", "id").values_list(
        "item_id", "item__engagement_id", "at", "from_state", "to_state", "holder_id", "actor_id"
    )
    out: list[Held] = []
    held: tuple[int, int, datetime, int | None] | None = None
    for item_id, eng_id, at, from_state, to_state, holder_id, actor_id in walk.iterator(5000):
        if held is not None and held[0] != item_id:
            _close(out, held, min(until, now), False, who)
            held = None
        if from_state == State.IN_PROGRESS and held is not None:
            _close(out, held, at, to_state in _HANDED_ON, who)
            held = None
        if to_state == State.IN_PROGRESS:
            held = (item_id, eng_id, at, holder_id or actor_id)
    if held is not None:
        _close(out, held, min(until, now), False, who)
    return [h for h in out if h.end > since]


def _close(
    out: list[Held],
    held: tuple[int, int, datetime, int | None],
    end: datetime,
    handed_on: bool,
    who: set[int],
) -> None:
    _, eng_id, start, agent = held
    if agent in who and end > start:
        out.append(Held(agent, eng_id, start, end, handed_on))


# --- timelines -----------------------------------------------------------------------------


def timelines(
    access: TenantAccess, *, agent_ids: Sequence[int], since: datetime, until: datetime
) -> tuple[dict[int, list[Piece]], list[Held]]:
    """Each agent's actual timeline in [since, until): chosen states with busy and away
    laid over, clipped to the window; and the held intervals it was built from."""
    now = timezone.now()
    by_agent: dict[int, list[Piece]] = defaultdict(list)
    for row in state_rows(access, agent_ids=agent_ids, since=since, until=until):
        end = row.ended_at or max(now, row.started_at)
        by_agent[row.agent_id].append(Piece(row.started_at, end, row.state))
    held = held_intervals(access, agent_ids=agent_ids, since=since, until=until)
    held_by: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for h in held:
        held_by[h.agent_id].append((h.start, h.end))
    out = {
        a: clip(overlay(by_agent.get(a, []), held_by.get(a, []), IDLE_AFTER), since, until)
        for a in agent_ids
    }
    return out, held


@dataclass(frozen=True)
class Now:
    profile: AgentProfile
    state: str
    since: datetime | None
    shift: Shift | None
    holiday: str | None


def current_states(access: TenantAccess, roster: Sequence[AgentProfile]) -> list[Now]:
    """Each agent's state now (busy and away derived), their shift today and any holiday."""
    now = timezone.now()
    ids = [p.user_id for p in roster]
    lines, _ = timelines(access, agent_ids=ids, since=now - timedelta(days=1), until=now)
    today_shifts: dict[int, Shift] = {}
    for s in shifts(
        access, agent_ids=ids, since=now - timedelta(hours=12), until=now + timedelta(hours=24)
    ):
        today_shifts.setdefault(s.agent_id, s)
    out = []
    for p in roster:
        pieces = lines.get(p.user_id, [])
        last = pieces[-1] if pieces and pieces[-1].end >= now - timedelta(seconds=1) else None
        local_today = now.astimezone(ZoneInfo(p.timezone)).date()
        out.append(
            Now(
                profile=p,
                state=last.state if last else "offline",
                since=last.start if last else None,
                shift=today_shifts.get(p.user_id),
                holiday=services.public_holiday(p, local_today),
            )
        )
    return out


# --- adherence -----------------------------------------------------------------------------


def plan_of(shift: Shift) -> list[Piece]:
    acts = [
        Piece(a.starts_at, a.ends_at, a.kind)
        for a in ShiftActivity.objects.for_tenant(shift.tenant_id).filter(shift=shift)
    ]
    return scheduled(shift.starts_at, shift.ends_at, acts)


def shift_adherence(access: TenantAccess, shift: Shift) -> Adherence:
    lo, hi = shift.starts_at - AROUND_SHIFT, shift.ends_at + AROUND_SHIFT
    lines, _ = timelines(access, agent_ids=[shift.agent_id], since=lo, until=hi)
    return adherence(plan_of(shift), lines.get(shift.agent_id, []), window=(lo, hi))


@dataclass
class AdherenceRow:
    shift: Shift
    result: Adherence


def adherence_report(
    access: TenantAccess, *, day: date, zone: str, team: str = "", agent_id: int | None = None
) -> list[AdherenceRow]:
    """Every shift starting on `day` (in the viewer's zone) of the team's agents."""
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(zone))
    roster = profiles(access, team=team)
    ids = [p.user_id for p in roster if agent_id is None or p.user_id == agent_id]
    found = [
        s
        for s in shifts(access, agent_ids=ids, since=start, until=start + timedelta(days=1))
        if s.starts_at >= start
    ]
    return [AdherenceRow(s, shift_adherence(access, s)) for s in found]


# --- time figures --------------------------------------------------------------------------


@dataclass
class FigureRow:
    label: str
    figures: TimeFigures

    @property
    def items_per_hour(self) -> float | None:
        return items_per_hour(self.figures.items, self.figures.busy)


@dataclass
class TimeReport:
    agents: list[FigureRow] = field(default_factory=list)
    teams: list[FigureRow] = field(default_factory=list)
    engagements: list[FigureRow] = field(default_factory=list)
    total: FigureRow = field(default_factory=lambda: FigureRow("All", TimeFigures()))


def time_report(
    access: TenantAccess,
    *,
    since: datetime,
    until: datetime,
    team: str = "",
    engagement_id: int | None = None,
) -> TimeReport:
    """Logged-in, available, busy and idle time, occupancy, utilisation and items per
    productive hour, per agent, per team and per engagement over [since, until)."""
    roster = profiles(access, team=team)
    ids = [p.user_id for p in roster]
    lines, held = timelines(access, agent_ids=ids, since=since, until=until)
    if engagement_id is not None:
        held = [h for h in held if h.engagement_id == engagement_id]
    items: dict[int, int] = defaultdict(int)
    for h in held:
        if h.handed_on and since <= h.end < until:
            items[h.agent_id] += 1
    report = TimeReport()
    by_team: dict[str, TimeFigures] = {}
    for p in roster:
        f = figures(lines.get(p.user_id, []), items[p.user_id])
        report.agents.append(FigureRow(services.name_of(p.user), f))
        by_team.setdefault(p.team, TimeFigures()).add(f)
        report.total.figures.add(f)
    report.teams = [FigureRow(t, f) for t, f in sorted(by_team.items())]
    report.engagements = _by_engagement(access, held, since, until)
    return report


def _by_engagement(
    access: TenantAccess, held: list[Held], since: datetime, until: datetime
) -> list[FigureRow]:
    per: dict[int, TimeFigures] = defaultdict(TimeFigures)
    for h in held:
        seconds = (min(h.end, until) - max(h.start, since)).total_seconds()
        f = per[h.engagement_id]
        f.busy += max(0.0, seconds)
        f.items += 1 if h.handed_on and since <= h.end < until else 0
    names = dict(
        Engagement.objects.for_tenants(work_selectors.work_tenant_ids(access))
        .filter(pk__in=list(per))
        .values_list("pk", "name")
    )
    return sorted((FigureRow(names.get(k, "—"), f) for k, f in per.items()), key=lambda r: r.label)


def engagements(access: TenantAccess) -> list[Engagement]:
    return list(
        Engagement.objects.for_tenants(work_selectors.work_tenant_ids(access)).order_by("name")
    )


def leave_on(
    access: TenantAccess, *, agent_ids: Iterable[int], first: date, last: date
) -> list[Leave]:
    tenant = provider_of(access)
    return list(
        Leave.objects.for_tenant(tenant).filter(
            agent_id__in=list(agent_ids), first_day__lte=last, last_day__gte=first
        )
    )
