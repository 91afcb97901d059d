"""Due-time computation on a calendar with public holidays: computations per second.

    .venv/bin/python bench/work_calendar.py [N]

Pure Python, no database. Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from backoffice.work.calendar import CalendarSpec, add_business_time, calendar_for


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(7)
    spec = CalendarSpec(timezone="America/New_York", country="US", subdivision="NY")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(0, 2 * 365 * 86400)) for _ in range(n)]
    slas = [timedelta(hours=rng.choice([4, 8, 24, 40])) for _ in range(n)]
    calendar_for(spec).add(base, timedelta(hours=1))  # compile once, as a warm process would

    t0 = time.perf_counter()
    for start, sla in zip(starts, slas, strict=True):
        add_business_time(start, sla, spec)
    elapsed = time.perf_counter() - t0

    cal = calendar_for(spec)
    t1 = time.perf_counter()
    for start, sla in zip(starts, slas, strict=True):
        cal.add(start, sla)
    elapsed_direct = time.perf_counter() - t1

    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}"
    )
    print(f"calendar: America/New_York, Mon-Fri 09:00-17:00, US/NY holidays; {n:,} due times")
    print(f"add_business_time(): {n / elapsed:,.0f} due times/s ({elapsed:.2f} s)")
    print(
        f"compiled calendar .add(): {n / elapsed_direct:,.0f} due times/s ({elapsed_direct:.2f} s)"
    )


if __name__ == "__main__":
    main()
