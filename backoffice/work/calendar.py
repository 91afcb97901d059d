"""Business time: working hours in an IANA zone, minus public holidays and client closures.

What counts: every real instant whose local wall-clock time falls inside a working range
of its local date, unless that date is a public holiday or a closure. A range is a span of
wall-clock time ("09:00"-"17:00"; "24:00" is the following midnight), so on the two
daylight-saving days of the year it holds the wall-clock minutes actually lived:

* spring forward (02:00 -> 03:00): 01:00-04:00 holds two real hours, a range wholly inside
  the skipped hour (02:15-02:45) holds nothing, and 02:30-05:00 starts at 03:00;
* fall back (02:00 -> 01:00): the repeated hour is lived twice, so 01:00-02:00 holds two
  real hours (one on each side of the change), 01:15-01:45 is two half-hour intervals and
  00:00-24:00 holds 25 hours.

The same rule covers 30-minute shifts (Lord Howe), changes at midnight and offsets in
quarter hours: a working range is the preimage of its wall-clock span under "UTC instant
-> local time", which the calendar computes piece by piece between the zone's offset
changes (found once per zone and year by scanning `zoneinfo`, see `_offset_changes`).

A calendar is compiled into one sorted array of working intervals (UTC microseconds) with
a running total of business time before each interval. Then

* the business time elapsed at an instant is one `bisect` plus an addition, and
* the instant at which a given amount of business time has elapsed is another `bisect`,

so `add_business_time` and `business_time_between` are O(log n) and exact to the
microsecond; daylight saving costs nothing at that point. A holiday is a local date, never
a UTC one. Compiled calendars, holiday sets and offset changes are cached; the array grows
a few years at a time when an instant falls outside it.

Pure Python on purpose: it is imported by models, services, benchmarks and tests alike.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

_US = 1_000_000
_DAY_US = 86_400 * _US
_REACH_US = 26 * 3_600 * _US  # further than any UTC offset reaches
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SCAN_SECONDS = 6 * 3_600  # zones change offset months apart, never twice within 6 hours
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# (start minute, end minute) in local wall-clock time; end may be 1440 (midnight).
DayHours = tuple[tuple[int, int], ...]

NINE_TO_FIVE: tuple[DayHours, ...] = (((540, 1020),),) * 5 + ((), ())


class CalendarError(ValueError):
    """The calendar settings are unusable (bad zone, hours, country)."""


def parse_hours(spec: Mapping[str, Iterable[Sequence[str]]]) -> tuple[DayHours, ...]:
    """`{"mon": [["09:00", "17:00"]], ...}` -> per-weekday minute ranges (missing day = closed)."""
    unknown = set(spec) - set(WEEKDAYS)
    if unknown:
        raise CalendarError(f"unknown weekday(s): {', '.join(sorted(unknown))}")
    days: list[DayHours] = []
    for name in WEEKDAYS:
        ranges: list[tuple[int, int]] = []
        for pair in spec.get(name, ()):
            if len(pair) != 2:
                raise CalendarError(f"{name}: each range is [start, end]")
            start, end = _minutes(pair[0]), _minutes(pair[1])
            if not 0 <= start < end <= 1440:
                raise CalendarError(f"{name}: {pair[0]}-{pair[1]} is not a forward range")
            ranges.append((start, end))
        ranges.sort()
        for (_, e1), (s2, _) in itertools.pairwise(ranges):
            if s2 < e1:
                raise CalendarError(f"{name}: working ranges overlap")
        days.append(tuple(ranges))
    return tuple(days)


def format_hours(days: tuple[DayHours, ...]) -> dict[str, list[list[str]]]:
    return {
        WEEKDAYS[i]: [[_hhmm(s), _hhmm(e)] for s, e in ranges]
        for i, ranges in enumerate(days)
        if ranges
    }


def _minutes(text: str) -> int:
    try:
        hh, mm = text.split(":")
        value = int(hh) * 60 + int(mm)
    except (ValueError, AttributeError) as exc:
        raise CalendarError(f"{text!r} is not HH:MM") from exc
    if not 0 <= int(mm) < 60:
        raise CalendarError(f"{text!r} is not HH:MM")
    return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class CalendarSpec:
    """Everything that defines business time; hashable, so compiled calendars are cached."""

    timezone: str = "UTC"
    hours: tuple[DayHours, ...] = NINE_TO_FIVE
    country: str = ""
    subdivision: str = ""
    closures: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise CalendarError("working hours need one entry per weekday")
        if not any(self.hours):
            raise CalendarError("a calendar needs at least one working period per week")
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:
            raise CalendarError(f"unknown time zone {self.timezone!r}") from exc
        if self.country:
            _holidays(self.country, self.subdivision, 2026)


@lru_cache(maxsize=4096)
def _holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """The public holidays of one country/subdivision and year (cached: building is slow)."""
    try:
        found = holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError) as exc:
        raise CalendarError(f"no public holidays known for {country}/{subdivision}") from exc
    return frozenset(found.keys())


def holidays_in(spec: CalendarSpec, year: int) -> frozenset[date]:
    return _holidays(spec.country, spec.subdivision, year) if spec.country else frozenset()


class BusinessCalendar:
    """A compiled calendar. Use `calendar_for(spec)`; instances are shared and thread-safe."""

    _SPAN_YEARS = 3

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._lock = threading.Lock()
        self._first_year = 0
        self._last_year = -1
        self._safe_lo = 1  # instants in [_safe_lo, _safe_hi] need no rebuild
        self._safe_hi = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cum: list[int] = []  # business time before interval i
        self._cum_end: list[int] = []  # business time at the end of interval i

    # public API -----------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of business time has elapsed after `start`."""
        us = duration.days * 86_400_000_000 + duration.seconds * _US + duration.microseconds
        if us < 0:
            raise ValueError("duration must not be negative")
        return _from_us(self.add_us(_to_us(start), us))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from `a` to `b` (negative when b is before a)."""
        ua, ub = _to_us(a), _to_us(b)
        self._cover(min(ua, ub), max(ua, ub))
        return timedelta(microseconds=self._elapsed(ub) - self._elapsed(ua))

    def is_working(self, at: datetime) -> bool:
        """True when `at` lies inside a working interval (its end included)."""
        t = _to_us(at)
        self._cover(t, t)
        i = bisect.bisect_left(self._ends, t)
        return i < len(self._starts) and self._starts[i] <= t

    def next_working(self, at: datetime) -> datetime:
        return self.add(at, timedelta(0))

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """One local date's working intervals in UTC (for display and tests)."""
        pieces = _zone_pieces(self.spec.timezone, day.year - 1, day.year + 1)
        return [(_from_us(s), _from_us(e)) for s, e in self._day_intervals(day, pieces)]

    # fast path (integers: microseconds since the epoch) -------------------------------

    def add_us(self, t: int, duration_us: int) -> int:
        self._cover(t, t)
        while True:
            i = bisect.bisect_right(self._ends, t)
            if i >= len(self._starts):
                self._grow_forward()
                continue
            start_i = self._starts[i]
            target = self._cum[i] + (t - start_i if t > start_i else 0) + duration_us
            if target > self._cum_end[-1]:
                self._grow_forward()
                continue
            j = bisect.bisect_left(self._cum_end, target, lo=i)
            return self._starts[j] + (target - self._cum[j])

    def _elapsed(self, t: int) -> int:
        i = bisect.bisect_right(self._ends, t)
        if i >= len(self._starts):
            return self._cum_end[-1]
        start_i = self._starts[i]
        return self._cum[i] + (t - start_i if t > start_i else 0)

    # compilation -----------------------------------------------------------------------

    def _cover(self, lo: int, hi: int) -> None:
        """Make sure the arrays span the local years of `lo`..`hi` (plus a margin)."""
        if self._safe_lo <= lo and hi <= self._safe_hi:
            return
        y_lo = _from_us(lo).year - 1
        y_hi = _from_us(hi).year + 1
        if self._first_year <= y_lo and y_hi < self._last_year:
            return
        with self._lock:
            if self._last_year < self._first_year:
                self._build(y_lo, max(y_hi, y_lo + self._SPAN_YEARS))
            elif y_lo < self._first_year or y_hi >= self._last_year:
                self._build(min(y_lo, self._first_year), max(y_hi + 1, self._last_year))

    def _grow_forward(self) -> None:
        with self._lock:
            self._build(self._first_year, self._last_year + self._SPAN_YEARS)

    def _build(self, first_year: int, last_year: int) -> None:
        if last_year > 9000:
            raise CalendarError("business time runs past the year 9000")
        pieces = _zone_pieces(self.spec.timezone, first_year - 1, last_year + 1)
        found: list[tuple[int, int]] = []
        day = date(first_year, 1, 1)
        stop = date(last_year, 12, 31)
        while day <= stop:
            found.extend(self._day_intervals(day, pieces))
            day += timedelta(days=1)
        # Sorted: a change back across midnight lives part of a date after the next began.
        found.sort()
        starts: list[int] = []
        ends: list[int] = []
        for s, e in found:
            if starts and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        cum: list[int] = []
        cum_end: list[int] = []
        total = 0
        for s, e in zip(starts, ends, strict=True):
            cum.append(total)
            total += e - s
            cum_end.append(total)
        # Publish the finished arrays together (readers never see a half-built state
        # that matters: every field is replaced, and the year bounds last).
        self._starts, self._ends, self._cum, self._cum_end = starts, ends, cum, cum_end
        self._first_year, self._last_year = first_year, last_year
        self._safe_lo = _to_us(datetime(first_year + 1, 1, 1, tzinfo=UTC))
        self._safe_hi = _to_us(datetime(last_year - 1, 1, 1, tzinfo=UTC))

    def _day_intervals(self, day: date, pieces: _Pieces) -> list[tuple[int, int]]:
        """One local date's working intervals in UTC µs, in order (adjacent ones joined)."""
        if day in self.spec.closures or day in holidays_in(self.spec, day.year):
            return []
        midnight = (day.toordinal() - _EPOCH_ORDINAL) * _DAY_US  # wall clock, as if UTC
        lived: list[tuple[int, int]] = []
        for start_min, end_min in self.spec.hours[day.weekday()]:
            lo = midnight + start_min * 60 * _US
            hi = midnight + end_min * 60 * _US
            lived.extend(_lived(lo, hi, pieces))
        # Sorted before joining: on a fall-back night a later range's first pass comes
        # before an earlier range's second pass (00:00-01:14 lived twice, 01:15-01:29 too).
        lived.sort()
        out: list[tuple[int, int]] = []
        for s, e in lived:
            if out and s <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], e))
            else:
                out.append((s, e))
        return out


