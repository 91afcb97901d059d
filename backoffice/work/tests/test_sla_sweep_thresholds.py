"""The SLA sweep reads stored thresholds (issue 18): worked by hand on a business calendar.

Client A's calendar: Europe/Berlin (UTC+2 in June 2026), Monday to Friday 09:00-17:00, no
holidays. The engagement's SLA is 480 minutes of business time, at risk at 75% = 6 hours.
1 June 2026 is a Monday.
"""

from __future__ import annotations

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backoffice.audit.models import AuditEvent
from backoffice.work import services
from backoffice.work.models import Engagement, WorkItem
from backoffice.work.services.sla_sweep import breach_crossings, risk_crossings
from backoffice.work.sla import at_risk_at
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN)


def _at(when: datetime):
    return mock.patch("django.utils.timezone.now", return_value=when)


def _flags(item: WorkItem) -> tuple[bool, bool]:
    item.refresh_from_db()
    return item.at_risk, item.breached


def test_intake_stores_the_at_risk_instant_beside_the_due_time(engagement_a):
    with _at(local(1, 15)):
        item = submit(engagement_a, "mon-15")
    # 6h of business time from Mon 15:00: Mon 15-17 (2h) + Tue 09-13 (4h) -> Tue 13:00.
    # 8h: Mon 2h + Tue 09-15 (6h) -> Tue 15:00.
    assert item.sla_at_risk_at == local(2, 13)
    assert item.sla_due_at == local(2, 15)


def test_bulk_intake_stores_it_too(engagement_a, user_a):
    rows = [
        services.ItemInput(external_ref=f"b-{n}", data={"name": "x", "amount": 1}) for n in (1, 2)
    ]
    with _at(local(5, 14)):  # Friday 14:00
        services.submit_items(engagement=engagement_a, actor=user_a, rows=rows)
    items = WorkItem.objects.for_tenant(engagement_a.tenant).filter(external_ref__startswith="b-")
    # Fri 14-17 (3h) + Mon 8 June 09-12 (3h) -> Mon 12:00; due: + Mon 12-14 -> Mon 14:00.
    assert {(i.sla_at_risk_at, i.sla_due_at) for i in items} == {(local(8, 12), local(8, 14))}


def test_a_paused_item_moves_its_thresholds_and_the_sweep_follows_them(
    engagement_a, agent, user_a, lead
):
    services.add_team_member(engagement=engagement_a, user=lead, actor=None, is_lead=True)
    services.add_team_member(engagement=engagement_a, user=agent, actor=None)
    with _at(local(1, 15)):
        item = submit(engagement_a, "paused")  # at risk Tue 13:00, due Tue 15:00
    with _at(local(2, 10)):  # 3h used (Mon 2h + Tue 1h)
        claimed = services.claim_next_item(agent=agent)
        assert claimed is not None and claimed.pk == item.pk
        question = services.ask_client(item=claimed, actor=agent, question="Which policy?")
    # Waiting on the client: past its old at-risk and due instants, the clock stands still.
    sweep = services.refresh_sla_flags(now=local(2, 16))
    assert (sweep.at_risk, sweep.breached) == (0, 0) and _flags(item) == (False, False)
    with _at(local(3, 11)):  # answered Wed 11:00: paused Tue 10-17 (7h) + Wed 09-11 (2h)
        services.answer_question(question=question, actor=user_a, body="Policy 7")
    item.refresh_from_db()
    assert item.paused_seconds == 9 * 3600
    # 6h + 9h = 15h from Mon 15:00: Mon 2h, Tue 8h, Wed 09-14 (5h) -> Wed 14:00.
    # 8h + 9h = 17h: Mon 2h, Tue 8h, Wed 09-16 (7h) -> Wed 16:00.
    assert (item.sla_at_risk_at, item.sla_due_at) == (local(3, 14), local(3, 16))
    assert services.refresh_sla_flags(now=local(3, 13, 59)).at_risk == 0
    sweep = services.refresh_sla_flags(now=local(3, 14))
    assert (sweep.at_risk, sweep.breached, sweep.notified) == (1, 0, ["lead"])
    assert _flags(item) == (True, False)
    assert services.refresh_sla_flags(now=local(3, 15, 59)).breached == 0
    sweep = services.refresh_sla_flags(now=local(3, 16))
    assert (sweep.at_risk, sweep.breached) == (0, 1) and _flags(item) == (True, True)
    # Flagged once: later sweeps find nothing new, and each flagging wrote one alert.
    assert services.refresh_sla_flags(now=local(4, 12)).breached == 0
    alerts = AuditEvent.objects.for_tenant(engagement_a.tenant).filter(action="work.sla_alert")
    assert [a.after["at_risk"] for a in alerts.order_by("id")] == [[item.pk], []]
    assert [a.after["breached"] for a in alerts.order_by("id")] == [[], [item.pk]]


