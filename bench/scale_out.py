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
        self.data.mkdir(parents=True)
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
        self.data.mkdir(parents=True)
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
