"""Bulk posting throughput: `bulk_post_entries` over many lines, balances verified after.

    .venv/bin/python bench/ledger_bulk.py --db postgres --lines 1000000
    .venv/bin/python bench/ledger_bulk.py --db sqlite --lines 200000

2 lines per entry, `--accounts` accounts per tenant, `--tenants` tenants posted round-robin
in batches of `--batch` entries. Timed: the service calls only (entry objects are built
beforehand, as an importer or API would hand them over). `--workers N` posts with N
processes (own connections), each taking every N-th tenant, as `backoffice ledger import`
jobs for different clients would run side by side.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from typing import Any

from ledger_common import (
    Timer,
    bypass,
    machine,
    make_tenants,
    setup_django,
    teardown,
    verify_balances,
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--tenants", type=int, default=10)
    p.add_argument("--accounts", type=int, default=100)
    p.add_argument("--batch", type=int, default=10_000, help="entries per call")
    p.add_argument("--workers", type=int, default=1, help="posting processes")
    args = p.parse_args()
    setup_django(args.db)
    try:
        run(args)
    finally:
        teardown(args.db)


def run(args: argparse.Namespace) -> None:
    from backoffice.ledger.services import EntryIn, LineIn

    tenants = make_tenants(args.tenants, args.accounts)
    rng = random.Random(7)
    codes = [f"A{k:03d}" for k in range(args.accounts)]
    entries_total = args.lines // 2
    per_batch = args.batch
    start = date(2026, 1, 1)
    batches = []
    made = 0
    n = 0
    while made < entries_total:
        size = min(per_batch, entries_total - made)
        batch = []
        for _ in range(size):
            a, b = rng.sample(codes, 2)
            amount = rng.randint(1, 1_000_000)
            batch.append(
                EntryIn(
                    date=start + timedelta(days=rng.randrange(365)),
                    memo="bench",
                    lines=[LineIn(a, amount), LineIn(b, -amount)],
                )
            )
        batches.append((tenants[n % len(tenants)], batch))
        made += size
        n += 1
    if args.workers == 1:
        with Timer() as t:
            lines = post_batches(batches)
    else:
        lines, t = post_in_processes(batches, tenants, args.workers)
    ok, detail = verify_balances(tenants)
    print(f"machine: {machine()}")
    print(
        f"bulk posting [{args.db}]: {lines:,} lines ({lines // 2:,} entries, "
        f"{args.tenants} tenants, {args.accounts} accounts, {per_batch:,} entries/call, "
        f"{args.workers} worker process(es)) "
        f"in {t.seconds:.1f} s = {lines / t.seconds:,.0f} lines/s"
    )
    print(f"verified: {'OK' if ok else 'FAILED'} ({detail})")


def post_batches(batches: list) -> int:
    from backoffice.ledger.services import bulk_post_entries

    lines = 0
    for tenant, batch in batches:
        with bypass():
            lines += bulk_post_entries(tenant=tenant, actor=None, entries=batch).lines
    return lines


def _worker(batches: list, ready: Any, go: Any, out: Any) -> None:
    from django.db import connection

    connection.close()
    ready.wait()
    go.wait()
    out.put(post_batches(batches))
    connection.close()


def post_in_processes(batches: list, tenants: list, workers: int) -> tuple[int, Timer]:
    """Fork after the batches are built; time from the common start to the last finish."""
    import multiprocessing as mp

    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    ready, go = ctx.Barrier(workers + 1), ctx.Barrier(workers + 1)
    out = ctx.Queue()
    shares = [
        [(t, b) for t, b in batches if tenants.index(t) % workers == w] for w in range(workers)
    ]
    procs = [ctx.Process(target=_worker, args=(s, ready, go, out)) for s in shares]
    for proc in procs:
        proc.start()
    ready.wait()
    with Timer() as t:
        go.wait()
        lines = sum(out.get() for _ in procs)
    for proc in procs:
        proc.join()
    return lines, t


if __name__ == "__main__":
    main()
