"""Business time: properties that must hold for any input, and worked DST/holiday tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.work.calendar import (
    CalendarError,
    CalendarSpec,
    add_business_time,
    business_time_between,
    calendar_for,
    parse_hours,
)

NEW_YORK = CalendarSpec(timezone="America/New_York", country="US", subdivision="NY")
BERLIN = CalendarSpec(timezone="Europe/Berlin", country="DE", subdivision="BE")
SPLIT_SHIFT = CalendarSpec(
    timezone="Europe/London",
    hours=parse_hours(
        {
            "mon": [["08:00", "12:00"], ["13:00", "17:30"]],
            "tue": [["08:00", "12:00"], ["13:00", "17:30"]],
            "wed": [["00:00", "24:00"]],
            "sat": [["01:30", "03:30"]],
        }
    ),
    country="GB",
    closures=frozenset({date(2026, 3, 30)}),
)
SPECS = [NEW_YORK, BERLIN, SPLIT_SHIFT]

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))
specs = st.sampled_from(SPECS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(spec=specs, start=instants, duration=durations)
def test_due_time_never_falls_outside_working_hours(spec, start, duration):
    # given a calendar, a start and an amount of business time
    cal = calendar_for(spec)
    # when
    due = add_business_time(start, duration, spec)
    # then the due time is inside a working interval, never before the start
    assert cal.is_working(due)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(spec=specs, start=instants, a=durations, b=durations)
def test_more_time_never_gives_an_earlier_due_time(spec, start, a, b):
    # given two amounts of business time
    shorter, longer = sorted([a, b])
    # when / then
    assert add_business_time(start, shorter, spec) <= add_business_time(start, longer, spec)


@settings(max_examples=300, deadline=None)
@given(spec=specs, start=instants, sla=durations, paused=durations)
def test_a_pause_pushes_the_due_time_back_by_exactly_the_paused_business_time(
    spec, start, sla, paused
):
    # given a due time, and the same item after a pause of `paused` business time
    due = add_business_time(start, sla, spec)
    due_after_pause = add_business_time(start, sla + paused, spec)
    # then the business time between the two is exactly the pause
    assert business_time_between(due, due_after_pause, spec) == paused


@settings(max_examples=200, deadline=None)
@given(spec=specs, start=instants, duration=durations)
def test_business_time_between_inverts_add(spec, start, duration):
    due = add_business_time(start, duration, spec)
    assert business_time_between(start, due, spec) == duration


@pytest.mark.parametrize(
    ("spec", "start", "duration", "due", "why"),
    [
        # New York: DST starts Sun 8 Mar 2026 (EST -5 -> EDT -4).
        (NEW_YORK, utc(2026, 3, 6, 20), 8, utc(2026, 3, 9, 19), "Fri 15:00 EST -> Mon 15:00 EDT"),
        (NEW_YORK, utc(2026, 3, 9, 13), 8, utc(2026, 3, 9, 21), "Mon 09:00-17:00 EDT"),
        # New York: DST ends Sun 1 Nov 2026 (EDT -> EST).
        (NEW_YORK, utc(2026, 10, 30, 19), 8, utc(2026, 11, 2, 20), "Fri 15:00 EDT -> Mon 15 EST"),
        # New York: Thanksgiving Thu 26 Nov 2026 is a holiday; the clock skips it.
        (NEW_YORK, utc(2026, 11, 25, 20), 8, utc(2026, 11, 27, 20), "Wed 15:00 -> Fri 15:00"),
        # New York: Christmas Fri 25 Dec 2026 and the weekend.
        (NEW_YORK, utc(2026, 12, 24, 22), 1, utc(2026, 12, 28, 15), "Thu 17:00 -> Mon 10:00"),
        # Berlin: DST starts Sun 29 Mar 2026 (CET +1 -> CEST +2).
        (BERLIN, utc(2026, 3, 27, 14), 8, utc(2026, 3, 30, 13), "Fri 15:00 CET -> Mon 15 CEST"),
        # Berlin: DST ends Sun 25 Oct 2026.
        (BERLIN, utc(2026, 10, 23, 13), 8, utc(2026, 10, 26, 14), "Fri 15 CEST -> Mon 15 CET"),
        # Berlin: Good Friday 3 Apr and Easter Monday 6 Apr 2026 are holidays.
        (BERLIN, utc(2026, 4, 2, 13), 8, utc(2026, 4, 7, 13), "Thu 15:00 -> Tue 15:00"),
        # Berlin: International Women's Day (8 Mar) is a holiday in Berlin only; 2027 is a Mon.
        (BERLIN, utc(2027, 3, 5, 15), 2, utc(2027, 3, 9, 9), "Fri 16:00 -> Tue 10:00"),
        # London: Sat 01:30-03:30 GMT, the client's own closure Mon 30 Mar, Tue 08:00 BST.
        (SPLIT_SHIFT, utc(2026, 3, 27, 12), 4, utc(2026, 3, 31, 9), "Fri -> Tue 10:00 BST"),
        # London: Saturday 01:30-03:30 on 28 Mar 2027 is fine; on 29 Mar 2026 DST is Sunday.
        (SPLIT_SHIFT, utc(2026, 3, 28, 1), 1, utc(2026, 3, 28, 2, 30), "Sat 01:30 + 1h"),
    ],
)
def test_due_times_across_dst_and_holidays(spec, start, duration, due, why):
    # when
    got = add_business_time(start, timedelta(hours=duration), spec)
    # then
    assert got == due, why


def test_a_working_day_across_a_dst_change_has_its_real_length():
    # given a calendar open around the clock on Sundays in Berlin
    spec = CalendarSpec(timezone="Europe/Berlin", hours=((),) * 6 + (((0, 1440),),))
    cal = calendar_for(spec)
    # then the spring-forward Sunday has 23 hours and the fall-back Sunday 25
    (spring,) = cal.intervals(date(2026, 3, 29))
    (autumn,) = cal.intervals(date(2026, 10, 25))
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)


def test_a_holiday_is_a_local_date_not_a_utc_one():
    # given New Year's Day (a Friday) in New York: from Thu 17:00 EST to Mon 10:00 EST
    cal = calendar_for(NEW_YORK)
    # then no business time passes during the local holiday
    assert cal.intervals(date(2027, 1, 1)) == []
    assert business_time_between(utc(2026, 12, 31, 22), utc(2027, 1, 4, 15), NEW_YORK) == (
        timedelta(hours=1)
    )


def test_zero_duration_outside_hours_waits_for_the_next_opening():
    due = add_business_time(utc(2026, 6, 6, 12), timedelta(0), NEW_YORK)  # Saturday
    assert due == utc(2026, 6, 8, 13)


def test_long_durations_grow_the_compiled_range():
    due = add_business_time(utc(2026, 1, 5, 14), timedelta(hours=8 * 250 * 6), NEW_YORK)
    assert due.year >= 2031
    assert calendar_for(NEW_YORK).is_working(due)


@pytest.mark.parametrize(
    "hours",
    [{"mon": [["09:00", "08:00"]]}, {"funday": []}, {"mon": [["9", "10"]]}, {"mon": [["09:00"]]}],
)
def test_bad_working_hours_are_refused(hours):
    with pytest.raises(CalendarError):
        parse_hours(hours)


def test_unknown_zone_or_country_is_refused():
    with pytest.raises(CalendarError):
        CalendarSpec(timezone="Mars/Olympus")
    with pytest.raises(CalendarError):
        CalendarSpec(timezone="UTC", country="XX")
    with pytest.raises(CalendarError):
        CalendarSpec(timezone="UTC", hours=((),) * 7)
