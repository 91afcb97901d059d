"""Every workforce state change: keyword-only, one transaction, the audit event inside it.

The tenant passed in is always the provider whose people these are. Refusals are
`DomainError`s whose messages name the person, the day and the local times, so a page and
the API can show them as they are.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars
from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.audit.services import PendingEvent
from backoffice.core.errors import Conflict, DomainError
from backoffice.tenancy.models import Organization, User
from backoffice.workforce import events
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.models import (
    AGENT_CHOSEN,
    Activity,
    AgentProfile,
    AgentState,
    Leave,
    LeaveKind,
    Shift,
    ShiftActivity,
    ShiftTemplate,
    StateInterval,
)
from backoffice.workforce.timeline import MAX_SHIFT, break_instant, local_instants

# --- people and their clocks ---------------------------------------------------------------


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


@lru_cache(maxsize=256)
def _calendar(country: str, subdivision: str, year: int) -> dict[date, str]:
    try:
        found = holiday_calendars.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        return {}
    return {d: str(name) for d, name in found.items()}


def public_holiday(profile: AgentProfile, day: date) -> str | None:
    """The name of the public holiday of the agent's country on `day`, if any."""
    return _calendar(profile.country.upper(), profile.subdivision, day.year).get(day)


def name_of(user: User) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


@transaction.atomic
def save_profile(
    *,
    tenant: Organization,
    actor: User | None,
    user: User,
    team: str,
    timezone_name: str,
    country: str,
    subdivision: str = "",
) -> AgentProfile:
    """Put a person on the roster (or change their team, zone or country)."""
    errors: dict[str, list[str]] = {}
    if not team.strip():
        errors["team"] = ["Name the team or delivery centre."]
    if not valid_zone(timezone_name):
        errors["timezone"] = [f"{timezone_name!r} is not a time zone we know (e.g. Asia/Manila)."]
    if len(country) != 2 or not country.isalpha():
        errors["country"] = ["Give the two-letter country code, e.g. GB or PH."]
    if errors:
        raise DomainError(
            "The roster entry is incomplete.", code=ErrorCode.INVALID_PROFILE, fields=errors
        )
    profile, _ = AgentProfile.objects.for_tenant(tenant).update_or_create(
        tenant=tenant,
        user=user,
        defaults={
            "team": team.strip(),
            "timezone": timezone_name,
            "country": country.upper(),
            "subdivision": subdivision,
            "is_active": True,
        },
    )
    events.record(tenant=tenant, actor=actor, events=[events.profile_saved(profile)])
    return profile


def profile_for(*, tenant: Organization, user: User) -> AgentProfile:
    """The person's roster entry; one is made (in their own zone, the provider's country)
    the first time they set a state."""
    found = AgentProfile.objects.for_tenant(tenant).filter(user=user).first()
    if found is not None:
        return found
    zone = user.timezone if valid_zone(user.timezone) else tenant.timezone
    return save_profile(
        tenant=tenant,
        actor=user,
        user=user,
        team="Unassigned",
        timezone_name=zone,
        country=(tenant.country or "US")[:2],
    )


# --- states --------------------------------------------------------------------------------


@transaction.atomic
def set_state(
    *,
    tenant: Organization,
    actor: User,
    agent: User,
    state: str,
    source: str = StateInterval.Source.AGENT,
    at: datetime | None = None,
) -> StateInterval:
    """End the agent's current state and start `state`. Setting the state one is already in
    changes nothing. Agents and leads choose among the five states; busy and away are the
    product's."""
    if state not in AgentState.values:
        raise DomainError(
            f"{state!r} is not a state. Choose available, on break, training, meeting or offline.",
            code=ErrorCode.INVALID_STATE,
            fields={"state": ["Choose one of the listed states."]},
        )
    if source != StateInterval.Source.PRODUCT and state not in AGENT_CHOSEN:
        raise DomainError(
            "Busy and away are set by the product, not chosen.",
            code=ErrorCode.INVALID_STATE,
            fields={"state": ["Choose available, on break, training, meeting or offline."]},
        )
    at = at or timezone.now()
    rows = StateInterval.objects.for_tenant(tenant)
    current = rows.select_for_update().filter(agent=agent, ended_at__isnull=True).first()
    if current is not None and current.state == state:
        return current
    if current is not None:
        if at < current.started_at:
            raise DomainError(
                "A state cannot start before the current one did.", code=ErrorCode.INVALID_STATE
            )
        current.ended_at = at
        current.save(update_fields=["ended_at"])
    row = StateInterval.objects.create(
        tenant=tenant, agent=agent, state=state, started_at=at, source=source
    )
    before = current.state if current is not None else None
    events.record(tenant=tenant, actor=actor, events=[events.state_changed(row, before)])
    return row


