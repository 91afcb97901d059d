"""Workforce API: my state, the agents' states, shifts, templates, adherence, time figures.

Thin: each endpoint parses, calls one selector or service, and shapes the answer. Rows
live in the provider's tenant; an agent reads and sets only their own state and reads
their own shifts, a team lead (`workforce.manage`) every agent's. Another tenant's agent
or shift is a 404, as a missing one. Creates take an Idempotency-Key.

Shift times are given in the agent's own wall-clock time (`2026-12-07T22:00`, no offset)
and answered both ways: the UTC instants and the local times in the agent's zone.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from backoffice.api.idempotency import run_idempotent
from backoffice.api.pagination import Page
from backoffice.api.params import Id
from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.workforce import selectors, services
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.models import AgentState, Shift, ShiftTemplate, StateInterval
from backoffice.workforce.timeline import Adherence

router = Router(tags=["workforce"])
MANAGE = Perm.MANAGE_WORKFORCE


def caller(request: HttpRequest) -> TenantAccess:
    access: TenantAccess = request.auth  # type: ignore[attr-defined]
    access.require(Perm.VIEW_WORKFORCE)
    selectors.provider_of(access)
    return access


def _lead(request: HttpRequest) -> TenantAccess:
    a = caller(request)
    a.require(MANAGE)
    return a


@contextmanager
def _reading(access: TenantAccess) -> Iterator[None]:
    """One transaction with row-level security on the provider and the clients whose work
    log the caller reads (busy time comes from the item events)."""
    with transaction.atomic():
        set_rls_tenants(selectors.read_tenants(access))
        yield


# --- shapes ------------------------------------------------------------------------------


# Bodies of operations on an object (a path id) have no required fields: the caller's
# access to the object is checked first (another tenant's is a 404, never a 422 that
# would say it exists), then the service refuses what is missing, in words.


class StateIn(Schema):
    state: str = Field("", description="available, on_break, training, meeting or offline")


class StateOut(Schema):
    id: int
    agent_id: int
    state: str
    state_label: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    source: str


class AgentOut(Schema):
    id: int = Field(..., description="The roster entry (agent profile) id")
    user_id: int
    name: str
    team: str
    timezone: str
    country: str
    state: str
    state_label: str
    since: dt.datetime | None
    public_holiday: str | None


class BreakIn(Schema):
    start: dt.time = Field(..., description="Local time, e.g. 12:00")
    minutes: int = Field(..., ge=1, le=240)
    kind: str = "break"


class ShiftIn(Schema):
    agent_id: Id
    start: dt.datetime = Field(..., description="In the agent's zone, no offset")
    end: dt.datetime = Field(..., description="In the agent's zone, no offset")
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10)
    note: str = Field("", max_length=200)


class ShiftChangeIn(Schema):
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10)
    note: str = Field("", max_length=200)


class ActivityOut(Schema):
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class ShiftOut(Schema):
    id: int
    agent_id: int
    agent: str
    timezone: str
    local_day: dt.date
    local_start: str
    local_end: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    minutes: int
    note: str
    activities: list[ActivityOut]


class SlotOut(Schema):
    start: dt.datetime
    scheduled: str
    actual: str
    scheduled_minutes: float
    kept_minutes: float
    adherence_percent: float | None


class AdherenceOut(Schema):
    shift_id: int
    agent_id: int
    scheduled_minutes: float
    kept_minutes: float
    adherence_percent: float | None
    work_scheduled_minutes: float
    worked_minutes: float
    conformance_percent: float | None
    intervals: list[SlotOut]


class CopyWeekIn(Schema):
    from_week: dt.date = Field(..., description="Any day of the week to copy")
    to_week: dt.date = Field(..., description="Any day of the week to copy onto")
    team: str = ""


class TemplateIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    start: dt.time
    end: dt.time
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10)


class TemplateOut(Schema):
    id: int
    name: str
    start: dt.time
    end: dt.time
    breaks: list[dict[str, Any]]


class AssignIn(Schema):
    agent_ids: list[Id] = Field(default_factory=list, max_length=500)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], max_length=7)


class AssignOut(Schema):
    added: int
    skipped: list[str]


class FiguresOut(Schema):
    label: str
    logged_in_minutes: float
    available_minutes: float
    busy_minutes: float
    idle_minutes: float
    away_minutes: float
    break_minutes: float
    items: int
    occupancy_percent: float | None
    utilisation_percent: float | None
    items_per_productive_hour: float | None


class TimeReportOut(Schema):
    since: dt.datetime
    until: dt.datetime
    agents: list[FiguresOut]
    teams: list[FiguresOut]
    engagements: list[FiguresOut]
    total: FiguresOut


def state_out(row: StateInterval) -> dict[str, Any]:
    return {
        "id": row.pk,
        "agent_id": row.agent_id,
        "state": row.state,
        "state_label": row.get_state_display(),
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "source": row.source,
    }


def shift_out(s: Shift) -> dict[str, Any]:
    zone = ZoneInfo(s.timezone)
    return {
        "id": s.pk,
        "agent_id": s.agent_id,
        "agent": services.name_of(s.agent),
        "timezone": s.timezone,
        "local_day": s.local_day,
        "local_start": s.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "local_end": s.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "minutes": s.minutes,
        "note": s.note,
        "activities": [
            {"kind": a.kind, "starts_at": a.starts_at, "ends_at": a.ends_at}
            for a in s.activities.all()
        ],
    }


def adherence_out(shift: Shift, r: Adherence) -> dict[str, Any]:
    return {
        "shift_id": shift.pk,
        "agent_id": shift.agent_id,
        "scheduled_minutes": r.scheduled_seconds / 60,
        "kept_minutes": r.kept_seconds / 60,
        "adherence_percent": r.adherence,
        "work_scheduled_minutes": r.work_scheduled_seconds / 60,
        "worked_minutes": r.worked_seconds / 60,
        "conformance_percent": r.conformance,
        "intervals": [
            {
                "start": s.start,
                "scheduled": s.scheduled,
                "actual": s.actual_state,
                "scheduled_minutes": s.scheduled_seconds / 60,
                "kept_minutes": s.kept_seconds / 60,
                "adherence_percent": s.adherence,
            }
            for s in r.slots
        ],
    }


def figures_out(row: selectors.FigureRow) -> dict[str, Any]:
    f = row.figures
    return {
        "label": row.label,
        "logged_in_minutes": round(f.logged_in / 60, 1),
        "available_minutes": round(f.available / 60, 1),
        "busy_minutes": round(f.busy / 60, 1),
        "idle_minutes": round(f.idle / 60, 1),
        "away_minutes": round(f.away / 60, 1),
        "break_minutes": round(f.on_break / 60, 1),
        "items": f.items,
        "occupancy_percent": f.occupancy,
        "utilisation_percent": f.utilisation,
        "items_per_productive_hour": row.items_per_hour,
    }


def template_out(t: ShiftTemplate) -> dict[str, Any]:
    return {"id": t.pk, "name": t.name, "start": t.start, "end": t.end, "breaks": t.breaks}


def _breaks(items: list[BreakIn]) -> list[services.BreakIn]:
    return [services.BreakIn(b.start, b.minutes, b.kind) for b in items]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A query's instant; one given without an offset is taken as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _given(value: Any, field: str) -> Any:
    if value is None:
        raise DomainError(
            f"Give the shift's {field}.",
            code=ErrorCode.INVALID_SHIFT,
            fields={field: ["Required."]},
        )
    return value


def _naive(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is not None:
        raise DomainError(
            "Give shift times in the agent's own clock, without a UTC offset "
            "(e.g. 2026-12-07T22:00).",
            code=ErrorCode.INVALID_SHIFT,
            fields={field: ["Leave out the offset: the agent's zone is used."]},
        )
    return value


# --- states ------------------------------------------------------------------------------


@router.post("/me/state", response=StateOut)
def set_my_state(request: HttpRequest, payload: StateIn) -> dict[str, Any]:
    """Set my own state (the one-key state bar does the same)."""
    a = caller(request)
    with transaction.atomic():
        services.profile_for(tenant=a.tenant, user=a.user)
        row = services.set_state(tenant=a.tenant, actor=a.user, agent=a.user, state=payload.state)
    return state_out(row)


@router.post("/agents/{agent_profile_id}/state", response=StateOut)
def set_agent_state(
    request: HttpRequest, agent_profile_id: int, payload: StateIn
) -> dict[str, Any]:
    """A team lead sets an agent's state (e.g. offline for someone who left without);
    the agent is named by their roster entry's `id` from `GET /agents`."""
    a = _lead(request)
    profile = selectors.access_profile_by_id(a, agent_profile_id)
    row = services.set_state(
        tenant=a.tenant,
        actor=a.user,
        agent=profile.user,
        state=payload.state,
        source=StateInterval.Source.LEAD,
    )
    return state_out(row)


