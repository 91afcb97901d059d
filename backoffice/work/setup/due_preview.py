"""The due times a calendar gives, for a few sample arrivals, by the real calendar code.

Shown on the calendar page so whoever sets hours and holidays sees their effect: "an item
arriving Fri 16:30 with an 8-business-hour SLA is due Tue 10:30".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backoffice.work.calendar import CalendarSpec, add_business_time, holidays_in

# (weekday 0=Mon, local time) of the sample arrivals, after `today`.
SAMPLES = ((4, time(16, 30)), (0, time(8, 0)), (2, time(13, 15)))
LOOKAHEAD_DAYS = 90


@dataclass(frozen=True)
class DueExample:
    arrives: datetime  # local to the calendar
    due: datetime  # local to the calendar
    note: str = ""


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def closed_days(spec: CalendarSpec, today: date) -> list[date]:
    """Public holidays and closures in the coming months, in date order."""
    end = today + timedelta(days=LOOKAHEAD_DAYS)
    found = set(spec.closures)
    if spec.country:
        for year in {today.year, end.year}:
            found |= holidays_in(spec, year)
    return sorted(d for d in found if today < d <= end)


def due_examples(spec: CalendarSpec, sla: timedelta, today: date) -> list[DueExample]:
    """Sample arrivals after `today` (a local date) and when each would be due."""
    zone = ZoneInfo(spec.timezone)
    arrivals = [
        (datetime.combine(_next_weekday(today, weekday), at, zone), "") for weekday, at in SAMPLES
    ]
    closed = closed_days(spec, today)
    if closed:
        eve = closed[0] - timedelta(days=1)
        arrivals.append(
            (datetime.combine(eve, time(15, 0), zone), f"the day before {closed[0]:%a %-d %b}")
        )
    out = []
    for arrives, note in sorted(arrivals, key=lambda pair: pair[0]):
        due = add_business_time(arrives.astimezone(ZoneInfo("UTC")), sla, spec)
        out.append(DueExample(arrives=arrives, due=due.astimezone(zone), note=note))
    return out
