"""Crash tests: kill -9 a process in the middle of its work, restart, check every invariant.

    .venv/bin/python bench/crash.py --db postgresql --kills 5
    .venv/bin/python bench/crash.py --db sqlite --kills 3 --entries 2000 --rows 5000

Scenarios, each repeated `--kills` times against one scratch database:
  ledger   `backoffice ledger import` of one file of balanced entries, killed mid-posting
  intake   `backoffice work import` of one all-or-nothing file, killed mid-intake
  claims   8 agents claiming in one process, killed mid-claim; then the idle timeout
  job      a background job (audit chain verification) killed while running; then the
           scheduler's requeue and a new worker
After every kill: the file's entries or items are all there or none are; every ledger balance
equals the sum of its lines and daily deltas, and each tenant's balances sum to zero; every
tenant's audit chain verifies; no item is held by a dead agent after the idle timeout; the
killed job runs again and succeeds once. A kill that lands after the process finished is
counted apart (it tested nothing). Prints a table for docs/benchmarks.md.

    .venv/bin/python bench/crash.py --pg-restart --restarts 2

--pg-restart restarts PostgreSQL itself under load, on a throwaway cluster of its own (port
--pg-port; the shared server is never touched): `backoffice serve` (2 workers, connected as
the app role with persistent, health-checked connections) takes claims, postings and page
loads from an HTTP load driver while `backoffice worker` runs jobs; PostgreSQL is stopped
with `-m fast`, then `-m immediate` (crash recovery at start), --restarts times each. After
each restart: how long until claims, postings and pages succeed again, and whether the same
web and worker processes (never restarted) run a job enqueued after it. At the end: every
posting the server acknowledged is in the ledger, every acknowledged claim is held by its
agent and no item was claimed twice, balances = lines, every audit chain verifies.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import work_common as wc
from ledger_common import bypass, verify_balances

BIN = Path(sys.executable).parent / "backoffice"
TENANT = "bench-client-0"


@dataclass
class Outcome:
    scenario: str
    mid_work: int = 0
    after_finish: int = 0
    checks: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


def _spawn(args: list[str], name: str = "crash") -> subprocess.Popen[bytes]:
    # PGAPPNAME names the process's database sessions, so we can see it start writing
    env = {**os.environ, "PGAPPNAME": name}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _writing(name: str) -> bool:
    """Whether a session of the named process has a transaction open (PostgreSQL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND xact_start IS NOT NULL",
            [name],
        )
        return bool(cursor.fetchone()[0])


def _kill_while_writing(proc: subprocess.Popen[bytes], name: str, delay: float) -> bool:
    """kill -9 `delay` seconds after the process opened its first transaction (on SQLite,
    after its start); True when it was still working when killed."""
    from django.db import connection

    if connection.vendor == "postgresql":
        deadline = time.monotonic() + 120
        while proc.poll() is None and not _writing(name) and time.monotonic() < deadline:
            time.sleep(0.02)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def _common_checks(out: Outcome) -> None:
    from django.db import connections

    from backoffice.audit.verify import verify_all

    connections.close_all()
    ok, detail = verify_balances([])
    out.checks |= {"balances = lines", "audit chain"}
    if not ok:
        out.failures.append(f"ledger: {detail}")
    broken = verify_all()
    if broken:
        out.failures.append(f"audit: {broken[0]}")


def _all_or_none(out: Outcome, what: str, found: int, expected: int, killed: bool) -> None:
    out.checks.add(f"{what}: all or none")
    if found not in (0, expected):
        out.failures.append(f"{what}: {found} of {expected} written")
    if not killed and found != expected:
        out.failures.append(f"{what}: finished but wrote {found} of {expected}")


def ledger_round(out: Outcome, n: int, entries: int, tmp: Path, delay: float) -> None:
    from backoffice.ledger.models import JournalEntry

    path = tmp / f"entries-{n}.csv"
    with path.open("w") as f:
        f.write("entry,date,account,amount\n")
        for e in range(entries):
            amount = 100 + e % 997
            f.write(f"r{n}-e{e},2026-11-{1 + e % 28:02d},A001,{amount}\n")
            f.write(f"r{n}-e{e},2026-11-{1 + e % 28:02d},A002,{-amount}\n")
    args = [str(BIN), "ledger", "import", str(path), "--tenant", TENANT]
    killed = _kill_while_writing(_spawn(args, "crash-ledger"), "crash-ledger", delay)
    out.mid_work += killed
    out.after_finish += not killed
    with bypass():
        found = (
            JournalEntry.objects.unscoped("crash check")
            .filter(idempotency_key__startswith=f"r{n}-e")
            .count()
        )
    _all_or_none(out, "entries", found, entries, killed)
    _common_checks(out)


