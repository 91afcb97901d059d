"""Single-entry posting through `post_journal_entry` with concurrent writer processes.

    .venv/bin/python bench/ledger_concurrent.py --writers 8 --entries 500
    .venv/bin/python bench/ledger_concurrent.py --writers 8 --entries 500 --same-tenant

Each writer is its own process and connection; every entry is one transaction (period
check, entry, 2 lines, balance + daily upserts, audit event). Spread: writer n posts to
tenant n. --same-tenant: all writers post to the same two accounts of one tenant (worst
case: the balance rows and the tenant's audit-chain head serialize them).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from typing import Any

from ledger_common import machine, make_tenants, setup_django, teardown, verify_balances


def writer(tenant_id: int, n: int, count: int, codes: list[str], ready: Any, out: mp.Queue) -> None:
    from datetime import date

    from django.db import connection, transaction

    from backoffice.core.rls import set_rls_tenants
    from backoffice.ledger.services import EntryIn, LineIn, post_journal_entry
    from backoffice.tenancy.models import Organization

    connection.close()
    tenant = Organization.objects.get(pk=tenant_id)
    latencies = []
    ready.wait()  # the clock starts when every writer is connected and set up
    for i in range(count):
        a, b = codes[(n + i) % len(codes)], codes[(n + i + 1) % len(codes)]
        e = EntryIn(
            date=date(2026, 3, 1 + i % 28),
            memo=f"w{n} #{i}",
            lines=[LineIn(a, 100 + i), LineIn(b, -(100 + i))],
        )
        t0 = time.perf_counter()
        with transaction.atomic():
            set_rls_tenants([tenant.pk])
            post_journal_entry(tenant=tenant, actor=None, entry=e)
        latencies.append(time.perf_counter() - t0)
    connection.close()
    out.put(latencies)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--entries", type=int, default=500, help="entries per writer")
    p.add_argument("--same-tenant", action="store_true")
    args = p.parse_args()
    setup_django("postgres")
    try:
        run(args)
    finally:
        teardown("postgres")


def run(args: argparse.Namespace) -> None:
    from django.db import connections

    tenants = make_tenants(1 if args.same_tenant else args.writers, 100)
    codes = ["A000", "A001"] if args.same_tenant else [f"A{k:03d}" for k in range(100)]
    connections.close_all()
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    ready = ctx.Barrier(args.writers + 1)
    procs = [
        ctx.Process(
            target=writer,
            args=(tenants[0 if args.same_tenant else n].pk, n, args.entries, codes, ready, out),
        )
        for n in range(args.writers)
    ]
    for proc in procs:
        proc.start()
    ready.wait()
    t0 = time.perf_counter()
    latencies: list[float] = []
    for _ in procs:
        latencies += out.get()
    for proc in procs:
        proc.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    ok, detail = verify_balances(tenants)
    mode = "one tenant, 2 accounts" if args.same_tenant else f"{args.writers} tenants"
    print(f"machine: {machine()}")
    print(
        f"single-entry posting [postgres, {args.writers} writer processes, {mode}]: "
        f"{len(latencies):,} entries in {wall:.1f} s = {len(latencies) / wall:,.0f} entries/s; "
        f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print(f"verified: {'OK' if ok else 'FAILED'} ({detail})")


if __name__ == "__main__":
    main()
