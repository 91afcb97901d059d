"""Adherence and conformance of one shift, worked by hand, and shift lengths across the
clock changes."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from backoffice.workforce import selectors
from backoffice.workforce.tests import factories as f
from backoffice.workforce.timeline import shift_instants

pytestmark = pytest.mark.django_db


def test_a_late_start_and_an_overlong_break(london, lead_access):
    """Ahmed's shift on Monday 7 December 2026 in London is 09:00-17:00 (480 minutes) with
    a 30-minute break at 12:00. He comes in at 09:15 and takes 45 minutes of break,
    12:00-12:45, then works to 17:00.

    Minutes in the scheduled state:
        09:00-09:15  scheduled work, offline          0
        09:15-12:00  scheduled work, available      165
        12:00-12:30  scheduled break, on break       30
        12:30-12:45  scheduled work, still on break   0
        12:45-17:00  scheduled work, available      255
                                                    ---
                                                    450 of 480  → adherence 93.75 %
    Conformance: worked 165 + 255 = 420 minutes of the 480 - 30 = 450 scheduled to work
                 → 420 ÷ 450 = 93.33 %.
    """
    # given the shift and what Ahmed did
    shift = f.shift(london, "2026-12-07", "09:00", "17:00", (("12:00", 30),))
    f.states(
        london,
        ("2026-12-07T09:15", "available"),
        ("2026-12-07T12:00", "on_break"),
        ("2026-12-07T12:45", "available"),
        ("2026-12-07T17:00", "offline"),
    )
    # when the lead reads the shift's adherence
    result = selectors.shift_adherence(lead_access, shift)
    # then
    assert result.scheduled_seconds == 480 * 60
    assert result.kept_seconds == 450 * 60
    assert result.adherence == 93.75
    assert (result.worked_seconds, result.work_scheduled_seconds) == (420 * 60, 450 * 60)
    assert result.conformance == 93.33
    # and per 15 minutes: the first quarter hour and the one after the break are lost
    by_start = {s.start.strftime("%H:%M"): s for s in result.slots}
    assert len(result.slots) == 32
    assert by_start["09:00"].adherence == 0.0 and by_start["09:00"].actual_state == "offline"
    assert by_start["09:15"].adherence == 100.0
    assert (by_start["12:00"].scheduled, by_start["12:00"].adherence) == ("break", 100.0)
    assert (by_start["12:30"].scheduled, by_start["12:30"].adherence) == ("work", 0.0)
    assert by_start["12:30"].actual_state == "on_break"
    assert sum(1 for s in result.slots if s.adherence == 100.0) == 30


def test_a_london_night_shift_on_the_night_the_clocks_go_back_lasts_nine_hours(london):
    # given 22:00 on Saturday 24 October 2026 to 06:00 on Sunday (BST ends at 02:00)
    shift = f.shift(london, "2026-10-24", "22:00", "06:00")
    # then it is stored as 21:00 to 06:00 UTC: nine hours
    assert shift.ends_at - shift.starts_at == timedelta(hours=9)
    assert shift.starts_at.isoformat() == "2026-10-24T21:00:00+00:00"
    assert shift.ends_at.isoformat() == "2026-10-25T06:00:00+00:00"
    assert shift.minutes == 540


def test_the_same_shift_when_the_clocks_go_forward_lasts_seven_hours():
    start, end = shift_instants(date(2026, 3, 28), time(22), time(6), "Europe/London")
    assert end - start == timedelta(hours=7)


def test_a_manila_night_shift_has_no_clock_change_and_covers_a_london_day(manila):
    # given 16:00-01:00 in Manila (no daylight saving), a London client's 08:00-17:00
    shift = f.shift(manila, "2026-12-07", "16:00", "01:00")
    assert shift.ends_at - shift.starts_at == timedelta(hours=9)
    assert shift.starts_at.isoformat() == "2026-12-07T08:00:00+00:00"
    assert shift.local_day == date(2026, 12, 7) and shift.timezone == "Asia/Manila"