# The zone's offset as pieces: offsets[k] holds from changes[k-1] (UTC µs) to changes[k].
_Pieces = tuple[list[int], list[int]]


def _lived(lo: int, hi: int, pieces: _Pieces) -> list[tuple[int, int]]:
    """The UTC instants (µs) whose wall-clock time lies in [lo, hi) (wall-clock µs).

    Between two offset changes wall-clock time is UTC plus a constant, so each piece of
    the zone contributes [lo - offset, hi - offset) clipped to the piece: nothing for a
    skipped span, twice for a repeated one. Usually there is exactly one piece.
    """
    changes, offsets = pieces
    first = bisect.bisect_right(changes, lo - _REACH_US)
    last = bisect.bisect_right(changes, hi + _REACH_US)
    out: list[tuple[int, int]] = []
    for k in range(first, last + 1):
        s, e = lo - offsets[k], hi - offsets[k]
        if k > 0 and s < changes[k - 1]:
            s = changes[k - 1]
        if k < len(changes) and e > changes[k]:
            e = changes[k]
        if s < e:
            out.append((s, e))
    return out


def _zone_pieces(zone_key: str, first_year: int, last_year: int) -> _Pieces:
    """The zone's offsets over the UTC years `first_year`..`last_year`."""
    changes: list[int] = []
    offsets = [_offset_us(ZoneInfo(zone_key), _year_start(first_year))]
    for year in range(first_year, last_year + 1):
        for at, offset in _offset_changes(zone_key, year):
            changes.append(at)
            offsets.append(offset)
    return changes, offsets


