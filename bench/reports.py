"""Operations reports over a large work history: roll-up time and each page's time.

    .venv/bin/python bench/reports.py --events 10000000 --agents 500
    .venv/bin/python bench/reports.py --events 1000000 --agents 500 --runs 10

PostgreSQL only (creates and drops its own database, bo_bench_reports). Loads one provider,
4 clients with 5 engagements each, --agents agents on 10 teams (roster rows) and a year of
work ending 12 hours ago (so every event is in the past), written by `INSERT … SELECT
generate_series` as the work engine leaves it:
items arrive evenly over the year; 98 % (the older) went queued → in progress (held by one
agent, 5-45 minutes after a 0-10 h wait) → in review → done, 4 events each, some after their
8-hour due time; the newest 2 % are still queued (1 event). A QA review for 5 % of the done
items. --events is the number of item events (items = events ÷ 4, about).

Then: the full roll-up (`reports rollup --rebuild`), VACUUM ANALYZE, and the time of each
report page through Django's test client for the provider admin (all 20 engagements and
500 agents): median and 95th percentile of --runs renders, for the last 30 days and for a
whole year; the API; and an incremental roll-up after 10,000 more events (what the periodic
job does). Adherence is timed with one day of shifts for every agent. Asserts nothing about
speed; the target is each page under 500 ms at 10,000,000 events.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from work_common import create_database, drop_database, machine, migrate

NAME = "bo_bench_reports"
NOW = datetime.now(UTC).replace(microsecond=0)
YEAR = timedelta(days=365)


def setup(n_agents: int) -> dict:
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.tenancy import services as tenancy
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.work import services as work
    from backoffice.work.tests.factories import make_service_type
    from backoffice.workforce.models import AgentProfile

    with transaction.atomic():
        set_rls_bypass()
        provider = tenancy.create_organization(
            slug="provider", name="Provider", kind="provider", timezone_name="UTC",
            currency="USD",
        )  # fmt: skip
        st = make_service_type(provider, code="capture")
        engagements = []
        for c in range(4):
            client = tenancy.create_organization(
                slug=f"client{c}", name=f"Client {c}", kind="client", provider=provider,
                timezone_name="UTC", currency="USD",
            )  # fmt: skip
            cal = work.create_calendar(tenant=client, actor=None, name="hours", holiday_country="")
            for k in range(5):
                engagements.append(
                    work.create_engagement(
                        tenant=client,
                        actor=None,
                        service_type=st,
                        calendar=cal,
                        code=f"e{k}",
                        name=f"Engagement {c}.{k}",
                        sla_basis="elapsed",
                        sla_minutes=480,
                    )
                )  # fmt: skip
        admin = User.objects.create_user(username="admin", password="x")
        tenancy.add_member(organization=provider, user=admin, role=Role.PROVIDER_ADMIN)
        reviewer = User.objects.create_user(username="reviewer", password="x")
        User.objects.bulk_create(
            [User(username=f"agent{i:03d}", display_name=f"Agent {i}") for i in range(n_agents)]
        )
        agents = list(
            User.objects.filter(username__startswith="agent")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        AgentProfile.objects.bulk_create(
            [AgentProfile(tenant=provider, user_id=a, team=f"Team {i % 10}", timezone="UTC",
                          country="US") for i, a in enumerate(agents)]
        )  # fmt: skip
    return {"provider": provider, "engagements": engagements, "admin": admin,
            "reviewer": reviewer, "agents": agents}  # fmt: skip


def load(world: dict, n_items: int, first_id: int, start: datetime, span: timedelta) -> None:
    """`n_items` items with ids from `first_id`, arriving evenly over [start, start+span)."""
    from django.db import connection, transaction

    from backoffice.core.rls import set_rls_bypass

    engs = world["engagements"]
    eng_ids = "ARRAY[" + ",".join(str(e.pk) for e in engs) + "]::bigint[]"
    ten_ids = "ARRAY[" + ",".join(str(e.tenant_id) for e in engs) + "]::bigint[]"
    agents = "ARRAY[" + ",".join(map(str, world["agents"])) + "]::bigint[]"
    last, n_open = first_id + n_items - 1, max(1, n_items // 50)
    params = {
        "first": first_id, "last": last, "open_from": last - n_open + 1,
        "start": start, "step": span.total_seconds() / n_items,
    }  # fmt: skip
    items = f"""
    WITH g AS (
      SELECT i, ({eng_ids})[1 + mod(i, {len(engs)})] AS eng,
             ({ten_ids})[1 + mod(i, {len(engs)})] AS ten,
             %(start)s::timestamptz + (i - %(first)s) * %(step)s * interval '1 second' AS rec,
             mod(i * 37, 600) AS wait, 5 + mod(i * 7, 40) AS handle,
             ({agents})[1 + mod(i, {len(world["agents"])})] AS agent
      FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i)
    INSERT INTO work_workitem (id, tenant_id, engagement_id, external_ref, data, state,
      priority, skill, language, received_at, sla_due_at, paused_seconds, at_risk, breached,
      completed_at, assignee_id, claimed_at, last_activity_at)
    SELECT i, ten, eng, 'r' || i, '{{}}'::jsonb,
           CASE WHEN i >= %(open_from)s THEN 'queued' ELSE 'done' END, 5, '', '', rec,
           rec + interval '8 hours', 0, false, false,
           CASE WHEN i >= %(open_from)s THEN NULL
                ELSE rec + (wait + handle + 30) * interval '1 minute' END,
           CASE WHEN i >= %(open_from)s THEN NULL ELSE agent END,
           CASE WHEN i >= %(open_from)s THEN NULL ELSE rec + wait * interval '1 minute' END,
           rec
    FROM g"""
    events = """
    INSERT INTO work_workitemevent (tenant_id, item_id, actor_id, at, from_state, to_state,
      note, holder_id)
    SELECT w.tenant_id, w.id, CASE WHEN s.k IN (2, 3) THEN w.assignee_id
                                   WHEN s.k = 4 THEN %(reviewer)s END,
           CASE s.k WHEN 1 THEN w.received_at WHEN 2 THEN w.claimed_at
                    WHEN 3 THEN w.completed_at - interval '30 minutes'
                    ELSE w.completed_at END,
           (ARRAY['new','queued','in_progress','in_review'])[s.k],
           (ARRAY['queued','in_progress','in_review','done'])[s.k], '',
           CASE WHEN s.k = 2 THEN w.assignee_id END
    FROM work_workitem w
    JOIN generate_series(1, 4) AS s(k) ON s.k = 1 OR w.state = 'done'
    WHERE w.id BETWEEN %(first)s AND %(last)s
    ORDER BY w.id, s.k"""
    reviews = """
    INSERT INTO work_qareview (tenant_id, item_id, engagement_id, agent_id, reviewer_id,
      decision, fields_reviewed, fields_correct, note, reviewed_at)
    SELECT tenant_id, id, engagement_id, assignee_id, %(reviewer)s, 'accepted', 10,
           8 + mod(id, 3), '', completed_at
    FROM work_workitem WHERE id BETWEEN %(first)s AND %(last)s AND state = 'done'
      AND mod(id, 20) = 0"""
    params["reviewer"] = world["reviewer"].pk
    with transaction.atomic(), connection.cursor() as cursor:
        set_rls_bypass()
        cursor.execute(items, params)
        cursor.execute(events, params)
        cursor.execute(reviews, params)
        cursor.execute("SELECT setval(pg_get_serial_sequence('work_workitem', 'id'), %s)", [last])


def shifts(world: dict, day: date) -> None:
    """One 09:00-17:00 UTC shift on `day` for every agent (adherence has something to read)."""
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.workforce.models import Shift

    start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    with transaction.atomic():
        set_rls_bypass()
        Shift.objects.bulk_create(
            [Shift(tenant=world["provider"], agent_id=a, timezone="UTC", local_day=day,
                   starts_at=start, ends_at=start + timedelta(hours=8))
             for a in world["agents"]]
        )  # fmt: skip


def vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        for table in ("work_workitem", "work_workitemevent", "work_qareview",
                      "reports_itemhour", "reports_agenthour"):  # fmt: skip
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
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = ap.parse_args()
    url = create_database("postgresql", NAME)
    try:
        run(args, url)
    finally:
        if not args.keep:
            drop_database("postgresql", NAME)


def run(args: argparse.Namespace, url: str) -> None:
    migrate()
    logging.disable(logging.INFO)
    from django.db import connection

    from backoffice.reports import rollup

    print(f"# operations reports, postgresql; {machine()}")
    world = setup(args.agents)
    n_items = args.events // 4
    t = time.perf_counter()
    load(world, n_items, 1, NOW - YEAR, YEAR - timedelta(hours=12))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM work_workitemevent")
        n_events = cursor.fetchone()[0]
    print(f"loaded {n_items:,} items, {n_events:,} item events, {args.agents} agents "
          f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
    vacuum(url)
    t = time.perf_counter()
    result = rollup.roll_up(rebuild=True)
    took = time.perf_counter() - t
    print(
        f"full roll-up (rebuild): {result.events:,} events, {result.reviews:,} reviews, "
        f"{result.chunks} chunks in {took:.1f} s ({result.events / took:,.0f} events/s)"
    )
    yesterday = (NOW - timedelta(days=1)).date()
    shifts(world, yesterday)
    vacuum(url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_itemhour")
        item_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM reports_agenthour")
        agent_rows = cursor.fetchone()[0]
    print(f"roll-up rows: {item_rows:,} engagement-hours, {agent_rows:,} agent-hours")
    pages(world, args.runs, yesterday)
    incremental(world, n_items)


def pages(world: dict, runs: int, yesterday: date) -> None:
    from django.test import Client

    from backoffice.tenancy import services as tenancy

    web = Client()
    web.force_login(world["admin"])
    _, token = tenancy.issue_api_token(user=world["admin"], tenant=world["provider"],
                                       role="provider_admin", name="b", days=1)  # fmt: skip
    api = Client(headers={"Authorization": f"Bearer {token}"})
    year = f"start={(NOW - YEAR).date()}&end={NOW.date()}"
    day = f"start={yesterday}&end={yesterday}"
    base = "/t/provider/reports"
    cases = [(f"page {k}, last 30 days", web, f"{base}/{k}/")
             for k in ("sla", "backlog", "throughput", "productivity", "quality")]  # fmt: skip
    cases += [(f"page {k}, a year", web, f"{base}/{k}/?{year}")
              for k in ("sla", "throughput", "productivity", "quality")]  # fmt: skip
    cases += [
        ("page productivity, one team, 30 days", web, f"{base}/productivity/?team=Team+3"),
        ("page adherence, one day, all agents", web, f"{base}/adherence/?{day}"),
        ("page adherence, one day, one team", web, f"{base}/adherence/?{day}&team=Team+3"),
        ("CSV productivity, a year", web, f"{base}/productivity/?{year}&format=csv"),
        ("API sla, a year", api, f"/api/v1/reports/sla?{year}"),
        ("API productivity, 30 days", api, "/api/v1/reports/productivity"),
    ]

    def get(client: Client, path: str) -> None:
        res = client.get(path)
        assert res.status_code == 200, (path, res.status_code, res.content[:300])

    print(f"{'what':44} {'median ms':>10} {'p95 ms':>8}")
    for label, client, path in cases:
        n = max(3, runs // 3) if "adherence" in label else runs
        med, p95 = timed(lambda c=client, p=path: get(c, p), n)
        print(f"{label:44} {med:10.1f} {p95:8.1f}")


def incremental(world: dict, n_items: int) -> None:
    """2,500 more items (about 10,000 events), then the periodic roll-up adds them."""
    from backoffice.reports import rollup

    load(world, 2_500, n_items + 1, NOW - timedelta(hours=12), timedelta(minutes=50))
    t = time.perf_counter()
    result = rollup.roll_up()
    took = (time.perf_counter() - t) * 1000
    print(f"incremental roll-up: {result.events:,} new events, {result.reviews} reviews "
          f"in {took:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