@router.get("/agents", response=list[AgentOut])
@paginate(Page)
def list_agents(request: HttpRequest, team: str = "") -> Any:
    """The roster with each agent's state now (busy and away derived from the work log)."""
    a = caller(request)
    with _reading(a):
        rows = selectors.current_states(a, selectors.profiles(a, team=team))
    return [
        {
            "id": n.profile.pk,
            "user_id": n.profile.user_id,
            "name": services.name_of(n.profile.user),
            "team": n.profile.team,
            "timezone": n.profile.timezone,
            "country": n.profile.country,
            "state": n.state,
            "state_label": _label(n.state),
            "since": n.since,
            "public_holiday": n.holiday,
        }
        for n in rows
    ]


def _label(state: str) -> str:
    return str(AgentState(state).label)


@router.get("/states", response=list[StateOut])
@paginate(Page)
def list_states(
    request: HttpRequest,
    agent_id: Id | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Any:
    """State intervals as chosen (newest first); an agent sees their own."""
    a = caller(request)
    until = _aware(until) or timezone.now()
    since = _aware(since) or until - dt.timedelta(days=7)
    ids = [p.user_id for p in selectors.profiles(a)]
    if agent_id is not None:
        ids = [selectors.access_agent_by_id(a, agent_id).user_id]
    rows = selectors.state_rows(a, agent_ids=ids, since=since, until=until)
    return [state_out(r) for r in sorted(rows, key=lambda r: r.started_at, reverse=True)]


# --- shifts ------------------------------------------------------------------------------


@router.get("/shifts", response=list[ShiftOut])
@paginate(Page)
def list_shifts(
    request: HttpRequest,
    agent_id: Id | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Any:
    a = caller(request)
    ids = None if agent_id is None else [selectors.access_agent_by_id(a, agent_id).user_id]
    found = selectors.shifts(a, agent_ids=ids, since=_aware(since), until=_aware(until))
    return [shift_out(s) for s in found]


@router.post("/shifts", response={201: ShiftOut})
def create_shift(request: HttpRequest, payload: ShiftIn) -> Status:
    """A shift in the agent's clock. Overlapping another, over 24 hours, on leave: refused."""
    a = _lead(request)
    profile = selectors.access_agent_by_id(a, payload.agent_id, perm=MANAGE)
    spec = services.ShiftIn(
        _naive(payload.start, "start"),
        _naive(payload.end, "end"),
        _breaks(payload.breaks),
        payload.note,
    )

    def run() -> tuple[int, Any]:
        s = services.add_shift(tenant=a.tenant, actor=a.user, profile=profile, spec=spec)
        return 201, shift_out(s)

    return run_idempotent(request, run)


@router.get("/shifts/{shift_id}", response=ShiftOut)
def get_shift(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    a = caller(request)
    return shift_out(selectors.access_shift_by_id(a, shift_id, perm=Perm.VIEW_WORKFORCE))


@router.put("/shifts/{shift_id}", response=ShiftOut)
def change_shift(request: HttpRequest, shift_id: int, payload: ShiftChangeIn) -> dict[str, Any]:
    a = _lead(request)
    shift = selectors.access_shift_by_id(a, shift_id)
    profile = selectors.access_agent_by_id(a, shift.agent_id, perm=MANAGE)
    spec = services.ShiftIn(
        _naive(_given(payload.start, "start"), "start"),
        _naive(_given(payload.end, "end"), "end"),
        _breaks(payload.breaks),
        payload.note,
    )
    changed = services.change_shift(
        tenant=a.tenant, actor=a.user, profile=profile, shift=shift, spec=spec
    )
    return shift_out(changed)


@router.delete("/shifts/{shift_id}", response={204: None})
def delete_shift(request: HttpRequest, shift_id: int) -> Status:
    a = _lead(request)
    shift = selectors.access_shift_by_id(a, shift_id)
    services.remove_shift(tenant=a.tenant, actor=a.user, shift=shift)
    return Status(204, None)


@router.get("/shifts/{shift_id}/adherence", response=AdherenceOut)
def shift_adherence(request: HttpRequest, shift_id: int) -> dict[str, Any]:
    """Scheduled against actual state per 15 minutes; adherence and conformance."""
    a = caller(request)
    with _reading(a):
        shift = selectors.access_shift_by_id(a, shift_id, perm=Perm.VIEW_WORKFORCE)
        return adherence_out(shift, selectors.shift_adherence(a, shift))


@router.get("/adherence", response=list[AdherenceOut])
def adherence(request: HttpRequest, day: dt.date, team: str = "") -> list[dict[str, Any]]:
    """Every shift starting on `day` (in the caller's zone) of the team's agents."""
    a = caller(request)
    zone = a.user.timezone or "UTC"
    with _reading(a):
        rows = selectors.adherence_report(a, day=day, zone=zone, team=team)
        return [adherence_out(r.shift, r.result) for r in rows]


@router.post("/weeks/copy", response=dict)
def copy_week(request: HttpRequest, payload: CopyWeekIn) -> dict[str, Any]:
    """Copy a week of shifts (the team's, or everyone's) onto another: all or nothing."""
    a = _lead(request)
    monday = payload.from_week - dt.timedelta(days=payload.from_week.weekday())
    target = payload.to_week - dt.timedelta(days=payload.to_week.weekday())
    n = services.copy_week(
        tenant=a.tenant,
        actor=a.user,
        profiles=selectors.profiles(a, team=payload.team),
        from_monday=monday,
        to_monday=target,
    )
    return {"copied": n, "from_week": monday, "to_week": target}


# --- templates ---------------------------------------------------------------------------


@router.get("/templates", response=list[TemplateOut])
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    return [template_out(t) for t in selectors.templates(caller(request))]


@router.post("/templates", response={201: TemplateOut})
def save_template(request: HttpRequest, payload: TemplateIn) -> Status:
    a = _lead(request)

    def run() -> tuple[int, Any]:
        t = services.save_template(
            tenant=a.tenant,
            actor=a.user,
            name=payload.name,
            start=payload.start,
            end=payload.end,
            breaks=[
                {"start": b.start.isoformat("minutes"), "minutes": b.minutes, "kind": b.kind}
                for b in payload.breaks
            ],
        )
        return 201, template_out(t)

    return run_idempotent(request, run)


@router.post("/templates/{template_id}/assign", response=AssignOut)
def assign_template(request: HttpRequest, template_id: int, payload: AssignIn) -> dict[str, Any]:
    """The template's shift for several agents over a range of days (weekdays 0 = Monday),
    skipping each agent's public holidays and leave; a clash refuses the whole batch."""
    a = _lead(request)
    template = selectors.access_template_by_id(a, template_id)
    profiles = [selectors.access_agent_by_id(a, i, perm=MANAGE) for i in payload.agent_ids]
    done = services.assign_template(
        tenant=a.tenant,
        actor=a.user,
        template=template,
        profiles=profiles,
        first_day=_day_given(payload.first_day, "first_day"),
        last_day=_day_given(payload.last_day, "last_day"),
        weekdays=[d for d in payload.weekdays if 0 <= d <= 6],
    )
    return {"added": done.added, "skipped": done.skipped}


def _day_given(value: dt.date | None, field: str) -> dt.date:
    if value is None:
        raise DomainError(
            "Give the first and last day to assign.",
            code=ErrorCode.INVALID_SHIFT,
            fields={field: ["Required."]},
        )
    return value


# --- time figures ------------------------------------------------------------------------


@router.get("/time", response=TimeReportOut)
def time_figures(
    request: HttpRequest,
    since: dt.datetime,
    until: dt.datetime,
    team: str = "",
    engagement_id: Id | None = None,
) -> dict[str, Any]:
    """Logged-in, available, busy and idle time; occupancy, utilisation and items per
    productive hour, per agent, team and engagement."""
    a = _lead(request)
    since, until = _aware(since) or since, _aware(until) or until
    if until <= since or until - since > dt.timedelta(days=92):
        raise DomainError(
            "Choose a range that ends after it starts and spans at most 92 days.",
            fields={"until": ["Give an end after the start, within 92 days."]},
        )
    with _reading(a):
        r = selectors.time_report(
            a, since=since, until=until, team=team, engagement_id=engagement_id
        )
    return {
        "since": since,
        "until": until,
        "agents": [figures_out(x) for x in r.agents],
        "teams": [figures_out(x) for x in r.teams],
        "engagements": [figures_out(x) for x in r.engagements],
        "total": figures_out(r.total),
    }


# --- planning: forecasts, staffing, batch deadlines (api_planning.py) ----------------------

from backoffice.workforce.api_planning import router as planning_router  # noqa: E402

router.add_router("", planning_router)
