"""The audit chain: intact after real changes, and verify names the first broken link."""

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from backoffice.audit.models import AuditEvent
from backoffice.audit.verify import verify_all, verify_tenant_chain
from backoffice.tenancy import services
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory

sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="PostgreSQL refuses the edit itself"
)


def _grow_chain(tenant, n=5):
    for i in range(n):
        user = UserFactory.create(username=f"member{i}")
        services.add_member(organization=tenant, user=user, role=Role.CLIENT_USER)


@pytest.mark.django_db
def test_chain_links_each_event_to_the_previous(client_a):
    _grow_chain(client_a)
    events = list(AuditEvent.objects.for_tenant(client_a).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for prev, cur in itertools.pairwise(events):
        assert cur.prev_hash == prev.hash
    assert verify_all() == []
    call_command("audit", "verify")


@pytest.mark.django_db
def test_events_are_per_tenant_chains(client_a, client_b):
    _grow_chain(client_a, 2)
    assert AuditEvent.objects.for_tenant(client_b).order_by("seq").first().seq == 1


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@sqlite_only
@pytest.mark.django_db
def test_verify_detects_an_edited_event(client_a):
    _grow_chain(client_a)
    target = AuditEvent.objects.for_tenant(client_a).get(seq=3)
    _raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["tampered", target.pk])
    broken = verify_tenant_chain(client_a.pk)
    assert broken is not None and broken.seq == 3 and "edited" in broken.problem
    with pytest.raises(CommandError):
        call_command("audit", "verify")


@sqlite_only
@pytest.mark.django_db
def test_verify_detects_a_deleted_event(client_a):
    _grow_chain(client_a)
    target = AuditEvent.objects.for_tenant(client_a).get(seq=4)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    broken = verify_tenant_chain(client_a.pk)
    assert broken is not None and broken.seq == 4 and "deleted" in broken.problem


@sqlite_only
@pytest.mark.django_db
def test_verify_detects_a_deleted_last_event(client_a):
    _grow_chain(client_a)
    last = AuditEvent.objects.for_tenant(client_a).order_by("-seq").first()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    broken = verify_tenant_chain(client_a.pk)
    assert broken is not None and broken.seq == last.seq


@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_audit_rows(client_a):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    target = AuditEvent.objects.for_tenant(client_a).first()
    for sql in [
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(sql, [target.pk])
    assert verify_tenant_chain(client_a.pk) is None


@pytest.mark.django_db
def test_event_written_in_the_same_transaction_as_the_change(client_a):
    before = AuditEvent.objects.for_tenant(client_a).count()
    user = UserFactory.create(username="rolled-back")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.add_member(organization=client_a, user=user, role=Role.CLIENT_USER)
        raise RuntimeError("the change fails after the event was written")
    assert AuditEvent.objects.for_tenant(client_a).count() == before


def _lane_events(tenant, lane, n):
    from backoffice.audit.services import record_event

    for i in range(n):
        record_event(tenant=tenant, actor=None, action=f"test.lane{lane}.{i}", lane=lane)


@pytest.mark.django_db
def test_lanes_are_separate_chains_verified_one_by_one(client_a):
    # given: lane 0 and lane 3 growing side by side
    _grow_chain(client_a, 2)
    _lane_events(client_a, 3, 3)
    _grow_chain(client_a, 0)
    _lane_events(client_a, 0, 1)
    # then: each lane numbers from 1 and links to its own previous event
    lane3 = list(AuditEvent.objects.for_tenant(client_a).filter(lane=3).order_by("seq"))
    assert [e.seq for e in lane3] == [1, 2, 3]
    assert [e.number for e in lane3] == ["3.1", "3.2", "3.3"]
    for prev, cur in itertools.pairwise(lane3):
        assert cur.prev_hash == prev.hash
    lane0 = AuditEvent.objects.for_tenant(client_a).filter(lane=0).order_by("seq")
    assert [e.seq for e in lane0] == list(range(1, lane0.count() + 1))
    assert verify_all() == []


@sqlite_only
@pytest.mark.django_db
def test_verify_names_the_lane_of_a_broken_link(client_a):
    # given
    _grow_chain(client_a, 2)
    _lane_events(client_a, 3, 3)
    target = AuditEvent.objects.for_tenant(client_a).get(lane=3, seq=2)
    # when
    _raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["tampered", target.pk])
    # then
    broken = verify_tenant_chain(client_a.pk)
    assert broken is not None and (broken.lane, broken.seq) == (3, 2)
    assert "lane 3 event #2" in str(broken)
