"""The client dashboard for a client with many items: how long the page takes to render.

    .venv/bin/python bench/client_dashboard.py --db postgresql --items 1000000
    .venv/bin/python bench/client_dashboard.py --db postgresql --items 100000 --other 20000

Creates and drops its own database (PostgreSQL: bo_bench_client_dashboard). Loads one
client ("acme", 5 engagements) with --items items spread over the last year as the work
engine leaves them (COPY on PostgreSQL, bulk_create on SQLite): 95 % done (completed 10
minutes to 10 hours after receipt, due 8 hours after), 3 % cancelled, 2 % open (queued, in
review, waiting on the client; some at risk or overdue), and a QA review for 5 % of the
done items; plus another client with --other items, so the tenant filter has work to do.
Items are written in the order they were received (ids and table order follow receipt,
as in production). Then VACUUM ANALYZE, and times through Django's test client
(middleware, session, the view, the template): the dashboard page for the client admin,
its polled figures fragment, the API's figures, and the page for a member limited to one
engagement. --messages (50,000 by default) conversation messages are loaded for acme too,
50 a thread on items of its engagements, the admin having read 4 threads in 5 (the
dashboard shows the conversations with unread messages). Prints the median and the 95th
percentile of --runs renders each (the cache of closed days warm), the figures' cold
cost, and each query's plan and time.
Asserts nothing about speed; the target is a page under 300 ms at 1,000,000 items.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from work_common import create_database, drop_database, machine, migrate

NAME = "bo_bench_client_dashboard"
NOW = datetime.now(UTC)


def setup() -> dict:
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.portal.dashboard import grants
    from backoffice.tenancy import services as tenancy
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.selectors import access_tenant
    from backoffice.work import services as work
    from backoffice.work.tests.factories import make_service_type

    with transaction.atomic():
        set_rls_bypass()
        provider = tenancy.create_organization(
            slug="provider", name="Provider", kind="provider", timezone_name="UTC",
            currency="USD",
        )  # fmt: skip
        st = make_service_type(provider, code="capture")
        out: dict = {"engagements": {}}
        for slug in ("acme", "other"):
            client = tenancy.create_organization(
                slug=slug, name=slug.title(), kind="client", provider=provider,
                timezone_name="Europe/Berlin", currency="USD",
            )  # fmt: skip
            cal = work.create_calendar(tenant=client, actor=None, name="hours", holiday_country="")
            out["engagements"][slug] = [
                work.create_engagement(
                    tenant=client,
                    actor=None,
                    service_type=st,
                    calendar=cal,
                    code=f"e{k}",
                    name=f"Engagement {k}",
                )
                for k in range(5 if slug == "acme" else 2)
            ]
            out[slug] = client
        admin = User.objects.create_user(
            username="acme-admin", password="x", timezone="Asia/Manila"
        )
        tenancy.add_member(organization=out["acme"], user=admin, role=Role.CLIENT_ADMIN)
        limited = User.objects.create_user(username="acme-user", password="x")
        tenancy.add_member(organization=out["acme"], user=limited, role=Role.CLIENT_USER)
        grants.set_member_grants(
            access=access_tenant(user=admin, slug="acme"),
            username="acme-user",
            all_engagements=False,
            engagement_ids=[out["engagements"]["acme"][0].pk],
        )
        agent = User.objects.create_user(username="agent", password="x")
        reviewer = User.objects.create_user(username="reviewer", password="x")
    out.update(admin=admin, limited=limited, agent=agent, reviewer=reviewer)
    return out


def load_messages(world: dict, n: int, items: int, per_thread: int = 50) -> None:
    """`n` messages on acme's item threads (`per_thread` each, items 1, 2, … of acme),
    the agent asking and the admin answering; the admin has read 4 threads in 5."""
    from django.db import transaction

    from backoffice.conversations.models import Message, ReadMarker, Thread
    from backoffice.core.rls import set_rls_bypass

    acme, agent, admin = world["acme"], world["agent"], world["admin"]
    count = min(max(1, -(-n // per_thread)), items) if n else 0
    with transaction.atomic():
        set_rls_bypass()
        threads = Thread.objects.bulk_create(
            [
                Thread(
                    tenant=acme, subject_kind="item", subject_id=k + 1,
                    title=f"Item {k + 1}", created_at=NOW - timedelta(days=30),
                    last_message_at=NOW - timedelta(hours=k % 500),
                )
                for k in range(count)
            ],
            batch_size=2000,
        )  # fmt: skip
        rows, left = [], n
        for t in threads:
            for j in range(min(per_thread, left)):
                rows.append(Message(
                    tenant=acme, thread=t, author=agent if j % 2 == 0 else admin,
                    body=f"message {j} about the item",
                    created_at=t.last_message_at - timedelta(minutes=per_thread - j),
                ))  # fmt: skip
            left -= per_thread
            if len(rows) >= 5000:
                Message.objects.bulk_create(rows, batch_size=5000)
                rows = []
        Message.objects.bulk_create(rows, batch_size=5000)
        ReadMarker.objects.bulk_create(
            [
                ReadMarker(tenant=acme, thread=t, user=admin, read_at=t.last_message_at)
                for k, t in enumerate(threads) if k % 5
            ],
            batch_size=5000,
        )  # fmt: skip


def rows_for(engagements: list, n: int, start_id: int, rng: random.Random):
    """(id, engagement, state, received, due, completed, paused_at, at_risk, breached)."""
    for k in range(n):
        e = engagements[k % len(engagements)]
        roll = rng.random()
        if roll < 0.02:  # open, mostly recent
            received = NOW - timedelta(minutes=rng.uniform(5, 7 * 24 * 60))
            state = rng.choice(["queued", "queued", "queued", "in_review", "waiting_on_client"])
            paused = received + timedelta(minutes=30) if state == "waiting_on_client" else None
            breached = rng.random() < 0.05
            at_risk = breached or rng.random() < 0.1
            yield (start_id + k, e, state, received, received + timedelta(hours=8), None, paused,
                   at_risk, breached)  # fmt: skip
            continue
        received = NOW - timedelta(minutes=rng.uniform(60, 365 * 24 * 60))
        completed = min(NOW, received + timedelta(minutes=rng.uniform(10, 10 * 60)))
        state = "cancelled" if roll < 0.05 else "done"
        yield (start_id + k, e, state, received, received + timedelta(hours=8), completed, None,
               False, completed > received + timedelta(hours=8))  # fmt: skip


def load(engagements: list, n: int, start_id: int, agent_id: int, reviewer_id: int) -> int:
    """Load `n` items (and QA reviews for 5 % of the done ones); returns the next free id."""
    from django.db import connection, transaction

    from backoffice.core.rls import set_rls_bypass

    rng = random.Random(start_id)
    # Items arrive in time order, so their ids (and their place in the table) follow their
    # receipt: the open ones are the recent ones, together at the table's end.
    made = sorted(rows_for(engagements, n, start_id, rng), key=lambda r: r[3])
    rows = [(start_id + k, *r[1:]) for k, r in enumerate(made)]
    reviews = [r for r in rows if r[2] == "done" and rng.random() < 0.05]
    with transaction.atomic():
        set_rls_bypass()
        if connection.vendor == "postgresql":
            _copy(rows, reviews, agent_id, reviewer_id, rng)
        else:
            _bulk(rows, reviews, agent_id, reviewer_id, rng)
    return start_id + n


def _ts(value: datetime | None) -> str:
    return "\\N" if value is None else value.isoformat()


def _copy(rows: list, reviews: list, agent_id: int, reviewer_id: int, rng: random.Random) -> None:
    from django.db import connection

    from backoffice.core.pgcopy import copy_lines

    def items():
        for i, e, state, rec, due, done, paused, risk, late in rows:
            yield (f"{i}\t{e.tenant_id}\t{e.pk}\tr{i}\t{{\"name\": \"x\", \"amount\": 1}}\t\\N\t"
                   f"{state}\t5\t\t\t{rec.isoformat()}\t{due.isoformat()}\t0\t{_ts(paused)}\t"
                   f"{'t' if risk else 'f'}\t{'t' if late else 'f'}\t{_ts(done)}\n")  # fmt: skip

    def qa():
        for i, e, _s, _r, _d, done, *_ in reviews:
            correct = rng.choice([10, 10, 10, 9, 9, 8])
            yield (f"{e.tenant_id}\t{i}\t{e.pk}\t{agent_id}\t{reviewer_id}\taccepted\t10\t"
                   f"{correct}\t\t{done.isoformat()}\n")  # fmt: skip

    cols = ("id, tenant_id, engagement_id, external_ref, data, output, state, priority, skill, "
            "language, received_at, sla_due_at, paused_seconds, paused_at, at_risk, breached, "
            "completed_at")  # fmt: skip
    qa_cols = ("tenant_id, item_id, engagement_id, agent_id, reviewer_id, decision, "
               "fields_reviewed, fields_correct, note, reviewed_at")  # fmt: skip
    with connection.cursor() as cursor:
        copy_lines(cursor, "work_workitem", cols, items())
        copy_lines(cursor, "work_qareview", qa_cols, qa())
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('work_workitem', 'id'), %s)", [rows[-1][0] + 1]
        )


def _bulk(rows: list, reviews: list, agent_id: int, reviewer_id: int, rng: random.Random) -> None:
    from backoffice.work.models import QaReview, WorkItem

    WorkItem.objects.bulk_create(
        [WorkItem(id=i, tenant_id=e.tenant_id, engagement=e, external_ref=f"r{i}",
                  data={"name": "x", "amount": 1}, state=state, received_at=rec, sla_due_at=due,
                  completed_at=done, paused_at=paused, at_risk=risk, breached=late)
         for i, e, state, rec, due, done, paused, risk, late in rows], batch_size=5000,
    )  # fmt: skip
    QaReview.objects.bulk_create(
        [QaReview(tenant_id=e.tenant_id, item_id=i, engagement=e, agent_id=agent_id,
                  reviewer_id=reviewer_id, decision="accepted", fields_reviewed=10,
                  fields_correct=rng.choice([10, 10, 10, 9, 9, 8]), reviewed_at=done)
         for i, e, _s, _r, _d, done, *_ in reviews], batch_size=5000,
    )  # fmt: skip


def vacuum(url: str) -> None:
    """VACUUM (outside a transaction) sets the visibility map the index-only scans need."""
    from django.db import connection

    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE work_workitem")
        conn.execute("VACUUM ANALYZE work_qareview")
        for table in ("conversations_thread", "conversations_message", "conversations_readmarker"):
            conn.execute(f"VACUUM ANALYZE {table}")


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm: templates, plans
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--other", type=int, default=200_000, help="items of another client")
    ap.add_argument("--messages", type=int, default=50_000, help="conversation messages")
    ap.add_argument("--runs", type=int, default=20)
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
    logging.disable(logging.INFO)  # the per-request log lines would drown the figures
    from django.db import connection
    from django.test import Client

    t0 = time.perf_counter()
    world = setup()
    next_id = load(world["engagements"]["acme"], args.items, 1, world["agent"].pk,
                   world["reviewer"].pk)  # fmt: skip
    load(world["engagements"]["other"], args.other, next_id, world["agent"].pk,
         world["reviewer"].pk)  # fmt: skip
    load_messages(world, args.messages, args.items)
    vacuum(url)
    loaded = time.perf_counter() - t0
    print(f"# client dashboard, {args.db}; {machine()}")
    print(f"loaded {args.items:,} items for acme and {args.other:,} for another client, "
          f"{args.messages:,} messages for acme, in {loaded:.1f} s")  # fmt: skip

    admin, limited = Client(), Client()
    admin.force_login(world["admin"])
    limited.force_login(world["limited"])
    token = _token(world["admin"], world["acme"])
    api = Client(headers={"Authorization": f"Bearer {token}"})

    def get(client: Client, path: str) -> None:
        res = client.get(path)
        assert res.status_code == 200, (path, res.status_code, res.content[:500])

    cases = [
        ("dashboard page, client admin (5 engagements)", admin, "/t/acme/portal/dashboard/"),
        ("figures fragment (htmx poll)", admin, "/t/acme/portal/dashboard/figures/"),
        ("API /api/v1/portal/dashboard", api, "/api/v1/portal/dashboard"),
        ("dashboard page, member limited to 1 engagement", limited, "/t/acme/portal/dashboard/"),
        ("items behind 'late', first page", admin, "/t/acme/portal/dashboard/items/?figure=late"),
        ("home dashboard (client section)", admin, "/t/acme/"),
    ]
    print(f"{'what':52} {'median ms':>10} {'p95 ms':>8}")
    for label, client, path in cases:
        med, p95 = timed(lambda c=client, p=path: get(c, p), args.runs)
        print(f"{label:52} {med:10.1f} {p95:8.1f}")
    figures_only(world)
    if connection.vendor == "postgresql":
        explain(world)


def _token(user, tenant) -> str:
    from backoffice.tenancy import services as tenancy

    _, secret = tenancy.issue_api_token(user=user, tenant=tenant, role="client_admin", name="b",
                                        days=1)  # fmt: skip
    return secret


def figures_only(world: dict) -> None:
    from django.core.cache import cache
    from django.db import connection, transaction

    from backoffice.core.rls import set_rls_tenants
    from backoffice.portal.dashboard import figures as fig
    from backoffice.tenancy.selectors import access_tenant

    access = access_tenant(user=world["admin"], slug="acme")

    def compute() -> None:
        with transaction.atomic():
            set_rls_tenants([access.tenant.pk])
            fig.compute(access)

    cache.clear()
    t = time.perf_counter()
    compute()
    cold = (time.perf_counter() - t) * 1000
    print(f"{'figures alone, first view of the hour (cold)':52} {cold:10.1f}")
    med, p95 = timed(compute, 20)
    print(f"{'figures alone (4 grouped queries, no HTTP)':52} {med:10.1f} {p95:8.1f}")
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        f = fig.compute(access)
    print(
        f"acme, last 30 days: {f.total_done:,} done, SLA met {f.sla_percent} %, "
        f"{f.total_open:,} open, QA accuracy {f.qa_percent} % ({connection.vendor})"
    )


def explain(world: dict) -> None:
    """Each query the figures send, with its plan's first lines and its execution time."""
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from backoffice.core.rls import set_rls_tenants
    from backoffice.portal.dashboard import figures as fig
    from backoffice.tenancy.selectors import access_tenant

    access = access_tenant(user=world["admin"], slug="acme")
    cache.clear()  # the cold view: every query
    with transaction.atomic():
        set_rls_tenants([access.tenant.pk])
        with CaptureQueriesContext(connection) as captured:
            fig.compute(access)
        print(f"the figures' {len(captured.captured_queries)} queries:")
        with connection.cursor() as cursor:
            for q in captured.captured_queries:
                sql = q["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [r[0] for r in cursor.fetchall()]
                took = next((ln for ln in plan if ln.startswith("Execution Time")), "")
                print(f"- {sql[:110]}…")
                print(f"    {plan[0][:110]}")
                scans = [ln.strip()[:110] for ln in plan if "Scan" in ln]
                for ln in scans[:3]:
                    print(f"    {ln}")
                print(f"    {took}")


if __name__ == "__main__":
    main()
