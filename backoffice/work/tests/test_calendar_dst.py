"""Business time across daylight-saving changes, held to a brute-force minute-by-minute walk.

The rule (docs/work.md, "Business calendar"): every real instant whose local wall-clock time
falls inside a working range of its local date counts, unless the date is a holiday or a
closure. The reference below is that sentence in code: it walks real UTC minutes, turns each
into local wall-clock time with `zoneinfo` and looks the minute up in the day's ranges.

Seconds: the calendar is exact to the microsecond. Every working range bound and, in these
zones and years, every UTC offset and offset change is a whole minute, so the working time
is a union of whole UTC minutes and the walk is exact too; starts and durations carry
seconds and the answers must agree to the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.work.calendar import (
    CalendarSpec,
    add_business_time,
    business_time_between,
    calendar_for,
    format_hours,
    parse_hours,
)
from backoffice.work.models import BusinessCalendar, Engagement
from backoffice.work.sla import clock_between, due_at

ZONES = (
    "America/New_York",  # -05/-04 at 02:00
    "Europe/London",  # +00/+01 at 01:00 UTC
    "Europe/Berlin",  # +01/+02
    "Australia/Lord_Howe",  # +10:30/+11, a 30-minute shift
    "Asia/Kolkata",  # +05:30, no DST
    "Asia/Kathmandu",  # +05:45, no DST
    "Australia/Adelaide",  # +09:30/+10:30
    "America/St_Johns",  # -03:30/-02:30
    "Pacific/Chatham",  # +12:45/+13:45 at 02:45/03:45
    "America/Santiago",  # changes at midnight (24:00 -> 01:00, 24:00 -> 23:00)
    "Africa/Casablanca",  # +01, back to +00 for Ramadan
    "Asia/Beirut",  # falls back from 00:00 to 23:00 of the previous date
    "Antarctica/Troll",  # +00/+02, a two-hour shift
    "Pacific/Apia",  # skipped the whole of 30 Dec 2011
)
YEARS = range(2024, 2028)
WINDOW_MINUTES = 3 * 24 * 60  # how far the reference walks from the start
# Range bounds near the hours that clocks change at (00:00-05:00 and 22:00-24:00), or any.
NEAR_CHANGES = [m for m in range(0, 1441, 15) if m <= 300 or m >= 1320]


def _offset(zone: ZoneInfo, seconds: int) -> timedelta:
    offset = datetime.fromtimestamp(seconds, zone).utcoffset()
    assert offset is not None
    return offset


@cache
def transitions(name: str) -> tuple[int, ...]:
    """The zone's offset changes (UTC seconds) in YEARS, found by scanning every 6 hours."""
    zone = ZoneInfo(name)
    t = int(datetime(YEARS[0], 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(YEARS[-1] + 1, 1, 1, tzinfo=UTC).timestamp())
    extra = (
        [int(datetime(2011, 12, 30, 10, tzinfo=UTC).timestamp())] if name == "Pacific/Apia" else []
    )
    found = []
    while t < end:
        lo, hi = t, t + 6 * 3600
        if _offset(zone, lo) != _offset(zone, hi):
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if _offset(zone, mid) == _offset(zone, lo) else (lo, mid)
            assert hi % 60 == 0 and _offset(zone, hi) % timedelta(minutes=1) == timedelta(0)
            found.append(hi)
        t += 6 * 3600
    return tuple(found + extra)


def is_working(spec: CalendarSpec, zone: ZoneInfo, seconds: int) -> bool:
    """The rule itself, for one UTC instant."""
    local = datetime.fromtimestamp(seconds, zone)
    if local.date() in spec.closures:
        return False
    minute = local.hour * 60 + local.minute
    return any(s <= minute < e for s, e in spec.hours[local.weekday()])


class Walk:
    """Working seconds from a minute `base` (UTC seconds), one flag a minute, by brute force."""

    def __init__(self, spec: CalendarSpec, base: int) -> None:
        zone = ZoneInfo(spec.timezone)
        self.base = base
        self.flags = [is_working(spec, zone, base + 60 * i) for i in range(WINDOW_MINUTES)]
        self.before = [0]  # working seconds before minute i
        for flag in self.flags:
            self.before.append(self.before[-1] + 60 * flag)

    def worked(self, p: int) -> int:
        """Working seconds in [base, base + p)."""
        i, part = divmod(p, 60)
        return self.before[i] + (part if i < len(self.flags) and self.flags[i] else 0)

    def due(self, start: int, duration: int) -> int | None:
        """The first instant at which `duration` working seconds have passed since `start`
        (for zero: `start` if working, else the next working instant)."""
        for i, flag in enumerate(self.flags):
            hi = self.base + 60 * (i + 1)
            if not flag or hi <= start:
                continue
            lo = max(start, hi - 60)
            if duration == 0 or duration <= hi - lo:
                return lo + duration
            duration -= hi - lo
        return None


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    bound = st.one_of(st.sampled_from(NEAR_CHANGES), st.integers(0, 1440))
    bounds = sorted(draw(st.sets(bound, max_size=6)))
    if len(bounds) % 2:
        bounds.pop()
    return tuple(zip(bounds[::2], bounds[1::2], strict=True))


@st.composite
def cases(draw: st.DrawFn) -> tuple[CalendarSpec, int]:
    """A calendar in one of ZONES and a start instant (UTC seconds) near an offset change."""
    name = draw(st.sampled_from(ZONES))
    changes = transitions(name) or (int(datetime(2026, 3, 29, tzinfo=UTC).timestamp()),)
    change = draw(st.sampled_from(changes))
    start = (
        change
        + 60 * draw(st.integers(-2 * 24 * 60, 24 * 60))
        + draw(st.sampled_from([0, 0, 0, 1, 30, 59]))
    )
    hours = tuple(draw(day_hours()) for _ in range(7))
    if not any(hours):
        hours = ((), (), (), (), (), (), ((60, 180),))
    near = datetime.fromtimestamp(change, ZoneInfo(name)).date()
    closures = draw(st.sets(st.sampled_from([near - timedelta(days=1), near]), max_size=1))
    return CalendarSpec(timezone=name, hours=hours, closures=frozenset(closures)), start


def engagement_on(spec: CalendarSpec, sla_minutes: int) -> Engagement:
    """An unsaved engagement on an unsaved calendar: the SLA clock reads nothing else."""
    calendar = BusinessCalendar(
        timezone=spec.timezone,
        working_hours=format_hours(spec.hours),
        closures=sorted(d.isoformat() for d in spec.closures),
    )
    return Engagement(sla_minutes=sla_minutes, sla_basis="business", calendar=calendar)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_due_at_and_clock_between_agree_with_a_minute_by_minute_walk(case, data):
    # given a calendar, a start near a DST change and the reference walk from its minute
    spec, start = case
    walk = Walk(spec, start - start % 60)
    offset = start - walk.base
    # when an amount of business time that the walk covers is added
    duration = data.draw(st.integers(0, walk.worked(60 * WINDOW_MINUTES) - walk.worked(offset)))
    engagement = engagement_on(spec, duration // 60)
    due = due_at(engagement, at(start), paused_seconds=duration % 60)
    # then the due time is the walk's, on the SLA clock and on the calendar alike
    expected_due = walk.due(start, duration)  # None: nothing works in the window at all
    if expected_due is None:
        assert due >= at(walk.base + 60 * WINDOW_MINUTES)
    else:
        assert due == at(expected_due)
    assert add_business_time(at(start), timedelta(seconds=duration), spec) == due
    # and the business time to any instant in the window is the walk's count
    end = walk.base + data.draw(st.integers(0, 60 * WINDOW_MINUTES))
    expected = timedelta(seconds=walk.worked(end - walk.base) - walk.worked(offset))
    assert clock_between(engagement, at(start), at(end)) == expected
    assert business_time_between(at(end), at(start), spec) == -expected


def test_the_property_test_finds_offset_changes_in_every_zone_that_has_them():
    counts = {name: len(transitions(name)) for name in ZONES}
    assert counts["Asia/Kolkata"] == counts["Asia/Kathmandu"] == 0
    assert all(counts[name] >= 2 * len(YEARS) for name in ("Europe/London", "Pacific/Chatham"))
    assert counts["Africa/Casablanca"] >= 2 * len(YEARS)  # Ramadan, every year


def _sunday(name: str, ranges: list[list[str]]) -> CalendarSpec:
    return CalendarSpec(timezone=name, hours=parse_hours({"sun": ranges}))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "ranges", "hours", "why"),
    [
        # New York springs forward Sun 8 Mar 2026 02:00 -> 03:00.
        ("America/New_York", date(2026, 3, 8), [["01:00", "04:00"]], 2, "wall 3 h, 2 lived"),
        ("America/New_York", date(2026, 3, 8), [["02:15", "02:45"]], 0, "wholly skipped"),
        ("America/New_York", date(2026, 3, 8), [["02:30", "05:00"]], 2, "begins at 03:00"),
        # New York falls back Sun 1 Nov 2026 02:00 -> 01:00.
        ("America/New_York", date(2026, 11, 1), [["01:00", "02:00"]], 2, "lived twice"),
        ("America/New_York", date(2026, 11, 1), [["01:15", "01:45"]], 1, "twice 30 min"),
        ("America/New_York", date(2026, 11, 1), [["00:00", "01:30"]], 2, "90 min, then 30"),
        ("America/New_York", date(2026, 11, 1), [["00:00", "24:00"]], 25, "the long day"),
        # Lord Howe moves half an hour: 02:00 -> 02:30 (5 Oct 2025), 02:00 -> 01:30 (5 Apr 2026).
        ("Australia/Lord_Howe", date(2025, 10, 5), [["02:00", "02:30"]], 0, "skipped"),
        ("Australia/Lord_Howe", date(2026, 4, 5), [["01:30", "02:00"]], 1, "lived twice"),
        # Chatham +12:45: 02:45 -> 03:45 (27 Sep 2026).
        ("Pacific/Chatham", date(2026, 9, 27), [["02:00", "04:00"]], 1, "an hour skipped"),
    ],
)
def test_a_working_range_holds_the_wall_clock_time_actually_lived(zone, day, ranges, hours, why):
    # given a range on a DST-change Sunday
    spec = _sunday(zone, ranges)
    # when its business time is measured over the whole date and its neighbours
    lived = business_time_between(
        utc(day.year, day.month, day.day) - timedelta(days=1),
        utc(day.year, day.month, day.day) + timedelta(days=2),
        spec,
    )
    # then it is the wall-clock time lived, and the day's intervals say so too
    assert lived == timedelta(hours=hours), why
    shown = sum((e - s for s, e in calendar_for(spec).intervals(day)), timedelta(0))
    assert shown == lived


