"""A billing run over a month of completed work, end to end, and the month-to-date estimate.

    .venv/bin/python bench/billing_run.py --db postgresql --items 1000000 --clients 200 \
        --engagements 500
    .venv/bin/python bench/billing_run.py --db sqlite --items 100000 --clients 20 --engagements 50

Creates and drops its own database (PostgreSQL: bo_bench_billing; SQLite: /tmp). Loads the
clients, engagements and contracts through the services (each contract: two rate-card
versions with a change on the 16th, a graduated capture charge, a rush surcharge, agent
time, a minimum commitment, two service levels), then the month's finished items and
their events in bulk (COPY on PostgreSQL) as the work engine leaves them. Times the run
(every contract metered, priced and drafted), approving and issuing every invoice into
the provider's and the clients' books, and then the month-to-date estimate of one client
with --estimate-items items. Prints figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from datetime import UTC, date, datetime, timedelta

from work_common import create_database, drop_database, machine, migrate

NAME = "bo_bench_billing"
MONTH = date(2026, 11, 1)


def setup(clients: int, engagements: int) -> tuple:
    from backoffice.billing import services
    from backoffice.billing.services import ChargeIn, ServiceLevelIn, TierIn
    from backoffice.ledger.services import apply_chart_template
    from backoffice.tenancy import services as tenancy
    from backoffice.work import services as work
    from backoffice.work.tests.factories import make_service_type

    provider = tenancy.create_organization(
        slug="provider", name="Provider", kind="provider", provider=None,
        timezone_name="UTC", currency="USD",
    )  # fmt: skip
    apply_chart_template(tenant=provider, template="general")
    st = make_service_type(provider, code="capture")
    per_client = [engagements // clients + (1 if i < engagements % clients else 0)
                  for i in range(clients)]  # fmt: skip
    out = []
    for i in range(clients):
        client = tenancy.create_organization(
            slug=f"c{i:04d}", name=f"Client {i:04d}", kind="client", provider=provider,
            timezone_name="Europe/Berlin", currency="USD",
        )  # fmt: skip
        cal = work.create_calendar(tenant=client, actor=None, name="hours", holiday_country="")
        engs = [
            work.create_engagement(
                tenant=client, actor=None, service_type=st, calendar=cal, code=f"e{k}"
            )
            for k in range(max(1, per_client[i]))
        ]
        contract = services.create_contract(
            tenant=provider, actor=None, client_id=client.pk, code=f"k{i:04d}",
            name=f"Contract {i:04d}", currency="USD", engagement_ids=[e.pk for e in engs],
            calendar_id=cal.pk,
        )  # fmt: skip
        levels = [ServiceLevelIn(engs[0].pk, "on_time", 95, 40),
                  ServiceLevelIn(engs[0].pk, "field_accuracy", "99.5", 30)]  # fmt: skip
        for start, end, t1, t2 in ((date(2026, 10, 1), date(2026, 11, 15), 20, 15),
                                   (date(2026, 11, 16), None, 18, 12)):  # fmt: skip
            services.add_version(
                tenant=provider, actor=None, contract_id=contract.pk, effective_from=start,
                effective_to=end, minimum_commitment=50_000, at_risk_percent=10,
                pool_cap_percent=5, service_levels=levels,
                charges=[
                    ChargeIn("capture", "Capture", "items", "graduated",
                             tiers=[TierIn(0, 1000, t1), TierIn(1000, None, t2)]),
                    ChargeIn("rush", "Rush", "items", unit_rate=5, min_priority=8),
                    ChargeIn("time", "Agent time", "handle_hours", unit_rate=2500),
                ],
            )  # fmt: skip
        out.append((client, engs))
    return provider, out


def load_items(clients: list, items: int) -> None:
    """The month's finished items and three events each, in bulk."""
    from django.db import connection, transaction

    from backoffice.work.models import WorkItem, WorkItemEvent

    rng = random.Random(3)
    engs = [e for _, es in clients for e in es]
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    rows, events = [], []
    next_id = 1
    for n in range(items):
        e = engs[n % len(engs)]
        done = start + timedelta(minutes=rng.randrange(0, 27 * 24 * 60))
        rows.append((next_id, e, done, 9 if n % 10 == 0 else 5))
        next_id += 1
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy(rows)
            return
        WorkItem.objects.bulk_create(
            [WorkItem(id=i, tenant_id=e.tenant_id, engagement=e, external_ref=f"r{i}",
                      data={"name": "x", "amount": 1}, output={"result": "ok", "total": 12.5},
                      state="done", priority=p, received_at=d - timedelta(hours=1),
                      sla_due_at=d + timedelta(hours=2), completed_at=d)
             for i, e, d, p in rows], batch_size=5000,
        )  # fmt: skip
        for i, e, d, _ in rows:
            for at, a, b in ((d - timedelta(hours=1), "new", "queued"),
                             (d - timedelta(minutes=7), "queued", "in_progress"),
                             (d, "in_progress", "done")):  # fmt: skip
                events.append(WorkItemEvent(tenant_id=e.tenant_id, item_id=i, at=at,
                                            from_state=a, to_state=b))  # fmt: skip
        WorkItemEvent.objects.bulk_create(events, batch_size=5000)