@lru_cache(maxsize=4096)
def _offset_changes(zone_key: str, year: int) -> tuple[tuple[int, int], ...]:
    """(UTC µs, new offset µs) of every offset change after 1 Jan of UTC `year` up to the next.

    `zoneinfo` has no public list of transitions, so the year is scanned every 6 hours and
    each change is found to the second by bisection. A change and its reversal within one
    6-hour step would be missed; the time zone database has none (checked against the
    transitions of all 599 zones, 1900-2037).
    """
    zone = ZoneInfo(zone_key)
    t, end = _year_start(year), _year_start(year + 1)
    before = _offset_us(zone, t)
    found: list[tuple[int, int]] = []
    while t < end:
        step = min(t + _SCAN_SECONDS, end)
        after = _offset_us(zone, step)
        while after != before:  # at least one change in (t, step]
            lo, hi = t, step
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_us(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            before = _offset_us(zone, hi)
            found.append((hi * _US, before))
            t = hi
        t = step
    return tuple(found)


def _year_start(year: int) -> int:
    """1 Jan `year` 00:00 UTC in seconds since the epoch."""
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86_400


def _offset_us(zone: ZoneInfo, seconds: int) -> int:
    offset = datetime.fromtimestamp(seconds, zone).utcoffset()
    assert offset is not None
    return offset // timedelta(microseconds=1)


def _to_us(dt: datetime) -> int:
    """Microseconds since the epoch (exact: a float timestamp is off by far less than 0.5 µs)."""
    if dt.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return round(dt.timestamp() * _US)


def _from_us(us: int) -> datetime:
    return datetime.fromtimestamp(us / _US, UTC)


@lru_cache(maxsize=1024)
def calendar_for(spec: CalendarSpec) -> BusinessCalendar:
    """The shared compiled calendar for `spec`."""
    return BusinessCalendar(spec)


def add_business_time(start_utc: datetime, duration: timedelta, spec: CalendarSpec) -> datetime:
    """Due time: `duration` of business time after `start_utc`, as an aware UTC datetime."""
    return calendar_for(spec).add(start_utc, duration)


def business_time_between(a: datetime, b: datetime, spec: CalendarSpec) -> timedelta:
    """Business time between two instants (negative when `b` is before `a`)."""
    return calendar_for(spec).between(a, b)
