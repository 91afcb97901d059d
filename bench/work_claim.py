"""Claim-next under contention: A agents claim until the queue is empty (PostgreSQL).

    .venv/bin/python bench/work_claim.py                      # 50 agents, 4 connections
    .venv/bin/python bench/work_claim.py --procs 5 --threads 10 --connections 0

Agents are spread over `procs` processes (`threads` agents each; Python's GIL would make
50 agents of one process measure the interpreter, not the database). Every agent asks for
its next item the moment its last claim returns. By default each process serves its agents
through 2 database connections, as an application server's workers would: agents wait in
line for a free one, and that wait counts in a claim's latency. `--connections 0` gives
every agent a connection and a thread of its own. Every claim goes through
`services.claim_next_item` (SKIP LOCKED, a WorkItemEvent and an audit event in the same
transaction). Afterwards the script proves that no item was claimed twice, and runs
pgbench (TPC-B-like, as many clients as the claims had database connections) on its own
scratch database as the ceiling.
Creates and drops its databases. Prints figures; asserts only correctness.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import subprocess
import threading
import time
from collections import deque
from typing import Any

from work_common import PG_ADMIN, create_database, drop_database, machine, make_engagement, migrate

NAME = "bo_bench_work_claim"
PGBENCH_DB = "bo_bench_work_pgbench"


def _worker(
    url: str,
    agent_ids: list[int],
    scope: dict[str, Any],
    connections: int,
    start: Any,
    out: Any,
) -> None:
    """One process's agents. Each asks for its next item the moment its last claim returns.

    `connections` > 0: the agents wait in one line (first come, first served) for that
    many database connections, as an application server's workers would serve them; a
    claim's latency runs from the agent's request to its answer, the wait included. 0:
    every agent has a connection (and a thread) of its own.
    """
    import os

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    import django

    django.setup()
    from django.db import connection

    from backoffice.tenancy.models import User

    agents = _Agents({a.pk: a for a in User.objects.filter(pk__in=agent_ids)}, scope, start)
    connection.close()
    if connections:
        start.wait()  # every agent asks at the start
        now = time.perf_counter()
        agents.waiting.extend((a, now) for a in agent_ids)
        threads = [threading.Thread(target=agents.serve) for _ in range(connections)]
    else:
        threads = [threading.Thread(target=agents.own_connection, args=(a,)) for a in agent_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put([(a, agents.claimed[a], agents.latencies[a]) for a in agent_ids])


class _Agents:
    """One process's agents claiming, and what each claimed and waited."""

    def __init__(self, agents: dict[int, Any], scope: dict[str, Any], start: Any) -> None:
        from backoffice.work.services import claim_next_item

        self.claim_next_item = claim_next_item
        self.agents = agents
        self.scope = scope
        self.start = start
        self.claimed: dict[int, list[int]] = {a: [] for a in agents}
        self.latencies: dict[int, list[float]] = {a: [] for a in agents}
        self.waiting: deque[tuple[int, float]] = deque()

    def claim(self, agent_id: int) -> Any:
        return self.claim_next_item(
            agent=self.agents[agent_id],
            tenant_ids=self.scope["tenant_ids"],
            engagement_ids=self.scope["engagement_ids"],
        )

    def own_connection(self, agent_id: int) -> None:
        """An agent with a connection of its own claims until the queue is empty."""
        from django.db import connection

        self.start.wait()
        try:
            while True:
                t0 = time.perf_counter()
                item = self.claim(agent_id)
                if item is None:
                    break
                self.latencies[agent_id].append(time.perf_counter() - t0)
                self.claimed[agent_id].append(item.pk)
        finally:
            connection.close()

    def serve(self) -> None:
        """One connection serves the waiting agents in turn until every one is done."""
        from django.db import connection

        self.start.wait()
        try:
            while True:
                try:
                    agent_id, asked = self.waiting.popleft()
                except IndexError:
                    return
                item = self.claim(agent_id)
                if item is None:
                    continue  # the queue is empty: this agent is done
                done = time.perf_counter()
                self.latencies[agent_id].append(done - asked)
                self.claimed[agent_id].append(item.pk)
                self.waiting.append((agent_id, done))
        finally:
            connection.close()


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
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--clients", type=int, default=3, help="client tenants")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=25, help="agents per process")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument(
        "--connections",
        type=int,
        default=2,
        help="database connections per process shared by its agents (0: one per agent)",
    )
    args = parser.parse_args()
    url = create_database("postgresql", NAME)
    migrate()
    try:
        agent_ids, scope, total_items = _seed(args)
        results, elapsed = _run(url, args, agent_ids, scope)
        _check_and_report(args, scope, total_items, results, elapsed)
        print(pgbench(args.procs * args.connections or len(agent_ids), args.pgbench_seconds))
    finally:
        drop_database("postgresql", NAME)


