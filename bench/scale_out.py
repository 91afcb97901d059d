"""Scale-out: claims/s, postings/s and page latency with 1, 2 and 4 web processes.

    .venv/bin/python bench/scale_out.py                       # 1, 2, 4 workers; 20 s each
    .venv/bin/python bench/scale_out.py --workers 1 2 4 8 --seconds 30 --replica

Runs its own throwaway PostgreSQL cluster (initdb as the `postgres` system user, port
--port, data in /tmp), so the shared server is never restarted or loaded with scratch data.
The application runs as it does in production: `backoffice serve` (gunicorn, N sync
workers, persistent connections with health checks) connected as its own role
(`grant-app-role`, row-level security on), and a load driver of HTTP clients against it:
  claimers  agents calling POST /api/v1/work/claim-next back to back
  posters   a finance user calling POST /api/v1/ledger/entries (one balanced entry each)
  readers   a signed-in client admin loading the ledger page (/t/<client>/ledger/)
For each process count it prints claims/s, postings/s, the page's median and p95 latency,
the database's share of busy time (PostgreSQL backends active, from pg_stat_activity
samples) and the CPU the database and the web processes used: where adding processes stops
helping and the database's CPU or lock waits take the time, the database is the bound.

--replica adds a streaming replica (pg_basebackup, a second cluster on --port + 1) and runs
the trial-balance report on it while the load runs, with the replica's lag (bytes and
pg_stat_replication's replay_lag) sampled through the run.

Prints figures; asserts only correctness (no item claimed twice, balances = lines).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent / "backoffice"
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
APP_ROLE = "backoffice_app"
CLIENT = "bench-client-0"


def _as_postgres(args: list[str], **kw: Any) -> subprocess.CompletedProcess[bytes]:
    """PostgreSQL refuses to run as root: its tools run as the `postgres` system user."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *args], check=True, **kw)


class Cluster:
    """A throwaway PostgreSQL cluster of our own (data under /tmp), started and stopped here."""

    def __init__(self, port: int, name: str = "primary") -> None:
        self.port = port
        self.data = Path(f"/tmp/bo_pg_{name}_{port}")
        self.log = Path(f"/tmp/bo_pg_{name}_{port}.log")

    def init(self) -> Cluster:
        self.destroy()
        self.data.mkdir(parents=True, mode=0o700)
        shutil.chown(self.data, "postgres", "postgres")
        _as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"],
            stdout=subprocess.DEVNULL,
        )
        return self

    def start(self) -> None:
        self.log.touch()
        shutil.chown(self.log, "postgres", "postgres")
        opts = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 "
            "-c unix_socket_directories=/tmp -c max_connections=200 "
            "-c shared_buffers=128MB -c wal_level=replica -c max_wal_senders=4 "
            "-c hot_standby=on"
        )
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-o",
                opts,
                "start",
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def restart(self, mode: str) -> float:
        """Stop with `mode` (fast: roll back and disconnect; immediate: no checkpoint, crash
        recovery at start) and start again; the seconds it was down."""
        began = time.monotonic()
        self.stop(mode)
        self.start()
        return time.monotonic() - began

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.data, ignore_errors=True)

    def url(self, db: str, user: str = "postgres", options: str = "") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{db}{options}"

    def replica_of(self, primary: Cluster) -> Cluster:
        """A hot standby streaming from `primary` (pg_basebackup -R writes its settings)."""
        self.destroy()
        self.data.mkdir(parents=True, mode=0o700)
        shutil.chown(self.data, "postgres", "postgres")
        _as_postgres(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.data),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",  # not a spread checkpoint of minutes
            ]
        )
        self.start()
        return self