def _copy(rows: list) -> None:
    from django.db import connection

    from backoffice.core.pgcopy import copy_lines

    def items():
        for i, e, d, p in rows:
            yield (f"{i}\t{e.tenant_id}\t{e.pk}\tr{i}\t{{\"name\": \"x\", \"amount\": 1}}\t"
                   f"{{\"result\": \"ok\", \"total\": 12.5}}\tdone\t{p}\t\t\t"
                   f"{(d - timedelta(hours=1)).isoformat()}\t{(d + timedelta(hours=2)).isoformat()}"
                   f"\t0\tf\tf\t{d.isoformat()}\n")  # fmt: skip

    def events():
        for i, e, d, _ in rows:
            for at, a, b in ((d - timedelta(hours=1), "new", "queued"),
                             (d - timedelta(minutes=7), "queued", "in_progress"),
                             (d, "in_progress", "done")):  # fmt: skip
                yield f"{e.tenant_id}\t{i}\t{at.isoformat()}\t{a}\t{b}\t\n"

    cols = (
        "id, tenant_id, engagement_id, external_ref, data, output, state, priority, skill, "
        "language, received_at, sla_due_at, paused_seconds, at_risk, breached, completed_at"
    )
    event_cols = "tenant_id, item_id, at, from_state, to_state, note"
    with connection.cursor() as cursor:
        copy_lines(cursor, "work_workitem", cols, items())
        copy_lines(cursor, "work_workitemevent", event_cols, events())
        cursor.execute("SELECT setval(pg_get_serial_sequence('work_workitem', 'id'), %s)",
                       [len(rows) + 1])  # fmt: skip
        cursor.execute("ANALYZE work_workitem; ANALYZE work_workitemevent")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["postgresql", "sqlite"], default="sqlite")
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--engagements", type=int, default=50)
    ap.add_argument("--estimate-items", type=int, default=0, help="default: items / clients")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--profile", action="store_true", help="print where the run's time goes")
    args = ap.parse_args()
    create_database(args.db, NAME)
    migrate()
    from backoffice.billing import selectors, services
    from backoffice.billing.models import BillingInvoice
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.selectors import TenantAccess

    t0 = time.perf_counter()
    provider, clients = setup(args.clients, args.engagements)
    t1 = time.perf_counter()
    load_items(clients, args.items)
    t2 = time.perf_counter()
    profile = cProfile.Profile() if args.profile else None
    if profile is not None:
        profile.enable()
    run = services.run_billing(tenant=provider, actor=None, period=MONTH)
    t3 = time.perf_counter()
    if profile is not None:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    for inv in BillingInvoice.objects.for_tenant(provider).filter(run=run):
        services.approve_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
        services.issue_invoice(tenant=provider, actor=None, invoice_id=inv.pk)
    t4 = time.perf_counter()
    again = time.perf_counter()
    services.run_billing(tenant=provider, actor=None, period=MONTH)
    again = time.perf_counter() - again
    # the month-to-date estimate: the next month's items of one client, unbilled
    est_items = args.estimate_items or max(1, args.items // args.clients)
    client, engs = clients[0]
    load_december(engs, est_items)
    from django.db import connection

    with connection.cursor() as cursor:  # statistics fresh, as autovacuum would keep them
        cursor.execute("ANALYZE work_workitem")
        cursor.execute("ANALYZE work_workitemevent")
    user = User.objects.create_user(username="fin", password="x")
    access = TenantAccess(user, provider, Role.FINANCE)
    contract = selectors.contracts(access, client_id=client.pk).get()
    now = datetime(2026, 12, 28, 12, 0, tzinfo=UTC)
    selectors.month_to_date(access, contract.pk, now=now)  # warm
    t5 = time.perf_counter()
    estimate = selectors.month_to_date(access, contract.pk, now=now)
    t6 = time.perf_counter()
    print(f"machine: {machine()}; database: {args.db}")
    print(f"set-up through the services: {args.clients} clients, {args.engagements} "
          f"engagements, {args.clients} contracts: {t1 - t0:.1f} s")  # fmt: skip
    print(f"loaded {args.items:,} finished items (3 events each): {t2 - t1:.1f} s")
    print(f"billing run (meter, price, draft {run.invoices_created} invoices): {t3 - t2:.1f} s")
    print(f"approve + issue into both books: {t4 - t3:.1f} s; end to end {t4 - t2:.1f} s")
    print(f"the same month again: {again * 1000:.0f} ms")
    print(f"month-to-date estimate, {est_items:,} items of one client: "
          f"{(t6 - t5) * 1000:.0f} ms (total {estimate.total})")  # fmt: skip
    if not args.keep:
        drop_database(args.db, NAME)


def load_december(engs: list, n: int) -> None:
    from django.db import transaction

    from backoffice.work.models import WorkItem

    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    base = 50_000_000
    with transaction.atomic():
        WorkItem.objects.bulk_create(
            [WorkItem(id=base + k, tenant_id=engs[0].tenant_id, engagement=engs[k % len(engs)],
                      external_ref=f"dec{k}", data={"name": "x", "amount": 1},
                      output={"result": "ok"}, state="done", priority=5,
                      received_at=start, sla_due_at=start + timedelta(days=30),
                      completed_at=start + timedelta(seconds=20 * k))
             for k in range(n)], batch_size=5000,
        )  # fmt: skip


if __name__ == "__main__":
    main()
