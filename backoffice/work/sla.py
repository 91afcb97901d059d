"""The SLA clock: due times, time used and time left, in business or wall-clock time.

Reads only the engagement (its SLA basis and calendar) and the item; services use it to
set due times, the sweep to flag risk, selectors and the API to show what is left.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from backoffice.work.calendar import CalendarSpec, calendar_for, parse_hours
from backoffice.work.models import BusinessCalendar, Engagement, WorkItem

_SPECS: dict[tuple[Any, ...], CalendarSpec] = {}


def spec_of(cal: BusinessCalendar) -> CalendarSpec:
    """The calendar's compiled-spec key, memoised by content (rows are read often)."""
    key = (
        cal.timezone,
        json.dumps(cal.working_hours, sort_keys=True),
        cal.holiday_country,
        cal.holiday_subdivision,
        tuple(cal.closures),
    )
    spec = _SPECS.get(key)
    if spec is None:
        spec = CalendarSpec(
            timezone=cal.timezone,
            hours=parse_hours(cal.working_hours),
            country=cal.holiday_country,
            subdivision=cal.holiday_subdivision,
            closures=frozenset(datetime.fromisoformat(d).date() for d in cal.closures),
        )
        _SPECS[key] = spec
    return spec


def due_at(engagement: Engagement, start: datetime, paused_seconds: int = 0) -> datetime:
    """The SLA due time: SLA plus paused time, in business time or wall-clock time."""
    total = timedelta(minutes=engagement.sla_minutes, seconds=paused_seconds)
    if engagement.sla_basis == Engagement.SlaBasis.ELAPSED:
        return start + total
    return calendar_for(spec_of(engagement.calendar)).add(start, total)


def at_risk_after(engagement: Engagement) -> timedelta:
    """SLA time used when an item turns at risk (`at_risk_percent` of the SLA)."""
    return timedelta(minutes=engagement.sla_minutes) * engagement.at_risk_percent / 100


def at_risk_at(engagement: Engagement, start: datetime, paused_seconds: int = 0) -> datetime:
    """The instant an item received at `start` turns at risk: the same clock as `due_at`,
    so the sweep compares stored instants with now instead of measuring every item."""
    total = at_risk_after(engagement) + timedelta(seconds=paused_seconds)
    if engagement.sla_basis == Engagement.SlaBasis.ELAPSED:
        return start + total
    return calendar_for(spec_of(engagement.calendar)).add(start, total)


def clock_between(engagement: Engagement, a: datetime, b: datetime) -> timedelta:
    if engagement.sla_basis == Engagement.SlaBasis.ELAPSED:
        return b - a
    return calendar_for(spec_of(engagement.calendar)).between(a, b)


def sla_used(item: WorkItem, engagement: Engagement, now: datetime) -> timedelta:
    """SLA time consumed so far (paused time excluded, the current pause too)."""
    until = item.paused_at or item.completed_at or now
    used = clock_between(engagement, item.received_at, until)
    return used - timedelta(seconds=item.paused_seconds)


def remaining_minutes(item: WorkItem, now: datetime) -> float | None:
    """SLA time left in minutes (one decimal; negative when late); None once closed.

    A paused item's clock stands still at the pause, so its time left does not shrink.
    """
    if not item.is_open:
        return None
    since = item.paused_at or now
    left = clock_between(item.engagement, since, item.sla_due_at)
    return round(left.total_seconds() / 60, 1)
