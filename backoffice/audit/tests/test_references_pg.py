"""PostgreSQL: the statement trigger that checks audit events' tenant and actor, and the
guards that keep organizations and users that events name from being deleted."""

import pytest
from django.db import DatabaseError, connection, transaction

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import record_event
from backoffice.tenancy.tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="reference triggers are PostgreSQL's"
    ),
]

EVENT_SQL = (
    "INSERT INTO audit_auditevent (tenant_id, lane, seq, at, actor_id, action, object_type, "
    "object_id, request_id, prev_hash, hash) "
    "VALUES (%s, 9, 1, now(), %s, 'test', '', '', '', '', '')"
)


def _refused(sql: str, params: list, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("SELECT set_config('app.rls_bypass', 'on', true)")
        cur.execute(sql, params)


def test_an_event_naming_a_missing_organization_or_user_is_refused(client_a):
    user = UserFactory.create()
    _refused(EVENT_SQL, [999_999, user.pk], "missing organization")
    _refused(EVENT_SQL, [client_a.pk, 999_999], "missing user")
    assert not AuditEvent.objects.for_tenant(client_a).filter(lane=9).exists()


def test_an_organization_or_user_that_events_name_cannot_be_deleted(client_a):
    # given
    user = UserFactory.create()
    record_event(tenant=client_a, actor=user, action="test.named")
    # when / then
    _refused("DELETE FROM tenancy_user WHERE id = %s", [user.pk], "named by audit events")
    _refused(
        "DELETE FROM tenancy_organization WHERE id = %s", [client_a.pk], "named by audit events"
    )
