"""The staffing computation shared by the page and the API: forecasts for the chosen
engagements, their demand by skill and language, the schedule, and the plan with and
without the what-if."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.tenancy.selectors import TenantAccess
from backoffice.workforce.error_codes import ErrorCode
from backoffice.workforce.planning import forecast as fc
from backoffice.workforce.planning import selectors as plan_selectors
from backoffice.workforce.planning.staffing import Assumptions, Interval, grid, plan

DAYS = 7


@dataclass
class StaffingResult:
    base: list[Interval]
    what_if: list[Interval] | None
    forecasts: list[tuple[Any, fc.Forecast | None, str]]  # engagement, forecast, message
    assumptions: Assumptions


def _number(raw: str, default: float, lo: float, hi: float, field: str, words: str) -> float:
    if raw == "":
        return default
    try:
        value = float(raw.replace("%", "").replace(",", "."))
    except ValueError:
        value = float("nan")
    if not lo <= value <= hi:
        raise DomainError(
            f"{words} must be a number from {lo:g} to {hi:g}.",
            code=ErrorCode.INVALID_WHAT_IF,
            fields={field: [f"Give a number from {lo:g} to {hi:g}."]},
        )
    return value


def assumptions_from(values: dict[str, str]) -> tuple[Assumptions, Assumptions]:
    """(baseline, what-if) from the form: shrinkage and occupancy in percent, volume and
    handle-time changes in percent (+20, -10), people on leave."""
    shrink = _number(values["shrinkage"], 30, 0, 90, "shrinkage", "Shrinkage")
    occ = _number(values["occupancy"], 85, 1, 100, "occupancy", "Target occupancy")
    volume = _number(values["volume"], 0, -90, 500, "volume", "The volume change")
    handle = _number(values["handle"], 0, -90, 500, "handle", "The handle-time change")
    leave = _number(values["leave"], 0, 0, 1000, "leave", "People on leave")
    if leave != int(leave):
        raise DomainError(
            "People on leave must be a whole number.",
            code=ErrorCode.INVALID_WHAT_IF,
            fields={"leave": ["Give a whole number of people."]},
        )
    base = Assumptions(shrinkage=shrink / 100, occupancy=occ / 100)
    what = Assumptions(
        shrinkage=shrink / 100,
        occupancy=occ / 100,
        volume=1 + volume / 100,
        handle=1 + handle / 100,
        on_leave=int(leave),
    )
    return base, what


def staffing_plan(
    access: TenantAccess,
    *,
    first_day: date,
    engagement_id: int | None,
    skill: str,
    language: str,
    base: Assumptions,
    what_if: Assumptions,
    zone: Any,
) -> StaffingResult:
    """The whole computation, shared by the page and the API."""
    chosen = plan_selectors.engagements(access, engagement_id)
    today = timezone.now().date()
    found = plan_selectors.arrivals(chosen, today=today)
    handles = plan_selectors.handle_seconds(access, chosen, today)
    demands = []
    forecasts: list[tuple[Any, fc.Forecast | None, str]] = []
    for e in chosen:
        try:
            f = plan_selectors.forecast_for(
                e, found[e.pk], first_day=first_day - timedelta(1), days=DAYS + 2
            )
        except fc.TooLittleHistory as exc:
            forecasts.append((e, None, str(exc)))
            continue
        forecasts.append((e, f, ""))
        demands.append(
            plan_selectors.demand_of(
                e, f, found[e.pk], handle=handles[e.pk], skill=skill, language=language
            )
        )
    first = datetime.combine(first_day, time.min, zone)
    starts = grid(first, DAYS)
    work = plan_selectors.scheduled_work(
        access,
        chosen,
        since=starts[0],
        until=starts[-1] + timedelta(minutes=30),
        skill=skill,
        language=language,
        every=engagement_id is None,
    )
    result = plan(demands, work, starts, base)
    other = None if what_if.is_baseline else plan(demands, work, starts, what_if)
    return StaffingResult(result, other, forecasts, base)
