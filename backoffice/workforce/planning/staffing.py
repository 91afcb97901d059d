"""Required agents per half hour against the scheduled ones, with what-ifs. Pure: the
caller passes forecasts, calendars and the stretches of scheduled work.

Two kinds of work (`Demand.immediate`):

- **answered within seconds or minutes** (an engagement whose SLA is under an hour): per
  half hour, Erlang C on the forecast arrivals of that half hour — the fewest agents on work
  that answer the engagement's SLA target share within its SLA, with occupancy at most the
  target — then ÷ (1 - shrinkage) for the people to schedule;
- **deferred** (everything else): the backlog formula per local day of the engagement — the
  day's work content (forecast arrivals x handle time) ÷ the productive time of one person
  over the day's business half hours (½ h x (1 - shrinkage) x occupancy each), spread
  evenly over those half hours. Work arriving on a closed day is carried to the next
  business day.

Scheduled: each agent on a shift and not in a scheduled break, training or meeting counts
for the part of the half hour they work, times their weight (the share of their
engagements that the selection covers). "On leave" takes that many people off every
staffed half hour (never below zero): the worst case of losing them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backoffice.workforce.planning.erlang import agents_for_service, with_shrinkage
from backoffice.workforce.planning.forecast import Forecast

STEP = timedelta(minutes=30)
STEP_HOURS = 0.5


@dataclass(frozen=True)
class Demand:
    engagement_id: int
    label: str
    forecast: Forecast
    zone: ZoneInfo
    working: Callable[[datetime], bool]
    handle_seconds: float
    immediate: bool = False
    target_seconds: float = 0.0
    service_target: float = 0.8
    share: float = 1.0  # of the engagement's arrivals in the chosen skill and language


@dataclass(frozen=True)
class Assumptions:
    shrinkage: float = 0.30
    occupancy: float = 0.85
    volume: float = 1.0  # 1.2 = volume +20 %
    handle: float = 1.0  # 0.9 = handle time -10 %
    on_leave: int = 0

    @property
    def is_baseline(self) -> bool:
        return self.volume == 1.0 and self.handle == 1.0 and self.on_leave == 0


@dataclass(frozen=True)
class Work:
    """A stretch of scheduled work of one agent, weighted for the selection."""

    starts_at: datetime
    ends_at: datetime
    weight: float = 1.0


@dataclass(frozen=True)
class Interval:
    start: datetime
    required: float
    scheduled: float

    @property
    def gap(self) -> float:
        """Scheduled - required: negative is short."""
        return self.scheduled - self.required

    @property
    def short(self) -> bool:
        return self.gap < -1e-9


def grid(first: datetime, days: int) -> list[datetime]:
    """Half-hour starts from `first` (aware) over `days` days of 48 half hours."""
    return [first + n * STEP for n in range(days * 48)]


def _deferred(d: Demand, starts: Sequence[datetime], a: Assumptions, out: list[float]) -> None:
    per_person = STEP_HOURS * (1 - a.shrinkage) * a.occupancy
    hours_each = d.handle_seconds * a.handle / 3600
    by_day: dict[date, list[int]] = {}
    for i, s in enumerate(starts):
        by_day.setdefault(s.astimezone(d.zone).date(), []).append(i)
    carry = 0.0
    for day, idx in by_day.items():
        work = d.forecast.on(day) * d.share * a.volume * hours_each + carry
        open_idx = [i for i in idx if d.working(starts[i])]
        if not open_idx:
            carry = work
            continue
        carry = 0.0
        each = work / (len(open_idx) * per_person)
        for i in open_idx:
            out[i] += each


def _immediate(d: Demand, starts: Sequence[datetime], a: Assumptions, out: list[float]) -> None:
    handle = d.handle_seconds * a.handle
    memo: dict[float, int] = {}
    for i, s in enumerate(starts):
        local = s.astimezone(d.zone)
        slot = (local.hour * 60 + local.minute) // 30
        arrivals = round(d.forecast.in_slot(local.date(), slot) * d.share * a.volume, 3)
        if arrivals not in memo:
            on_work = agents_for_service(
                arrivals=arrivals,
                interval_seconds=STEP.total_seconds(),
                handle_seconds=handle,
                target_seconds=d.target_seconds,
                service_target=d.service_target,
                max_occupancy=a.occupancy,
            )
            memo[arrivals] = with_shrinkage(on_work, a.shrinkage)
        out[i] += memo[arrivals]


def required(demands: Sequence[Demand], starts: Sequence[datetime], a: Assumptions) -> list[float]:
    out = [0.0] * len(starts)
    for d in demands:
        (_immediate if d.immediate else _deferred)(d, starts, a, out)
    return out


def scheduled(work: Sequence[Work], starts: Sequence[datetime], on_leave: int = 0) -> list[float]:
    out = [0.0] * len(starts)
    if not starts:
        return out
    first, step = starts[0], STEP.total_seconds()
    for w in work:
        lo = max(0, int((w.starts_at - first).total_seconds() // step))
        hi = min(len(starts), int(-(-(w.ends_at - first).total_seconds() // step)))
        for i in range(lo, hi):
            a, b = max(w.starts_at, starts[i]), min(w.ends_at, starts[i] + STEP)
            if b > a:
                out[i] += w.weight * (b - a).total_seconds() / step
    if on_leave:
        out = [max(0.0, x - on_leave) if x > 0 else x for x in out]
    return out


def plan(
    demands: Sequence[Demand], work: Sequence[Work], starts: Sequence[datetime], a: Assumptions
) -> list[Interval]:
    need = required(demands, starts, a)
    have = scheduled(work, starts, a.on_leave)
    return [Interval(s, r, h) for s, r, h in zip(starts, need, have, strict=True)]