def intake_round(out: Outcome, n: int, rows: int, tmp: Path, delay: float) -> None:
    from backoffice.work.models import WorkItem

    path = tmp / f"items-{n}.csv"
    with path.open("w") as f:
        f.write("external_ref,name,amount\n")
        f.writelines(f"r{n}-i{i},Invoice {i},{i % 500}.25\n" for i in range(rows))
    args = [str(BIN), "work", "import", str(path), "--engagement", "cap", "--tenant", TENANT]
    killed = _kill_while_writing(_spawn(args, "crash-intake"), "crash-intake", delay)
    out.mid_work += killed
    out.after_finish += not killed
    with bypass():
        found = (
            WorkItem.objects.unscoped("crash check")
            .filter(external_ref__startswith=f"r{n}-i")
            .count()
        )
    _all_or_none(out, "items", found, rows, killed)
    _common_checks(out)


CLAIMER = """
import os, sys, threading
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
import django; django.setup()
from backoffice.tenancy.models import User
from backoffice.work.services import claim_next_item
def agent(pk):
    user = User.objects.get(pk=pk)
    while claim_next_item(agent=user) is not None:
        pass
threads = [threading.Thread(target=agent, args=(pk,)) for pk in {agents!r}]
[t.start() for t in threads]; [t.join() for t in threads]
"""