def psql(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        cur = c.execute(sql)
        return cur.fetchall() if cur.description else []


# --- the data ------------------------------------------------------------------------------


@dataclass
class Fixture:
    agent_tokens: list[str]
    finance_token: str
    session_cookie: str
    items: int


def seed(cluster: Cluster, db: str, *, agents: int, items: int) -> Fixture:
    """Migrate as the owner, grant the app role, and load one client's engagement."""
    psql(cluster.url("postgres"), f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(cluster.url("postgres"), f"CREATE DATABASE {db}")
    psql(
        cluster.url("postgres"),
        f"DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
    )
    os.environ["DATABASE_URL"] = cluster.url(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from backoffice.core.rls import set_rls_bypass
    from backoffice.ledger.models import Account
    from backoffice.tenancy import services as tenancy
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.work.services import ItemInput, submit_items

    sys.path.insert(0, str(ROOT / "bench"))
    import work_common as wc

    call_command("migrate", verbosity=0, interactive=False)
    call_command("grant_app_role", APP_ROLE, stdout=io.StringIO())
    provider, engagements = wc.make_engagement(1)
    client = engagements[0].tenant
    with transaction.atomic():
        set_rls_bypass()
        rows = (
            ItemInput(external_ref=f"s-{i}", data={"name": f"Claim {i}", "amount": i % 90})
            for i in range(items)
        )
        submit_items(engagement=engagements[0], actor=None, rows=rows)
        Account.objects.bulk_create(
            [
                Account(tenant=client, code=f"A00{k}", name=f"Account {k}", type="asset")
                for k in (1, 2)
            ]
        )
        tokens = []
        for n in range(agents):
            user = User.objects.create_user(username=f"bench-agent-{n}", password=None)
            tenancy.add_member(organization=provider, user=user, role=Role.AGENT)
            tenancy.add_member(organization=client, user=user, role=Role.AGENT)
            tokens.append(
                tenancy.issue_api_token(user=user, tenant=provider, role=Role.AGENT, name="b")[1]
            )
        finance = User.objects.create_user(username="bench-finance", password=None)
        tenancy.add_member(organization=provider, user=finance, role=Role.FINANCE)
        tenancy.add_member(organization=client, user=finance, role=Role.FINANCE)
        finance_token = tenancy.issue_api_token(
            user=finance, tenant=client, role=Role.FINANCE, name="b"
        )[1]
        admin = User.objects.create_user(username="bench-admin", password=None)
        tenancy.add_member(organization=client, user=admin, role=Role.CLIENT_ADMIN)
    browser = Client()
    browser.force_login(admin)
    connection.close()
    return Fixture(tokens, finance_token, browser.cookies["sessionid"].value, items)


# --- the web processes ----------------------------------------------------------------------


def app_env(cluster: Cluster, db: str) -> dict[str, str]:
    """The processes' environment: the app role, persistent connections checked before use."""
    url = cluster.url(db, APP_ROLE, "?conn_max_age=60&conn_health_checks=True")
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "AXES_ENABLED": "false"}


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    args = [str(BIN), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    # its log (one JSON line per request) goes to a file: a pipe nobody reads would fill
    # and stall every worker
    log = Path(f"/tmp/bo_serve_{port}.log").open("wb")  # noqa: SIM115 (the process keeps it)
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if _request(port, "GET", "/healthz", {})[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("backoffice serve did not answer /healthz")


def _request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers = {**headers, "Content-Type": "application/json"}
    c.request(method, path, body=data, headers=headers)
    response = c.getresponse()
    payload = response.read()
    if conn is None:
        c.close()
    return response.status, payload


# --- the load -------------------------------------------------------------------------------


@dataclass
class Tally:
    ok: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acked: list[Any] = field(default_factory=list)  # what the server said it did
    first_ok_after: dict[float, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, seconds: float, acked: Any = None) -> None:
        with self.lock:
            if status < 400:
                self.ok += 1
                self.latencies.append(seconds)
                if acked is not None:
                    self.acked.append(acked)
            else:
                self.errors[status] = self.errors.get(status, 0) + 1


@dataclass
class Load:
    port: int
    fixture: Fixture
    stop: threading.Event = field(default_factory=threading.Event)
    claims: Tally = field(default_factory=Tally)
    postings: Tally = field(default_factory=Tally)
    pages: Tally = field(default_factory=Tally)

    def _loop(self, tally: Tally, step: Any) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                status, acked = step(conn, n)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                status, acked = 599, None  # no answer at all
                time.sleep(0.05)
            tally.note(status, time.perf_counter() - began, acked)
            if status >= 500:
                time.sleep(0.05)  # do not spin while the server is down
            n += 1
        conn.close()

    def claimer(self, token: str) -> Any:
        auth = {"Authorization": f"Bearer {token}"}

        def step(conn: http.client.HTTPConnection, n: int) -> tuple[int, Any]:
            status, body = _request(self.port, "POST", "/api/v1/work/claim-next", auth, {}, conn)
            item = json.loads(body)["id"] if status == 200 else None
            return status, item

        return lambda: self._loop(self.claims, step)

    def poster(self, k: int) -> Any:
        auth = {"Authorization": f"Bearer {self.fixture.finance_token}"}

        def step(conn: http.client.HTTPConnection, n: int) -> tuple[int, Any]:
            key = f"p{k}-{n}-{os.getpid()}"
            entry = {
                "date": "2026-11-16",
                "idempotency_key": key,
                "lines": [
                    {"account": "A001", "amount": 100 + n % 900},
                    {"account": "A002", "amount": -(100 + n % 900)},
                ],
            }
            status, _ = _request(self.port, "POST", "/api/v1/ledger/entries", auth, entry, conn)
            return status, key if status in (200, 201) else None

        return lambda: self._loop(self.postings, step)

    def reader(self) -> Any:
        cookie = {"Cookie": f"sessionid={self.fixture.session_cookie}"}

        def step(conn: http.client.HTTPConnection, n: int) -> tuple[int, Any]:
            status, _ = _request(self.port, "GET", f"/t/{CLIENT}/ledger/", cookie, None, conn)
            return status, None

        return lambda: self._loop(self.pages, step)

    def threads(self, claimers: int, posters: int, readers: int) -> list[threading.Thread]:
        targets = [self.claimer(t) for t in self.fixture.agent_tokens[:claimers]]
        targets += [self.poster(k) for k in range(posters)]
        targets += [self.reader() for _ in range(readers)]
        return [threading.Thread(target=t, daemon=True) for t in targets]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- where the time goes --------------------------------------------------------------------


def _cpu_seconds(pids: list[int], *, with_reaped: bool = False) -> float:
    """CPU seconds (user + system) of the processes; with the children they reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        if with_reaped:
            total += int(fields[13]) + int(fields[14])
    return total / tick


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def cluster_cpu(cluster: Cluster) -> float:
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return _cpu_seconds([postmaster], with_reaped=True) + _cpu_seconds(_children(postmaster))


def web_cpu(proc: subprocess.Popen[bytes]) -> float:
    return _cpu_seconds([proc.pid], with_reaped=True) + _cpu_seconds(_children(proc.pid))


@dataclass
class DbSampler:
    """pg_stat_activity sampled: the app's backends running a statement, and on what they
    wait (Lock, LWLock, IO; none = on a core or waiting for one)."""

    url: str
    samples: int = 0
    active: int = 0
    waits: dict[str, int] = field(default_factory=dict)
    lag_bytes: list[int] = field(default_factory=list)
    lag_seconds: list[float] = field(default_factory=list)

    def run(self, stop: threading.Event, replica: bool = False) -> None:
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as c:
            c.autocommit = True
            while not stop.wait(0.2):
                rows = c.execute(
                    "SELECT coalesce(wait_event_type, 'CPU'), count(*) FROM pg_stat_activity "
                    "WHERE usename = %s AND state = 'active' GROUP BY 1",
                    [APP_ROLE],
                ).fetchall()
                self.samples += 1
                for kind, n in rows:
                    self.active += n
                    self.waits[kind] = self.waits.get(kind, 0) + n
                if replica:
                    lag = c.execute(
                        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), "
                        "extract(epoch FROM coalesce(replay_lag, '0'::interval)) "
                        "FROM pg_stat_replication"
                    ).fetchone()
                    if lag:
                        self.lag_bytes.append(int(lag[0] or 0))
                        self.lag_seconds.append(float(lag[1] or 0))


REPORTER = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
import django; django.setup()
from django.db import transaction
from backoffice.core.rls import set_rls_tenants
from backoffice.ledger import selectors
from backoffice.tenancy.models import Organization
tenant = Organization.objects.get(slug={client!r})
times = []
while not os.path.exists({stop!r}):
    began = time.perf_counter()
    with transaction.atomic():
        set_rls_tenants([tenant.pk])
        report = selectors.trial_balance(tenant)
    times.append(time.perf_counter() - began)
    time.sleep(0.2)
print(len(times), sorted(times)[len(times) // 2] if times else 0, flush=True)
"""


def start_reporter(env: dict[str, str], replica: Cluster, db: str) -> tuple[Any, Path]:
    """The trial balance report run in a loop by a process connected to the replica."""
    stop = Path(f"/tmp/bo_reporter_stop_{replica.port}")
    stop.unlink(missing_ok=True)
    url = replica.url(db, APP_ROLE)
    code = REPORTER.format(root=str(ROOT), client=CLIENT, stop=str(stop))
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**env, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return proc, stop


# --- one measured run -----------------------------------------------------------------------


@dataclass
class Row:
    workers: int
    seconds: float
    claims: float
    postings: float
    page_p50: float
    page_p95: float
    errors: int
    db_active: float
    waits: dict[str, int]
    db_cpu: float
    web_cpu: float
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    reports: str = ""


def run_once(
    args: argparse.Namespace,
    cluster: Cluster,
    fixture: Fixture,
    workers: int,
    replica: Cluster | None,
) -> Row:
    env = app_env(cluster, args.db)
    port = args.port + 20 + workers
    web = serve(env, port, workers)
    load = Load(port, fixture)
    threads = load.threads(args.claimers, args.posters, args.readers)
    sampler, stop = DbSampler(cluster.url("postgres")), threading.Event()
    sampling = threading.Thread(target=sampler.run, args=(stop, replica is not None))
    reporter = start_reporter(env, replica, args.db) if replica else None
    db0, web0, began = cluster_cpu(cluster), web_cpu(web), time.perf_counter()
    [t.start() for t in [*threads, sampling]]
    time.sleep(args.seconds)
    load.stop.set()
    elapsed = time.perf_counter() - began
    db1, web1 = cluster_cpu(cluster), web_cpu(web)
    stop.set()
    [t.join(timeout=40) for t in [*threads, sampling]]
    web.terminate()
    web.wait(timeout=60)
    reports = ""
    if reporter:
        reporter[1].touch()
        count, median = reporter[0].communicate(timeout=60)[0].split()
        reports = f"{count} runs, median {float(median) * 1000:.0f} ms"
    errors = sum(sum(t.errors.values()) for t in (load.claims, load.postings, load.pages))
    return Row(
        workers=workers,
        seconds=elapsed,
        claims=load.claims.ok / elapsed,
        postings=load.postings.ok / elapsed,
        page_p50=percentile(load.pages.latencies, 0.5) * 1000,
        page_p95=percentile(load.pages.latencies, 0.95) * 1000,
        errors=errors,
        db_active=sampler.active / max(sampler.samples, 1),
        waits=sampler.waits,
        db_cpu=(db1 - db0) / elapsed,
        web_cpu=(web1 - web0) / elapsed,
        lag_bytes=max(sampler.lag_bytes) if sampler.lag_bytes else None,
        lag_seconds=max(sampler.lag_seconds) if sampler.lag_seconds else None,
        reports=reports,
    )


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(rows: list[Row], args: argparse.Namespace, load_before: str) -> None:
    print(
        f"\nScale-out ({args.claimers} claiming agents, {args.posters} posting, "
        f"{args.readers} reading; {args.seconds:.0f} s per row; one PostgreSQL; load average "
        f"before {load_before}, after {_loadavg()}; {os.cpu_count()} cores)\n"
    )
    replica = any(r.lag_bytes is not None for r in rows)
    head = (
        "| web processes | claims/s | postings/s | page p50 / p95 (ms) | errors "
        "| DB backends busy (avg) | their waits | DB CPU (cores) | web CPU (cores) |"
    )
    head += " replica lag max (bytes / s) | reports on replica |" if replica else ""
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    for r in rows:
        total = sum(r.waits.values()) or 1
        waits = ", ".join(
            f"{k} {100 * v / total:.0f} %" for k, v in sorted(r.waits.items(), key=lambda x: -x[1])
        )
        line = (
            f"| {r.workers} | {r.claims:.1f} | {r.postings:.1f} | {r.page_p50:.0f} / "
            f"{r.page_p95:.0f} | {r.errors} | {r.db_active:.2f} | {waits} | {r.db_cpu:.2f} "
            f"| {r.web_cpu:.2f} |"
        )
        if replica:
            line += f" {r.lag_bytes} / {r.lag_seconds:.2f} | {r.reports} |"
        print(line)


def check(fixture: Fixture) -> list[str]:
    """No item claimed twice; every balance equals its lines."""
    sys.path.insert(0, str(ROOT / "bench"))
    from django.db import connections
    from django.db.models import Count
    from ledger_common import bypass, verify_balances

    from backoffice.work.models import State, WorkItemEvent

    connections.close_all()
    problems = []
    with bypass():
        twice = (
            WorkItemEvent.objects.unscoped("bench check")
            .filter(to_state=State.IN_PROGRESS)
            .values("item_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
    if twice:
        problems.append(f"{twice} items claimed twice")
    ok, detail = verify_balances([])
    if not ok:
        problems.append(detail)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--claimers", type=int, default=8)
    parser.add_argument("--posters", type=int, default=4)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--items", type=int, default=20000, help="queued to be claimed")
    parser.add_argument("--port", type=int, default=5497, help="the throwaway cluster's")
    parser.add_argument("--db", default="bo_scale")
    parser.add_argument("--replica", action="store_true", help="a streaming replica for reports")
    args = parser.parse_args()
    cluster = Cluster(args.port).init()
    cluster.start()
    replica = None
    try:
        fixture = seed(cluster, args.db, agents=args.claimers, items=args.items)
        if args.replica:
            replica = Cluster(args.port + 1, "replica").replica_of(cluster)
        load_before = _loadavg()
        rows = []
        for n in args.workers:
            rows.append(run_once(args, cluster, fixture, n, replica))
            print(rows[-1], file=sys.stderr, flush=True)
        report(rows, args, load_before)
        problems = check(fixture)
        print(f"\nchecks: no item claimed twice, balances = lines: {problems or 'hold'}")
    finally:
        if replica:
            replica.destroy()
        cluster.destroy()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