def test_a_due_time_never_lands_after_the_range_that_holds_it():
    # given New York, Sundays 01:00-02:30: on 8 Mar 2026 01:00-02:00 EST is all there is
    spec = _sunday("America/New_York", [["01:00", "02:30"]])
    # when 90 minutes are due from Saturday
    due = add_business_time(utc(2026, 3, 7, 12), timedelta(minutes=90), spec)
    # then the hour of that night counts, and the rest falls the next Sunday at 01:30 EDT
    assert due == utc(2026, 3, 15, 5, 30)
    # and on 1 Nov 2026 the range runs from 01:00 EDT to 02:30 EST: 2 1/2 hours, one interval
    first_sunday = calendar_for(spec).intervals(date(2026, 11, 1))
    assert first_sunday == [(utc(2026, 11, 1, 5), utc(2026, 11, 1, 7, 30))]


def test_a_date_that_a_zone_skips_has_no_business_time():
    # given Samoa, open every Friday, which went from Thu 29 to Sat 31 Dec 2011
    spec = CalendarSpec(timezone="Pacific/Apia", hours=((),) * 4 + (((0, 1440),),) + ((),) * 2)
    # then that Friday, 30 Dec 2011, never happened
    assert calendar_for(spec).intervals(date(2011, 12, 30)) == []
    assert business_time_between(utc(2011, 12, 28), utc(2012, 1, 5), spec) == timedelta(0)