def claims_round(out: Outcome, agents: list[int], delay: float) -> None:
    from django.db.models import Count
    from django.utils import timezone

    from backoffice.work.models import State, WorkItem, WorkItemEvent
    from backoffice.work.services import release_idle_items

    started = timezone.now()
    code = CLAIMER.format(root=str(wc.ROOT), agents=agents)
    proc = _spawn([sys.executable, "-c", code], "crash-claims")
    killed = _kill_while_writing(proc, "crash-claims", delay)
    out.mid_work += killed
    out.after_finish += not killed
    with bypass():
        items = WorkItem.objects.unscoped("crash check")
        held = items.filter(state=State.IN_PROGRESS)
        out.checks |= {"held only by an assignee", "released after idle timeout"}
        if held.filter(assignee__isnull=True).exists():
            out.failures.append("claims: an item in progress with no assignee")
        events = WorkItemEvent.objects.unscoped("crash check")
        claimed_twice = (
            events.filter(to_state=State.IN_PROGRESS, at__gte=started)
            .values("item_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        out.checks.add("no item claimed twice")
        if claimed_twice:
            out.failures.append(f"claims: {claimed_twice} items claimed twice")
    release_idle_items(now=timezone.now() + timedelta(days=1))
    with bypass():
        if WorkItem.objects.unscoped("crash check").filter(state=State.IN_PROGRESS).exists():
            out.failures.append("claims: items still held after the idle timeout")
    _common_checks(out)


def job_round(out: Outcome, tenant_id: int) -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from backoffice.audit.tasks import verify_tenant_audit_chain
    from backoffice.core.scheduler import requeue_abandoned_jobs

    with bypass():
        job = verify_tenant_audit_chain.enqueue(tenant_id=tenant_id)
    worker = _spawn([str(BIN), "worker", "--no-scheduler", "--interval", "0.05"])
    deadline = time.monotonic() + 60
    status = "READY"
    while time.monotonic() < deadline:
        status = DBTaskResult.objects.filter(id=job.id).values_list("status", flat=True)[0]
        if status != "READY":
            break
        time.sleep(0.005)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed = status == "RUNNING"
    out.mid_work += killed
    out.after_finish += not killed
    out.checks |= {"job requeued and run once"}
    if killed:
        requeue_abandoned_jobs(timezone.now() + timedelta(hours=1), stale_after=1800)
        subprocess.run([str(BIN), "worker", "--batch", "--no-scheduler", "--interval", "0"])
    row = DBTaskResult.objects.get(id=job.id)
    if row.status != "SUCCESSFUL":
        out.failures.append(f"job: {row.status} after the restart")
    _common_checks(out)


def _prepare(agents: int, items: int) -> tuple[list[int], int]:
    from backoffice.ledger.models import Account
    from backoffice.tenancy import services as tenancy
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.work.services import ItemInput, submit_items

    provider, engagements = wc.make_engagement(1)
    client = engagements[0].tenant
    ids = []
    with bypass():
        rows = (
            ItemInput(external_ref=f"q-{i}", data={"name": f"Claim {i}", "amount": i % 90})
            for i in range(items)
        )
        submit_items(engagement=engagements[0], actor=None, rows=rows)
        Account.objects.bulk_create(
            [
                Account(tenant=client, code=f"A00{k}", name=f"Account {k}", type="asset")
                for k in (1, 2)
            ]
        )
        for n in range(agents):
            user = User.objects.create_user(username=f"crash-agent-{n}", password=None)
            tenancy.add_member(organization=provider, user=user, role=Role.AGENT)
            tenancy.add_member(organization=client, user=user, role=Role.AGENT)
            ids.append(user.pk)
    return ids, client.pk


def _wait_for(predicate: Any, timeout: float = 60.0) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if predicate():
            return time.monotonic() - began
        time.sleep(0.05)
    return None


def _job_after_restart(tenant_id: int) -> float | None:
    """Seconds until a job enqueued now is run by the worker that lived through the restart."""
    from django.db import connections
    from django_tasks_db.models import DBTaskResult

    from backoffice.audit.tasks import verify_tenant_audit_chain

    connections.close_all()  # this process's own connection died with the server
    with bypass():
        job = verify_tenant_audit_chain.enqueue(tenant_id=tenant_id)
    return _wait_for(
        lambda: DBTaskResult.objects.filter(id=job.id, status="SUCCESSFUL").exists(), 60
    )


def _restart_round(cluster: Any, load: Any, mode: str, tenant_id: int) -> dict[str, Any]:
    tallies = {"claims": load.claims, "postings": load.postings, "pages": load.pages}
    errors_before = {k: sum(t.errors.values()) for k, t in tallies.items()}
    down = cluster.restart(mode)
    ok_at_start = {k: t.ok for k, t in tallies.items()}
    back = {k: _wait_for(lambda t=t, k=k: t.ok > ok_at_start[k]) for k, t in tallies.items()}
    return {
        "mode": mode,
        "down": down,
        "back": back,
        "failed": {k: sum(t.errors.values()) - errors_before[k] for k, t in tallies.items()},
        "job": _job_after_restart(tenant_id),
    }


def _acknowledged_work_is_there(load: Any, out: Outcome) -> None:
    from django.db import connections
    from django.db.models import Count

    from backoffice.ledger.models import JournalEntry
    from backoffice.work.models import State, WorkItem, WorkItemEvent

    connections.close_all()
    keys, items = set(load.postings.acked), set(load.claims.acked)
    with bypass():
        stored = set(
            JournalEntry.objects.unscoped("crash check")
            .filter(idempotency_key__in=keys)
            .values_list("idempotency_key", flat=True)
        )
        held = WorkItem.objects.unscoped("crash check").filter(
            pk__in=items, state=State.IN_PROGRESS, assignee__isnull=False
        )
        twice = (
            WorkItemEvent.objects.unscoped("crash check")
            .filter(to_state=State.IN_PROGRESS)
            .values("item_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
    out.checks |= {"acknowledged postings stored", "acknowledged claims held", "no double claim"}
    if stored != keys:
        out.failures.append(f"{len(keys - stored)} acknowledged postings are missing")
    if held.count() != len(items):
        out.failures.append(f"{len(items) - held.count()} acknowledged claims are not held")
    if twice:
        out.failures.append(f"{twice} items claimed twice")


def pg_restart(args: argparse.Namespace) -> int:

    from scale_out import Cluster, Load, app_env, seed, serve

    cluster = Cluster(args.pg_port, "crash").init()
    cluster.start()
    fixture = seed(cluster, "bo_crash", agents=4, items=args.items)
    from backoffice.tenancy.models import Organization

    tenant_id = Organization.objects.get(slug=TENANT).pk
    env = app_env(cluster, "bo_crash")
    web = serve(env, args.pg_port + 10, 2)
    worker = subprocess.Popen(
        [str(BIN), "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=Path(f"/tmp/bo_worker_{args.pg_port}.log").open("wb"),  # noqa: SIM115
    )
    load = Load(args.pg_port + 10, fixture)
    threads = load.threads(claimers=4, posters=2, readers=1)
    [t.start() for t in threads]
    rounds = []
    try:
        for mode in ["fast", "immediate"] * args.restarts:
            time.sleep(3)  # the load runs against a healthy server first
            rounds.append(_restart_round(cluster, load, mode, tenant_id))
            print(rounds[-1], file=sys.stderr, flush=True)
        time.sleep(2)
    finally:
        load.stop.set()
        [t.join(timeout=40) for t in threads]
    out = Outcome("postgres restart")
    alive = web.poll() is None and worker.poll() is None
    out.checks.add("same web and worker processes")
    if not alive:
        out.failures.append("a web or worker process ended")
    for r in rounds:
        if None in r["back"].values() or r["job"] is None:
            out.failures.append(f"{r['mode']}: did not recover within 60 s")
    _acknowledged_work_is_there(load, out)
    _common_checks(out)
    for proc in (web, worker):
        proc.terminate()
        proc.wait(timeout=30)
    _report_restarts(rounds, load, out)
    cluster.destroy()
    return 1 if out.failures else 0


def _report_restarts(rounds: list[dict[str, Any]], load: Any, out: Outcome) -> None:
    print(f"\nPostgreSQL restarted under load ({wc.machine()})\n")
    print(
        "| shutdown | down (s) | claims back (s) | postings back (s) | pages back (s) "
        "| requests failed (claims/postings/pages) | job after restart (s) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")

    def s(v: float | None) -> str:
        return "never" if v is None else f"{v:.2f}"

    for r in rounds:
        f, b = r["failed"], r["back"]
        print(
            f"| {r['mode']} | {r['down']:.2f} | {s(b['claims'])} | {s(b['postings'])} "
            f"| {s(b['pages'])} | {f['claims']}/{f['postings']}/{f['pages']} | {s(r['job'])} |"
        )
    print(
        f"\nserved: {load.claims.ok} claims, {load.postings.ok} postings, {load.pages.ok} "
        f"pages; failures by status: claims {load.claims.errors}, postings "
        f"{load.postings.errors}, pages {load.pages.errors}"
    )
    print(f"invariants: {', '.join(sorted(out.checks))}: {len(out.failures)} failures")
    for failure in out.failures:
        print(f"  - {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--items", type=int, default=20000, help="queued for the claims")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--pg-restart", action="store_true", help="restart PostgreSQL")
    parser.add_argument("--restarts", type=int, default=2, help="of each kind (--pg-restart)")
    parser.add_argument("--pg-port", type=int, default=5499, help="its throwaway cluster")
    args = parser.parse_args(argv)
    if args.pg_restart:
        return pg_restart(args)
    rng = random.Random(args.seed)
    wc.create_database(args.db, "bo_crash")
    wc.migrate()
    agents, tenant_id = _prepare(8, args.items)
    tmp = Path(f"/tmp/bo_crash_{os.getpid()}")
    tmp.mkdir(exist_ok=True)
    outcomes = {s: Outcome(s) for s in ("ledger", "intake", "claims", "job")}
    for n in range(args.kills):
        # on PostgreSQL the delays run from the first open transaction, on SQLite from start
        pg = args.db == "postgresql"
        ledger_round(outcomes["ledger"], n, args.entries, tmp, rng.uniform(0.1, 1.5 if pg else 5))
        intake_round(outcomes["intake"], n, args.rows, tmp, rng.uniform(0.1, 1.5 if pg else 5))
        claims_round(outcomes["claims"], agents, rng.uniform(0.2, 1.0 if pg else 4))
        job_round(outcomes["job"], tenant_id)
    print(f"\nCrash tests on {args.db} ({wc.machine()}), seed {args.seed}\n")
    print("| scenario | kills mid-work | kills after it finished | invariants checked | failures |")
    print("| --- | --- | --- | --- | --- |")
    failed = 0
    for o in outcomes.values():
        failed += len(o.failures)
        print(
            f"| {o.scenario} | {o.mid_work} | {o.after_finish} | {', '.join(sorted(o.checks))} "
            f"| {len(o.failures)} |"
        )
        for failure in o.failures:
            print(f"  - {failure}")
    wc.drop_database(args.db, "bo_crash")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
