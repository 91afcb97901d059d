"""Staffing for 200 engagements x 7 days x 48 half-hour intervals (issue 18: under 5 s).

    .venv/bin/python bench/workforce_staffing.py [--engagements 200] [--agents 2000]
        [--immediate 50] [--forecasts 20] [--repeat 3]

What is timed: `workforce.planning.staffing.plan` — required agents per half hour (Erlang C
for the `--immediate` engagements answered within 20 s, the backlog formula per business
day for the others, each on its own business calendar from `work.calendar`), the scheduled
agents per half hour from `--agents` agents' shifts with a break each, and the gap — once
as is and once under a what-if (volume +20 %, handle time -10 %, two on leave). Forecasts
are given (a weekday pattern), as they are computed once per engagement; the cost of
fitting them (statsmodels Holt-Winters, the held-out check and the forecast: two fits) is
timed separately on `--forecasts` engagements and printed per engagement. No database: the
selectors' queries are one grouped query per calendar zone and two for the schedule.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backoffice.work.calendar import NINE_TO_FIVE, CalendarSpec, calendar_for
from backoffice.workforce.planning import forecast as fc
from backoffice.workforce.planning.staffing import (
    Assumptions,
    Demand,
    Work,
    grid,
    plan,
)

ZONES = ("Europe/London", "America/New_York", "Asia/Manila", "Australia/Sydney", "UTC")
PATTERN = (400, 440, 420, 480, 360, 40, 20)


def _forecast(first: date, scale: float) -> fc.Forecast:
    days = [first + timedelta(n) for n in range(9)]
    acc = fc.Accuracy(first, [0], [0.0], [0.0], 0, 0, 0, 0)
    profile = [0.0] * 48
    for s in range(16, 36):  # 08:00-18:00 local
        profile[s] = 1 / 20
    return fc.Forecast(
        label="bench", days=days, daily=[PATTERN[d.weekday()] * scale for d in days],
        accuracy=acc, method="given", holiday_factor=0.0, history_days=56,
        profile={wd: profile for wd in range(7)},
    )  # fmt: skip


def world(n: int, immediate: int, agents: int, first: datetime) -> tuple[list[Demand], list[Work]]:
    rng = random.Random(18)
    demands = []
    for i in range(n):
        zone = ZONES[i % len(ZONES)]
        cal = calendar_for(CalendarSpec(timezone=zone, hours=NINE_TO_FIVE, country="GB"))
        demands.append(
            Demand(
                engagement_id=i, label=f"e{i}", forecast=_forecast(first.date() - timedelta(1),
                rng.uniform(0.2, 2.0)), zone=ZoneInfo(zone), working=cal.is_working,
                handle_seconds=rng.choice([180, 240, 360, 600]), immediate=i < immediate,
                target_seconds=20, service_target=0.8,
            )
        )  # fmt: skip
    work = []
    for _a in range(agents):
        for d in range(7):
            start = first + timedelta(days=d, hours=rng.choice([0, 6, 8, 9, 13, 22]))
            brk = start + timedelta(hours=4)
            weight = 1 / rng.choice([1, 2, 3])
            work.append(Work(start, brk, weight))
            work.append(Work(brk + timedelta(minutes=30), start + timedelta(hours=8), weight))
    return demands, work


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=200)
    parser.add_argument("--immediate", type=int, default=50)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--forecasts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first = datetime(2026, 12, 7, tzinfo=UTC)
    starts = grid(first, 7)
    demands, work = world(args.engagements, args.immediate, args.agents, first)
    what_if = Assumptions(volume=1.2, handle=0.9, on_leave=2)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        base = plan(demands, work, starts, Assumptions())
        other = plan(demands, work, starts, what_if)
        times.append(time.perf_counter() - t)
    short = sum(1 for i in base if i.short)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(f"staffing: {args.engagements} engagements ({args.immediate} Erlang C) x 7 days x 48 "
          f"half hours = {len(starts) * args.engagements:,} engagement-intervals; "
          f"{len(work):,} work stretches of {args.agents} agents")  # fmt: skip
    print(f"  plan + what-if: median {statistics.median(times):.3f} s, "
          f"best {min(times):.3f} s over {args.repeat} runs (target: under 5 s)")  # fmt: skip
    print(f"  half hours short: {short} as is, {sum(1 for i in other if i.short)} in the what-if")
    if args.forecasts:
        rng = random.Random(7)
        last = date(2026, 12, 6)
        t = time.perf_counter()
        fc._holt_winters([1.0] * 14, 1)  # import statsmodels outside the timing
        imported = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(args.forecasts):
            daily = {last - timedelta(n): max(0, round(PATTERN[(last - timedelta(n)).weekday()]
                     + rng.gauss(0, 20))) for n in range(56)}  # fmt: skip
            fc.forecast(fc.History(daily, {}, last), label="b", first_day=last + timedelta(1),
                        days=7)  # fmt: skip
        each = (time.perf_counter() - t) / args.forecasts
        print(f"forecasts: {each:.3f} s per engagement over {args.forecasts} "
              f"(x {args.engagements} = {each * args.engagements:.1f} s); statsmodels import "
              f"{imported:.1f} s once")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