def test_a_change_back_at_midnight_repeats_the_end_of_the_previous_date():
    # given Beirut, open around the clock, which falls back from Sun 00:00 to Sat 23:00
    spec = CalendarSpec(timezone="Asia/Beirut", hours=(((0, 1440),),) * 7)
    cal = calendar_for(spec)
    change = transitions("Asia/Beirut")[1]
    # then every real instant counts once: a week around the change holds a week of time
    assert datetime.fromtimestamp(change, ZoneInfo("Asia/Beirut")).hour == 23
    week = business_time_between(
        at(change) - timedelta(days=3), at(change) + timedelta(days=4), spec
    )
    assert week == timedelta(days=7)
    assert cal.add(at(change) - timedelta(hours=1), timedelta(hours=2)) == at(change + 3600)


def test_two_ranges_both_lived_twice_on_a_fall_back_night_keep_both_passes():
    # New York, Sunday 3 November 2024: 01:00-02:00 is lived twice (EDT, then EST).
    # Working 00:00-01:14 and 01:15-01:29: between 01:14 EDT and 01:30:01 EDT the second
    # range's first pass (01:15-01:29 EDT) is 14 minutes of business time.
    sunday = ((0, 74), (75, 89))
    spec = CalendarSpec(
        timezone="America/New_York", hours=((),) * 6 + (sunday,), closures=frozenset()
    )
    start = datetime(2024, 11, 3, 5, 14, tzinfo=UTC)  # 01:14 EDT
    end = datetime(2024, 11, 3, 5, 30, 1, tzinfo=UTC)  # 01:30:01 EDT
    assert business_time_between(end, start, spec) == -timedelta(minutes=14)
    assert add_business_time(start, timedelta(minutes=14), spec) == datetime(
        2024, 11, 3, 5, 29, tzinfo=UTC
    )