# --- shift templates -----------------------------------------------------------------------


@dataclass(frozen=True)
class BreakIn:
    """A scheduled stretch inside a shift, at the first time the local clock reads `start`."""

    start: time
    minutes: int
    kind: str = Activity.BREAK


def _parse_breaks(raw: Any) -> list[BreakIn]:
    if not isinstance(raw, list):
        raise DomainError("Breaks must be a list.", code=ErrorCode.INVALID_TEMPLATE)
    out = []
    for n, b in enumerate(raw, start=1):
        try:
            out.append(
                BreakIn(
                    time.fromisoformat(str(b["start"])),
                    int(b["minutes"]),
                    str(b.get("kind", "break")),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DomainError(
                f"Break {n} needs a start time (like 12:00) and a number of minutes.",
                code=ErrorCode.INVALID_TEMPLATE,
                fields={"breaks": [f"Break {n} is incomplete."]},
            ) from exc
    return out


@transaction.atomic
def save_template(
    *,
    tenant: Organization,
    actor: User,
    name: str,
    start: time,
    end: time,
    breaks: list[dict[str, Any]] | None = None,
) -> ShiftTemplate:
    if not name.strip():
        raise DomainError(
            "Name the template.", code=ErrorCode.INVALID_TEMPLATE, fields={"name": ["Required."]}
        )
    parsed = _parse_breaks(breaks or [])
    if start == end:
        raise DomainError(
            "A shift must end at another time than it starts.",
            code=ErrorCode.INVALID_TEMPLATE,
            fields={"end": ["Give an end time different from the start."]},
        )
    _check_activities(parsed, "template", ErrorCode.INVALID_TEMPLATE)
    template, _ = ShiftTemplate.objects.for_tenant(tenant).update_or_create(
        tenant=tenant,
        name=name.strip(),
        defaults={
            "start": start,
            "end": end,
            "breaks": [
                {"start": b.start.isoformat("minutes"), "minutes": b.minutes, "kind": b.kind}
                for b in parsed
            ],
        },
    )
    events.record(tenant=tenant, actor=actor, events=[events.template_saved(template)])
    return template


def _check_activities(breaks: Sequence[BreakIn], what: str, code: str) -> None:
    for n, b in enumerate(breaks, start=1):
        if b.kind not in Activity.values:
            raise DomainError(
                f"Break {n}: choose break, training or meeting.",
                code=code,
                fields={"breaks": [f"Break {n} has an unknown kind."]},
            )
        if not 1 <= b.minutes <= 240:
            raise DomainError(
                f"Break {n} of the {what} must last between 1 and 240 minutes.",
                code=code,
                fields={"breaks": [f"Break {n} must last between 1 and 240 minutes."]},
            )


# --- shifts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftIn:
    """A shift in the agent's local wall-clock time (naive datetimes)."""

    start: datetime
    end: datetime
    breaks: Sequence[BreakIn] = field(default_factory=tuple)
    note: str = ""

    @classmethod
    def on(
        cls, day: date, start: time, end: time, breaks: Sequence[BreakIn] = (), note: str = ""
    ) -> ShiftIn:
        """From `start` on `day` to `end`, the next day when `end` is not after `start`."""
        end_day = day if end > start else day + timedelta(days=1)
        return cls(datetime.combine(day, start), datetime.combine(end_day, end), breaks, note)


def _hhmm(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _placed(profile: AgentProfile, spec: ShiftIn) -> tuple[datetime, datetime, list[tuple]]:
    """The shift's UTC instants and its activities' (start, end, kind), checked."""
    zone = profile.timezone
    if spec.end <= spec.start:
        raise DomainError(
            "A shift must end after it starts.",
            code=ErrorCode.INVALID_SHIFT,
            fields={"end": ["Give an end after the start."]},
        )
    starts_at, ends_at = local_instants(spec.start, spec.end, zone)
    if ends_at - starts_at > MAX_SHIFT:
        hours = (ends_at - starts_at).total_seconds() / 3600
        raise DomainError(
            f"A shift may last at most 24 hours; this one lasts {hours:g} hours.",
            code=ErrorCode.SHIFT_TOO_LONG,
            fields={"end": ["Shorten the shift to 24 hours or less."]},
        )
    _check_activities(spec.breaks, "shift", ErrorCode.INVALID_SHIFT)
    placed = []
    for n, b in enumerate(spec.breaks, start=1):
        s = break_instant(starts_at, b.start, zone)
        e = s + timedelta(minutes=b.minutes)
        if e > ends_at:
            raise DomainError(
                f"Break {n} ({b.start:%H:%M}, {b.minutes} minutes) does not fit in the shift.",
                code=ErrorCode.INVALID_SHIFT,
                fields={"breaks": [f"Break {n} must end before the shift does."]},
            )
        placed.append((s, e, b.kind))
    placed.sort()
    for (_, e1, _), (s2, _, _) in itertools.pairwise(placed):
        if s2 < e1:
            raise DomainError(
                "Two breaks of the shift overlap.",
                code=ErrorCode.INVALID_SHIFT,
                fields={"breaks": ["Breaks may not overlap."]},
            )
    return starts_at, ends_at, placed


def _refuse_leave(tenant: Organization, profile: AgentProfile, day: date) -> None:
    leave = (
        Leave.objects.for_tenant(tenant)
        .filter(agent_id=profile.user_id, first_day__lte=day, last_day__gte=day)
        .first()
    )
    if leave is not None:
        raise Conflict(
            f"{name_of(profile.user)} is on {leave.get_kind_display().lower()} on "
            f"{_day_words(day)}.",
            code=ErrorCode.ON_LEAVE,
        )


def _refuse_overlap(
    tenant: Organization,
    profile: AgentProfile,
    starts_at: datetime,
    ends_at: datetime,
    exclude: int | None = None,
) -> None:
    clash = Shift.objects.for_tenant(tenant).filter(
        agent_id=profile.user_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    other = clash.first()
    if other is not None:
        zone = profile.timezone
        raise Conflict(
            f"{name_of(profile.user)} already has a shift on {_day_words(other.local_day)} "
            f"from {_hhmm(other.starts_at, zone)} to {_hhmm(other.ends_at, zone)} "
            f"({ZoneInfo(zone).key} time); one person's shifts may not overlap.",
            code=ErrorCode.SHIFTS_OVERLAP,
            fields={"start": ["Overlaps another shift of this person."]},
        )


def _write_shift(
    *,
    tenant: Organization,
    profile: AgentProfile,
    spec: ShiftIn,
    template: ShiftTemplate | None = None,
    shift: Shift | None = None,
) -> Shift:
    starts_at, ends_at, placed = _placed(profile, spec)
    _refuse_leave(tenant, profile, spec.start.date())
    _refuse_overlap(tenant, profile, starts_at, ends_at, exclude=shift.pk if shift else None)
    if shift is None:
        shift = Shift(tenant=tenant, agent_id=profile.user_id, template=template)
    shift.timezone = profile.timezone
    shift.local_day = spec.start.date()
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.note = spec.note[:200]
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as exc:  # the database's own rules, for a write that raced ours
        raise Conflict(
            f"{name_of(profile.user)} already has a shift at that time.",
            code=ErrorCode.SHIFTS_OVERLAP,
        ) from exc
    ShiftActivity.objects.for_tenant(tenant).filter(shift=shift).delete()
    ShiftActivity.objects.bulk_create(
        [
            ShiftActivity(tenant=tenant, shift=shift, kind=k, starts_at=s, ends_at=e)
            for s, e, k in placed
        ]
    )
    return shift


@transaction.atomic
def add_shift(
    *,
    tenant: Organization,
    actor: User,
    profile: AgentProfile,
    spec: ShiftIn,
    template: ShiftTemplate | None = None,
) -> Shift:
    shift = _write_shift(tenant=tenant, profile=profile, spec=spec, template=template)
    events.record(tenant=tenant, actor=actor, events=[events.shift_added(shift)])
    return shift


@transaction.atomic
def change_shift(
    *, tenant: Organization, actor: User, profile: AgentProfile, shift: Shift, spec: ShiftIn
) -> Shift:
    before = events.shift_shape(shift)
    shift = _write_shift(tenant=tenant, profile=profile, spec=spec, shift=shift)
    events.record(tenant=tenant, actor=actor, events=[events.shift_changed(shift, before)])
    return shift


@transaction.atomic
def remove_shift(*, tenant: Organization, actor: User, shift: Shift) -> None:
    before = events.shift_shape(shift)
    event = events.shift_removed(shift, before)
    shift.delete()
    events.record(tenant=tenant, actor=actor, events=[event])


def spec_of(shift: Shift, day: date | None = None) -> ShiftIn:
    """A stored shift back in the agent's wall-clock time (moved to `day` if given)."""
    zone = ZoneInfo(shift.timezone)
    start = shift.starts_at.astimezone(zone).replace(tzinfo=None)
    end = shift.ends_at.astimezone(zone).replace(tzinfo=None)
    acts = ShiftActivity.objects.for_tenant(shift.tenant_id).filter(shift=shift)
    breaks = [
        BreakIn(
            a.starts_at.astimezone(zone).time().replace(second=0, microsecond=0),
            int((a.ends_at - a.starts_at).total_seconds() // 60),
            a.kind,
        )
        for a in acts
    ]
    if day is not None:
        shift_by = day - shift.local_day
        start, end = start + shift_by, end + shift_by
    return ShiftIn(start, end, breaks, shift.note)


def _agent_days(profile: AgentProfile, days: Iterable[date]) -> str:
    return f"{name_of(profile.user)} on " + ", ".join(_day_words(d) for d in days)


@transaction.atomic
def copy_week(
    *,
    tenant: Organization,
    actor: User,
    profiles: Sequence[AgentProfile],
    from_monday: date,
    to_monday: date,
) -> int:
    """Copy every shift of these agents in one week onto another, at the same local
    wall-clock times (so a shift across a clock change keeps its hours on the clock).
    All or nothing: a clash or a leave day refuses the whole copy, naming it."""
    if from_monday == to_monday:
        raise DomainError(
            "Choose another week to copy to.",
            code=ErrorCode.INVALID_SHIFT,
            fields={"to_week": ["Pick a different week."]},
        )
    by_user = {p.user_id: p for p in profiles}
    source = Shift.objects.for_tenant(tenant).filter(
        agent_id__in=list(by_user),
        local_day__gte=from_monday,
        local_day__lt=from_monday + timedelta(days=7),
    )
    pending: list[PendingEvent] = []
    for shift in source.order_by("agent_id", "starts_at"):
        profile = by_user[shift.agent_id]
        day = shift.local_day + (to_monday - from_monday)
        try:
            added = _write_shift(
                tenant=tenant,
                profile=profile,
                spec=spec_of(shift, day),
                template=shift.template,
            )
        except DomainError as exc:
            raise Conflict(
                f"Nothing was copied: {exc.message}", code=exc.code, fields=exc.fields
            ) from exc
        pending.append(events.shift_added(added))
    copied = len(pending)
    pending.append(
        events.week_copied(tenant, from_monday.isoformat(), to_monday.isoformat(), copied)
    )
    events.record(tenant=tenant, actor=actor, events=pending)
    return copied


@dataclass
class Assigned:
    added: int = 0
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def assign_template(
    *,
    tenant: Organization,
    actor: User,
    template: ShiftTemplate,
    profiles: Sequence[AgentProfile],
    first_day: date,
    last_day: date,
    weekdays: Iterable[int] = (0, 1, 2, 3, 4),
) -> Assigned:
    """Give each agent the template's shift on every chosen weekday of the range, skipping
    their public holidays and leave. All or nothing on a clash with an existing shift."""
    if last_day < first_day:
        raise DomainError(
            "The last day comes before the first.",
            code=ErrorCode.INVALID_SHIFT,
            fields={"last_day": ["Give a last day on or after the first."]},
        )
    if (last_day - first_day).days > 92:
        raise DomainError(
            "Assign at most three months at a time.",
            code=ErrorCode.INVALID_SHIFT,
            fields={"last_day": ["Choose a range of 92 days or fewer."]},
        )
    if not profiles:
        raise DomainError(
            "Choose at least one agent.",
            code=ErrorCode.INVALID_SHIFT,
            fields={"agents": ["Tick one or more agents."]},
        )
    wanted = set(weekdays)
    breaks = _parse_breaks(template.breaks)
    result = Assigned()
    pending: list[PendingEvent] = []
    day = first_day
    while day <= last_day:
        if day.weekday() in wanted:
            for profile in profiles:
                _assign_one(tenant, template, profile, day, breaks, result, pending)
        day += timedelta(days=1)
    days = sorted({e.after["local_day"] for e in pending})
    pending.append(events.template_assigned(template, [p.user_id for p in profiles], days))
    events.record(tenant=tenant, actor=actor, events=pending)
    return result


def _assign_one(
    tenant: Organization,
    template: ShiftTemplate,
    profile: AgentProfile,
    day: date,
    breaks: list[BreakIn],
    result: Assigned,
    pending: list[PendingEvent],
) -> None:
    holiday = public_holiday(profile, day)
    if holiday:
        result.skipped.append(f"{_agent_days(profile, [day])}: {holiday}")
        return
    on_leave = Leave.objects.for_tenant(tenant).filter(
        agent_id=profile.user_id, first_day__lte=day, last_day__gte=day
    )
    if on_leave.exists():
        result.skipped.append(f"{_agent_days(profile, [day])}: on leave")
        return
    spec = ShiftIn.on(day, template.start, template.end, breaks)
    try:
        shift = _write_shift(tenant=tenant, profile=profile, spec=spec, template=template)
    except DomainError as exc:
        raise Conflict(
            f"Nothing was assigned: {exc.message}", code=exc.code, fields=exc.fields
        ) from exc
    pending.append(events.shift_added(shift))
    result.added += 1


@transaction.atomic
def add_leave(
    *,
    tenant: Organization,
    actor: User,
    profile: AgentProfile,
    first_day: date,
    last_day: date,
    kind: str = LeaveKind.ANNUAL,
    note: str = "",
) -> Leave:
    """Record leave; shifts already planned on those days are removed (and said so in the
    audit trail)."""
    if last_day < first_day:
        raise DomainError(
            "The last day of leave comes before the first.",
            code=ErrorCode.INVALID_LEAVE,
            fields={"last_day": ["Give a last day on or after the first."]},
        )
    if kind not in LeaveKind.values:
        raise DomainError(
            "Choose annual, sick or other leave.",
            code=ErrorCode.INVALID_LEAVE,
            fields={"kind": ["Choose a kind of leave."]},
        )
    leave = Leave.objects.create(
        tenant=tenant,
        agent_id=profile.user_id,
        first_day=first_day,
        last_day=last_day,
        kind=kind,
        note=note[:200],
    )
    planned = Shift.objects.for_tenant(tenant).filter(
        agent_id=profile.user_id, local_day__gte=first_day, local_day__lte=last_day
    )
    pending = [events.leave_added(leave)]
    for shift in list(planned):
        pending.append(events.shift_removed(shift, events.shift_shape(shift)))
        shift.delete()
    events.record(tenant=tenant, actor=actor, events=pending)
    return leave