def test_over_a_weekend_and_straight_past_both_thresholds(engagement_a):
    with _at(local(5, 14)):  # Friday 14:00: at risk Mon 12:00, due Mon 14:00
        friday = submit(engagement_a, "fri")
    sweep = services.refresh_sla_flags(now=local(7, 20))  # Sunday evening: 3h used
    assert (sweep.at_risk, sweep.breached) == (0, 0)
    # A sweep that first runs after the due time flags the item breached (and at risk) at once.
    sweep = services.refresh_sla_flags(now=local(8, 14))
    assert (sweep.at_risk, sweep.breached) == (0, 1) and _flags(friday) == (True, True)


def test_open_items_written_without_the_instant_get_it_from_the_sweep(engagement_a):
    with _at(local(1, 9)):
        old = submit(engagement_a, "old")  # at risk Mon 15:00, due Mon 17:00
        later = submit(engagement_a, "later")
    # As rows from before migration 0014 (or written straight to the table) look.
    WorkItem.objects.for_tenant(engagement_a.tenant).update(sla_at_risk_at=None)
    WorkItem.objects.for_tenant(engagement_a.tenant).filter(pk=later.pk).update(
        received_at=local(1, 12), sla_due_at=local(2, 12)
    )
    sweep = services.refresh_sla_flags(now=local(1, 15))
    assert (sweep.at_risk, sweep.breached) == (1, 0) and _flags(old) == (True, False)
    later.refresh_from_db()
    # 6h from Mon 12:00: Mon 12-17 (5h) + Tue 09-10 -> Tue 10:00; stored, not yet flagged.
    assert later.sla_at_risk_at == local(2, 10) and not later.at_risk


def test_the_at_risk_instant_on_the_wall_clock(engagement_a):
    engagement = Engagement(sla_minutes=100, at_risk_percent=75, sla_basis="elapsed")
    assert at_risk_at(engagement, local(6, 23), 60) == local(7, 0, 16)  # 75 min + 1 min paused
    assert engagement_a.sla_basis == "business"


def _measure(engagement, backlog: int) -> tuple[int, list[str]]:
    """Two items crossing at-risk plus `backlog` items far from it; the sweep's queries."""
    with transaction.atomic():
        with _at(local(1, 9)):
            for n in range(2):
                submit(engagement, f"crossing-{n}")  # at risk Mon 15:00
        with _at(local(1, 16)):
            for n in range(backlog):
                submit(engagement, f"backlog-{n}")  # at risk Tue 14:00
        with CaptureQueriesContext(connection) as captured:
            sweep = services.refresh_sla_flags(now=local(1, 15, 30))
        assert (sweep.at_risk, sweep.breached) == (2, 0)
        transaction.set_rollback(True)
    return len(captured), [q["sql"] for q in captured.captured_queries]


def test_the_sweep_reads_only_items_crossing_a_threshold(engagement_a):
    few, _ = _measure(engagement_a, 3)
    many, sqls = _measure(engagement_a, 60)
    assert many == few
    item_reads = [s for s in sqls if 'FROM "work_workitem"' in s and "UPDATE" not in s]
    assert len(item_reads) == 3
    # Every read of items is bounded by a threshold (or by a missing one), never the backlog.
    bounded = ('"sla_at_risk_at" <=', '"sla_due_at" <=', '"sla_at_risk_at" IS NULL')
    assert all(any(b in s for b in bounded) for s in item_reads), item_reads


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_postgresql_serves_both_reads_from_the_partial_indexes(engagement_a):
    tenants = [engagement_a.tenant_id]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    now = local(1, 15)
    assert "work_item_sla_risk" in risk_crossings(tenants, now).explain()
    assert "work_item_sla_breach" in breach_crossings(tenants, now).explain()


def test_migration_0014_fills_open_items_and_leaves_closed_ones(engagement_a, agent):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    from backoffice.core.scoping import unscoped_queries

    migration = importlib.import_module("backoffice.work.migrations.0014_sla_thresholds")
    with _at(local(1, 9)):
        open_item = submit(engagement_a, "open")  # at risk Mon 15:00
        closed = submit(engagement_a, "closed")
    items = WorkItem.objects.for_tenant(engagement_a.tenant)
    items.filter(pk=closed.pk).update(state="cancelled")
    items.update(sla_at_risk_at=None)
    with unscoped_queries():  # the migration's historical models have plain managers
        migration.fill_at_risk(apps, SimpleNamespace(connection=connection))
    assert items.get(pk=open_item.pk).sla_at_risk_at == local(1, 15)
    assert items.get(pk=closed.pk).sla_at_risk_at is None
