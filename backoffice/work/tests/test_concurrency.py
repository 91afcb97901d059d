"""Concurrent agents: every item is claimed exactly once (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work import services
from backoffice.work.models import State, WorkItem
from backoffice.work.services import ItemInput


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_agents_claim_every_item_exactly_once(engagement_a, engagement_b):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED concurrency needs PostgreSQL (SQLite: see test_services)")
    # given 120 items over two clients and six agents serving both
    for engagement in (engagement_a, engagement_b):
        services.submit_items(
            engagement=engagement,
            actor=None,
            rows=[
                ItemInput(f"{engagement.code}-{i}", {"name": "n", "amount": i}) for i in range(60)
            ],
        )
    agents = []
    for n in range(6):
        user = UserFactory.create(username=f"worker{n}")
        for engagement in (engagement_a, engagement_b):
            make_member(engagement.tenant, user, Role.AGENT)
        agents.append(user)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(agents))

    def work(agent) -> None:
        mine: list[int] = []
        try:
            start.wait()
            while (item := services.claim_next_item(agent=agent)) is not None:
                mine.append(item.pk)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            claimed[agent.username] = mine
            connection.close()

    threads = [threading.Thread(target=work, args=(a,)) for a in agents]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert not errors
    all_ids = [pk for ids in claimed.values() for pk in ids]
    assert len(all_ids) == 120 == len(set(all_ids))
    tenants = [engagement_a.tenant_id, engagement_b.tenant_id]
    held = WorkItem.objects.for_tenants(tenants).filter(state=State.IN_PROGRESS)
    assert held.count() == 120
    assert sum(1 for ids in claimed.values() if ids) > 1
    # and every lane the claims wrote to is an intact chain
    from backoffice.audit.models import AuditEvent
    from backoffice.audit.verify import verify_all

    lanes = set(
        AuditEvent.objects.for_tenants(tenants)
        .filter(action="work.item_claimed")
        .values_list("lane", flat=True)
    )
    busy = [a for a in agents if claimed[a.username]]
    assert lanes == {services.claim_lane(a) for a in busy} and 0 not in lanes
    assert verify_all() == []
