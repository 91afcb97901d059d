"""PostgreSQL: the statement triggers that replace per-row foreign keys on items and events."""

import pytest
from django.db import DatabaseError, connection, transaction

from backoffice.work.models import WorkItem
from backoffice.work.tests.factories import submit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="reference triggers are PostgreSQL's"
    ),
]

ITEM_SQL = (
    "INSERT INTO work_workitem (tenant_id, engagement_id, external_ref, data, state, priority, "
    "skill, language, received_at, sla_due_at, paused_seconds, at_risk, breached) "
    "VALUES (%s, %s, %s, '{}', 'queued', 0, '', '', now(), now(), 0, false, false)"
)
EVENT_SQL = (
    "INSERT INTO work_workitemevent (tenant_id, item_id, at, from_state, to_state, note) "
    "VALUES (%s, %s, now(), 'new', 'queued', '')"
)


def _refused(sql: str, params: list, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, params)


def test_item_of_another_tenants_engagement_is_refused(client_a, engagement_a, engagement_b):
    # given: a well-formed row that points at client B's engagement from client A
    # when / then
    _refused(ITEM_SQL, [client_a.pk, engagement_b.pk, "X-1"], "another tenant")
    _refused(ITEM_SQL, [client_a.pk, 999_999, "X-2"], "missing engagement")
    assert not WorkItem.objects.for_tenant(client_a).exists()


def test_event_of_another_tenants_item_is_refused(client_a, engagement_a, engagement_b):
    # given
    foreign = submit(engagement_b, "B-1")
    # when / then
    _refused(EVENT_SQL, [client_a.pk, foreign.pk], "another tenant")


def test_references_never_move_and_used_rows_stay(engagement_a, engagement_b):
    # given
    item = submit(engagement_a, "A-1")
    # when / then: an item cannot be moved to another engagement or tenant
    _refused(
        "UPDATE work_workitem SET engagement_id = %s WHERE id = %s",
        [engagement_b.pk, item.pk],
        "cannot be changed",
    )
    _refused(
        "UPDATE work_workitemevent SET item_id = %s WHERE item_id = %s",
        [item.pk + 1000, item.pk],
        "cannot be changed",
    )
    # and an engagement or item that is referenced cannot be deleted behind Django's back
    _refused("DELETE FROM work_engagement WHERE id = %s", [engagement_a.pk], "still referenced")
    _refused("DELETE FROM work_workitem WHERE id = %s", [item.pk], "still referenced")
    item.refresh_from_db()
    assert item.engagement_id == engagement_a.pk
