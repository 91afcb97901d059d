"""Claim-next under contention: A agents claim until the queue is empty (PostgreSQL).

    .venv/bin/python bench/work_claim.py --items 20000 --procs 10 --threads 5

Agents are spread over `procs` processes x `threads` threads (Python's GIL would make
50 threads of one process measure the interpreter, not the database). Every claim goes
through `services.claim_next_item` (SKIP LOCKED, a WorkItemEvent and an audit event in the
same transaction). Afterwards the script proves that no item was claimed twice, and runs
pgbench (TPC-B-like, same client count) on its own scratch database as the ceiling.
Creates and drops its databases. Prints figures; asserts only correctness.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import subprocess
import threading
import time
from typing import Any

from work_common import PG_ADMIN, create_database, drop_database, machine, make_engagement, migrate

NAME = "bo_bench_work_claim"
PGBENCH_DB = "bo_bench_work_pgbench"


def _worker(url: str, agent_ids: list[int], scope: dict[str, Any], start: Any, out: Any) -> None:
    import os

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()
    from django.db import connection

    from backoffice.tenancy.models import User
    from backoffice.work import services

    results: list[tuple[int, list[int], list[float]]] = []
    lock = threading.Lock()

    def run(agent_id: int) -> None:
        agent = User.objects.get(pk=agent_id)
        claimed: list[int] = []
        latencies: list[float] = []
        start.wait()
        try:
            while True:
                t0 = time.perf_counter()
                item = services.claim_next_item(
                    agent=agent,
                    tenant_ids=scope["tenant_ids"],
                    engagement_ids=scope["engagement_ids"],
                )
                latencies.append(time.perf_counter() - t0)
                if item is None:
                    latencies.pop()
                    break
                claimed.append(item.pk)
        finally:
            connection.close()
        with lock:
            results.append((agent_id, claimed, latencies))

    threads = [threading.Thread(target=run, args=(a,)) for a in agent_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def pgbench(clients: int, seconds: int) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"],
        check=True,
    )
    subprocess.run(["psql", PG_ADMIN, "-qc", f"CREATE DATABASE {PGBENCH_DB}"], check=True)
    url = f"{base}/{PGBENCH_DB}"
    try:
        subprocess.run(["pgbench", "-q", "-i", "-s", "10", url], check=True, capture_output=True)
        run = subprocess.run(
            ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), url],
            check=True,
            capture_output=True,
            text=True,
        )
        tps = re.search(r"tps = ([\d.]+)", run.stdout)
        latency = re.search(r"latency average = ([\d.]+ ms)", run.stdout)
        return (
            f"pgbench TPC-B (scale 10, {clients} clients, {seconds} s): "
            f"{float(tps.group(1)) if tps else float('nan'):,.0f} tps, "
            f"latency average {latency.group(1) if latency else '?'}"
        )
    finally:
        subprocess.run(
            ["psql", PG_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {PGBENCH_DB} WITH (FORCE)"],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=3, help="client tenants")
    parser.add_argument("--procs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    args = parser.parse_args()
    agents_total = args.procs * args.threads

    url = create_database("postgresql", NAME)
    migrate()
    from django.db import transaction

    from backoffice.tenancy import services as tenancy
    from backoffice.tenancy.models import User
    from backoffice.tenancy.rls import set_rls_bypass
    from backoffice.tenancy.roles import Role
    from backoffice.work import services
    from backoffice.work.models import State, WorkItem, WorkItemEvent
    from backoffice.work.services import ItemInput

    try:
        provider, engagements = make_engagement(args.clients)
        per = args.items // args.clients
        with transaction.atomic():
            set_rls_bypass()
            for e in engagements:
                services.submit_items(
                    engagement=e,
                    actor=None,
                    rows=[
                        ItemInput(f"{e.tenant_id}-{i}", {"name": "n", "amount": i}, i % 10)
                        for i in range(per)
                    ],
                )
            agent_ids = []
            for n in range(agents_total):
                user = User.objects.create_user(username=f"bench-agent-{n}", password=None)
                tenancy.add_member(organization=provider, user=user, role=Role.AGENT)
                for e in engagements:
                    tenancy.add_member(organization=e.tenant, user=user, role=Role.AGENT)
                agent_ids.append(user.pk)
        total_items = per * args.clients
        scope = {
            "tenant_ids": [e.tenant_id for e in engagements],
            "engagement_ids": [e.pk for e in engagements],
        }
        from django.db import connections

        connections.close_all()
        ctx = mp.get_context("fork")
        start = ctx.Barrier(args.procs + 1)
        out = ctx.Queue()
        procs = [
            ctx.Process(
                target=_worker,
                args=(url, agent_ids[i :: args.procs], scope, _ProcBarrier(start), out),
            )
            for i in range(args.procs)
        ]
        for p in procs:
            p.start()
        start.wait()
        t0 = time.perf_counter()
        results = [r for _ in procs for r in out.get()]
        elapsed = time.perf_counter() - t0
        for p in procs:
            p.join()

        claimed = [pk for _, ids, _ in results for pk in ids]
        latencies = sorted(lat for _, _, lats in results for lat in lats)
        tenant_ids = scope["tenant_ids"]
        held = WorkItem.objects.for_tenants(tenant_ids).filter(state=State.IN_PROGRESS).count()
        claim_events = (
            WorkItemEvent.objects.for_tenants(tenant_ids).filter(to_state=State.IN_PROGRESS).count()
        )
        assert len(claimed) == len(set(claimed)) == total_items == held == claim_events, (
            len(claimed),
            len(set(claimed)),
            total_items,
            held,
            claim_events,
        )

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        print(f"machine: {machine()}")
        print(
            f"claim-next: {agents_total} agents ({args.procs} processes x {args.threads} "
            f"threads), {total_items:,} items over {args.clients} client tenants"
        )
        print(
            f"claimed {len(claimed):,} in {elapsed:.1f} s -> {len(claimed) / elapsed:,.0f} claims/s"
        )
        print(f"latency p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms")
        print(
            f"exactly once: {len(set(claimed)):,} distinct ids = {held:,} items in progress = "
            f"{claim_events:,} claim events (no item claimed twice)"
        )
        print(pgbench(agents_total, args.pgbench_seconds))
    finally:
        drop_database("postgresql", NAME)


class _ProcBarrier:
    """Each worker process's threads wait on one process-level barrier through this."""

    def __init__(self, barrier: Any) -> None:
        self.barrier = barrier
        self._once = threading.Lock()
        self._passed = threading.Event()

    def wait(self) -> None:
        if self._once.acquire(blocking=False):
            self.barrier.wait()
            self._passed.set()
        self._passed.wait()


if __name__ == "__main__":
    main()
