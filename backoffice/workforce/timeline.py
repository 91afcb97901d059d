"""Pure time arithmetic for workforce: local shift times to UTC instants, an agent's actual
timeline (their chosen states with busy and away laid over), adherence per interval and
the time figures. Nothing here reads the database.

Local wall-clock times become instants through zoneinfo, so a night shift across a
daylight-saving change has its real length: Europe/London 22:00 to 06:00 on the night the
clocks go back is nine hours, on the night they go forward seven.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SLOT = timedelta(minutes=15)
MAX_SHIFT = timedelta(hours=24)

# States in which the agent is logged in and working (not on a break, not offline).
WORKING = frozenset({"available", "busy", "away", "training", "meeting"})
# What counts as keeping to each scheduled activity: scheduled work is kept by being
# available, working an item, or away (available but idle: the product cannot tell an empty
# queue from a walk-away, so idleness shows in occupancy, not in adherence); a break only
# by a break, and so on.
KEEPS = {
    "work": frozenset({"available", "busy", "away"}),
    "break": frozenset({"on_break"}),
    "training": frozenset({"training"}),
    "meeting": frozenset({"meeting"}),
}


@dataclass(frozen=True)
class Piece:
    """[start, end) in one state (an agent's actual state, or a scheduled activity)."""

    start: datetime
    end: datetime
    state: str

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def instant(day: date, clock: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time. A time the clocks skip (02:30 on the
    spring-forward night) lands on the same offset as just before the jump; a time that
    happens twice is its first occurrence."""
    local = datetime.combine(day, clock, ZoneInfo(zone))
    return local.astimezone(UTC)


def shift_instants(day: date, start: time, end: time, zone: str) -> tuple[datetime, datetime]:
    """A shift from `start` on `day` to `end` (the next day when `end` is not after
    `start`), in the agent's zone, as UTC instants."""
    end_day = day if end > start else day + timedelta(days=1)
    return instant(day, start, zone), instant(end_day, end, zone)


def local_instants(start: datetime, end: datetime, zone: str) -> tuple[datetime, datetime]:
    """Naive local datetimes in `zone` as UTC instants."""
    return instant(start.date(), start.time(), zone), instant(end.date(), end.time(), zone)


def break_instant(shift_start: datetime, clock: time, zone: str) -> datetime:
    """The first time the local clock reads `clock` at or after the shift's start."""
    local_start = shift_start.astimezone(ZoneInfo(zone))
    candidate = instant(local_start.date(), clock, zone)
    if candidate < shift_start:
        candidate = instant(local_start.date() + timedelta(days=1), clock, zone)
    return candidate


def clip(pieces: Iterable[Piece], lo: datetime, hi: datetime) -> list[Piece]:
    out = []
    for p in pieces:
        s, e = max(p.start, lo), min(p.end, hi)
        if e > s:
            out.append(Piece(s, e, p.state))
    return out


def _merge(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif e > s:
            merged.append((s, e))
    return merged


def overlay(
    states: Sequence[Piece], held: Iterable[tuple[datetime, datetime]], idle_after: timedelta
) -> list[Piece]:
    """The actual timeline: while an agent is available, the stretches they hold an item in
    progress are busy, and a stretch with no item past `idle_after` turns away (from the
    timeout on, until the next item or state change). Other states stay as chosen."""
    busy = _merge(held)
    out: list[Piece] = []
    for p in states:
        if p.state != "available":
            out.append(p)
            continue
        cursor = p.start
        for s, e in busy:
            s, e = max(s, p.start), min(e, p.end)
            if e <= s:
                continue
            out.extend(_idle(cursor, s, idle_after))
            out.append(Piece(s, e, "busy"))
            cursor = e
        out.extend(_idle(cursor, p.end, idle_after))
    return out


def _idle(start: datetime, end: datetime, idle_after: timedelta) -> list[Piece]:
    if end <= start:
        return []
    if end - start <= idle_after:
        return [Piece(start, end, "available")]
    turn = start + idle_after
    return [Piece(start, turn, "available"), Piece(turn, end, "away")]


def scheduled(
    shift_start: datetime, shift_end: datetime, activities: Iterable[Piece]
) -> list[Piece]:
    """A shift as scheduled pieces: work, with its breaks, training and meetings cut in."""
    out: list[Piece] = []
    cursor = shift_start
    for a in sorted(clip(activities, shift_start, shift_end), key=lambda p: p.start):
        if a.start < cursor:
            continue
        if a.start > cursor:
            out.append(Piece(cursor, a.start, "work"))
        out.append(a)
        cursor = a.end
    if cursor < shift_end:
        out.append(Piece(cursor, shift_end, "work"))
    return out


def _overlap_seconds(a: Piece, b: Piece) -> float:
    return max(0.0, (min(a.end, b.end) - max(a.start, b.start)).total_seconds())


@dataclass
class Slot:
    """One 15-minute interval of a shift: what was scheduled and how much was kept."""

    start: datetime
    scheduled: str
    scheduled_seconds: float = 0.0
    kept_seconds: float = 0.0
    actual: dict[str, float] = field(default_factory=dict)

    @property
    def adherence(self) -> float | None:
        return percent(self.kept_seconds, self.scheduled_seconds)

    @property
    def actual_state(self) -> str:
        """The state the agent spent most of the interval in ("offline" when none)."""
        if not self.actual:
            return "offline"
        return max(self.actual.items(), key=lambda kv: kv[1])[0]


@dataclass
class Adherence:
    """Adherence = seconds in the scheduled state ÷ scheduled seconds (the whole shift,
    breaks included); conformance = seconds worked ÷ seconds scheduled to work (the shift
    less its breaks), whenever within the window the work was done."""

    slots: list[Slot]
    scheduled_seconds: float
    kept_seconds: float
    work_scheduled_seconds: float
    worked_seconds: float

    @property
    def adherence(self) -> float | None:
        return percent(self.kept_seconds, self.scheduled_seconds)

    @property
    def conformance(self) -> float | None:
        return percent(self.worked_seconds, self.work_scheduled_seconds)


def percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 2) if whole > 0 else None


def adherence(
    plan: Sequence[Piece], actual: Sequence[Piece], *, window: tuple[datetime, datetime]
) -> Adherence:
    """Compare a shift's scheduled pieces with the agent's actual timeline, per 15 minutes
    (aligned on the quarter hours of UTC, which are quarter hours in every zone in use).
    Worked time counts from `window` (the shift and the hours around it)."""
    if not plan:
        return Adherence([], 0.0, 0.0, 0.0, 0.0)
    start, end = plan[0].start, plan[-1].end
    t = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    slots: list[Slot] = []
    while t < end:
        box = Piece(t, t + SLOT, "")
        in_box = [(p, _overlap_seconds(p, box)) for p in plan]
        main = max(in_box, key=lambda x: x[1])[0].state
        slot = Slot(start=t, scheduled=main)
        for p, sec in in_box:
            if sec <= 0:
                continue
            slot.scheduled_seconds += sec
            part = Piece(max(p.start, box.start), min(p.end, box.end), p.state)
            for a in actual:
                got = _overlap_seconds(a, part)
                if got <= 0:
                    continue
                slot.actual[a.state] = slot.actual.get(a.state, 0.0) + got
                if a.state in KEEPS.get(p.state, frozenset()):
                    slot.kept_seconds += got
        slots.append(slot)
        t += SLOT
    work = sum(p.seconds for p in plan if p.state != "break")
    worked = sum(p.seconds for p in clip(actual, *window) if p.state in WORKING)
    return Adherence(
        slots=slots,
        scheduled_seconds=sum(s.scheduled_seconds for s in slots),
        kept_seconds=sum(s.kept_seconds for s in slots),
        work_scheduled_seconds=work,
        worked_seconds=worked,
    )


@dataclass
class TimeFigures:
    """An agent's (or a team's) time over a period, in seconds, and the ratios from it.

    occupancy = busy ÷ available (available includes busy and away: ready for work);
    utilisation = busy ÷ logged in (every state but offline);
    items per productive hour = items handed on ÷ busy hours."""

    logged_in: float = 0.0
    available: float = 0.0
    busy: float = 0.0
    away: float = 0.0
    on_break: float = 0.0
    training: float = 0.0
    meeting: float = 0.0
    items: int = 0

    @property
    def idle(self) -> float:
        return max(0.0, self.available - self.busy)

    @property
    def occupancy(self) -> float | None:
        return percent(self.busy, self.available)

    @property
    def utilisation(self) -> float | None:
        return percent(self.busy, self.logged_in)

    def add(self, other: TimeFigures) -> None:
        for name in (
            "logged_in",
            "available",
            "busy",
            "away",
            "on_break",
            "training",
            "meeting",
            "items",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def figures(pieces: Iterable[Piece], items: int = 0) -> TimeFigures:
    """Sum an actual timeline (already clipped to the period) into time figures."""
    f = TimeFigures(items=items)
    for p in pieces:
        sec = p.seconds
        if p.state != "offline":
            f.logged_in += sec
        if p.state in ("available", "busy", "away"):
            f.available += sec
        if p.state == "busy":
            f.busy += sec
        elif p.state == "away":
            f.away += sec
        elif p.state == "on_break":
            f.on_break += sec
        elif p.state in ("training", "meeting"):
            setattr(f, p.state, getattr(f, p.state) + sec)
    return f