def _seed(args: argparse.Namespace) -> tuple[list[int], dict[str, Any], int]:
    """The queues and the agents: (agent ids, the claim scope, the number of items)."""
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.tenancy import services as tenancy
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.work import services
    from backoffice.work.services import ItemInput

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
        for n in range(args.procs * args.threads):
            user = User.objects.create_user(username=f"bench-agent-{n}", password=None)
            tenancy.add_member(organization=provider, user=user, role=Role.AGENT)
            for e in engagements:
                tenancy.add_member(organization=e.tenant, user=user, role=Role.AGENT)
            agent_ids.append(user.pk)
    scope = {
        "tenant_ids": [e.tenant_id for e in engagements],
        "engagement_ids": [e.pk for e in engagements],
    }
    return agent_ids, scope, per * args.clients


def _run(
    url: str, args: argparse.Namespace, agent_ids: list[int], scope: dict[str, Any]
) -> tuple[list[tuple[int, list[int], list[float]]], float]:
    """The agents' processes from the common start until the queues are empty."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    start = ctx.Barrier(args.procs + 1)
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker,
            args=(
                url,
                agent_ids[i :: args.procs],
                scope,
                args.connections,
                _ProcBarrier(start),
                out,
            ),
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
    return results, elapsed


def _check_and_report(
    args: argparse.Namespace,
    scope: dict[str, Any],
    total_items: int,
    results: list[tuple[int, list[int], list[float]]],
    elapsed: float,
) -> None:
    """Prove every item was claimed exactly once and every chain verifies; print figures."""
    from django.db import transaction

    from backoffice.audit.models import AuditEvent
    from backoffice.audit.verify import verify_tenant_chain
    from backoffice.core.rls import set_rls_bypass
    from backoffice.work.events import Action
    from backoffice.work.models import State, WorkItem, WorkItemEvent

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
    # Every claim's audit event was hashed in SQL: the Python check must agree.
    with transaction.atomic():
        set_rls_bypass()
        audited = AuditEvent.objects.for_tenants(tenant_ids).filter(action=Action.ITEM_CLAIMED)
        claim_audits = audited.count()
        broken = [b for t in tenant_ids if (b := verify_tenant_chain(t)) is not None]
    assert claim_audits == total_items and not broken, (claim_audits, broken)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(f"machine: {machine()}")
    served = (
        f"{args.procs * args.connections} database connections ({args.connections} per process)"
        if args.connections
        else "one database connection each"
    )
    print(
        f"claim-next: {args.procs * args.threads} agents ({args.procs} processes x "
        f"{args.threads} threads), {served}, {total_items:,} items over {args.clients} "
        "client tenants"
    )
    print(f"claimed {len(claimed):,} in {elapsed:.1f} s -> {len(claimed) / elapsed:,.0f} claims/s")
    print(f"latency p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms")
    print(
        f"exactly once: {len(set(claimed)):,} distinct ids = {held:,} items in progress = "
        f"{claim_events:,} claim events (no item claimed twice)"
    )
    print(
        f"audit: {claim_audits:,} claim events hashed in SQL; every lane of the "
        f"{len(tenant_ids)} tenants' chains verified in Python"
    )


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
