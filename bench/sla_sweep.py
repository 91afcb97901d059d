"""The SLA sweep against a big backlog: its cost follows the items crossing a threshold.

    .venv/bin/python bench/sla_sweep.py --db postgresql --open 100000,1000000 --crossing 1000

Creates and drops its own database (PostgreSQL: bo_bench_sla_sweep). Two clients with one
engagement each (New York business calendar). For each backlog size in --open (growing:
the rows of the smaller size stay), the open items are written straight to the table (one
INSERT … SELECT): queued or in progress, their at-risk and due instants still ahead; then
--crossing items whose threshold has passed: 70 % past their at-risk instant, 30 % already
at risk and past their due time. VACUUM ANALYZE, then the sweep (`refresh_sla_flags`)
--runs times, each rolled back so every run finds the same crossings. Prints the median
and worst run, the rows flagged, and the plans of the sweep's two reads.
Asserts nothing about speed; the target is under 1 s at 1,000,000 open items on PostgreSQL.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from work_common import create_database, drop_database, machine, make_engagement, migrate

NAME = "bo_bench_sla_sweep"
NOW = datetime(2026, 6, 3, 15, tzinfo=UTC)  # a Wednesday, 11:00 in New York
FAR = NOW + timedelta(days=3)
PAST = NOW - timedelta(hours=1)

_INSERT = """
INSERT INTO work_workitem (id, tenant_id, engagement_id, external_ref, data, state, priority,
    skill, language, received_at, sla_due_at, sla_at_risk_at, paused_seconds, at_risk,
    breached)
SELECT g, %(tenant)s, %(engagement)s, 'r' || g, '{"name": "x", "amount": 1}', %(state)s, 5,
    '', '', %(received)s, %(due)s, %(risk)s, 0, %(at_risk)s, false
FROM {series}
"""
_SERIES = {
    "postgresql": "generate_series(%(first)s, %(last)s) AS g",
    "sqlite": "(WITH RECURSIVE s(g) AS (SELECT %(first)s UNION ALL SELECT g + 1 FROM s "
    "WHERE g < %(last)s) SELECT g FROM s)",
}


def load(engagements: list, first: int, n: int, *, crossing: bool) -> int:
    """Write `n` open items from id `first` (alternating engagements); the next free id."""
    from django.db import connection, transaction

    from backoffice.core.rls import set_rls_bypass

    if crossing:
        at_risk = n * 7 // 10
        batches = [(at_risk, "queued", FAR, PAST, False), (n - at_risk, "queued", PAST, PAST, True)]
    else:
        batches = [(n // 2, "queued", FAR, FAR, False), (n - n // 2, "in_review", FAR, FAR, False)]
    with transaction.atomic(), connection.cursor() as cursor:
        set_rls_bypass()
        for count, state, due, risk, flagged in batches:
            for k, engagement in enumerate(engagements):
                share = count // len(engagements) + (k < count % len(engagements))
                if not share:
                    continue
                cursor.execute(_INSERT.replace("{series}", _SERIES[connection.vendor]), {
                    "tenant": engagement.tenant_id, "engagement": engagement.pk, "state": state,
                    "received": NOW - timedelta(hours=2), "due": due, "risk": risk,
                    "at_risk": flagged, "first": first, "last": first + share - 1,
                })  # fmt: skip
                first += share
    return first


def vacuum(url: str) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE work_workitem")


def sweep_once() -> tuple[float, int, int]:
    """One sweep, rolled back afterwards: (ms, at risk, breached)."""
    from django.db import transaction

    from backoffice.work.services import refresh_sla_flags

    with transaction.atomic():
        t = time.perf_counter()
        result = refresh_sla_flags(now=NOW)
        ms = (time.perf_counter() - t) * 1000
        transaction.set_rollback(True)
    return ms, result.at_risk, result.breached


def plans(engagements: list) -> None:
    from django.db import connection

    from backoffice.work.services.sla_sweep import breach_crossings, risk_crossings

    if connection.vendor != "postgresql":
        return
    tenants = sorted({e.tenant_id for e in engagements})
    for name, qs in (("risk", risk_crossings), ("breach", breach_crossings)):
        plan = qs(tenants, NOW).values_list("id").explain(analyze=True)
        print(f"  plan of the {name} read:")
        for line in plan.splitlines():
            print(f"    {line}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--open", default="100000,1000000", help="backlog sizes, growing")
    ap.add_argument("--crossing", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = ap.parse_args()
    url = create_database(args.db, NAME)
    try:
        run(args, url)
    finally:
        if not args.keep:
            drop_database(args.db, NAME)


def run(args: argparse.Namespace, url: str) -> None:
    migrate()
    _provider, engagements = make_engagement(n_clients=2)
    print(f"# SLA sweep, {args.db}; {machine()}")
    next_id = load(engagements, 1, args.crossing, crossing=True)
    backlog = 0
    for size in sorted(int(s) for s in args.open.split(",")):
        t0 = time.perf_counter()
        next_id = load(engagements, next_id, size - backlog, crossing=False)
        backlog = size
        vacuum(url)
        print(f"{size:,} open items not crossing + {args.crossing:,} crossing "
              f"(loaded in {time.perf_counter() - t0:.1f} s)")  # fmt: skip
        sweep_once()  # warm: plans, calendar
        runs = [sweep_once() for _ in range(args.runs)]
        times = sorted(ms for ms, _, _ in runs)
        _, at_risk, breached = runs[0]
        print(f"  sweep: median {statistics.median(times):.1f} ms, worst {times[-1]:.1f} ms "
              f"over {args.runs} runs; flagged {at_risk} at risk, {breached} breached")  # fmt: skip
        plans(engagements)


if __name__ == "__main__":
    main()
