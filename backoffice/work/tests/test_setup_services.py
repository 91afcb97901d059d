"""The edit services behind the set-up pages: refusals in words, only real changes audited."""

from __future__ import annotations

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import Conflict, DomainError
from backoffice.work import services
from backoffice.work.error_codes import ErrorCode
from backoffice.work.models import Queue

pytestmark = pytest.mark.django_db


def _events(tenant, action: str):
    return AuditEvent.objects.for_tenant(tenant).filter(action=action)


def test_saving_an_engagement_unchanged_writes_no_event(engagement_a, client_a):
    services.update_engagement(
        engagement=engagement_a,
        actor=None,
        name=engagement_a.name,
        sla_minutes=engagement_a.sla_minutes,
    )
    assert not _events(client_a, "work.engagement_changed").exists()


def test_an_engagement_refuses_another_clients_calendar(engagement_a, client_b):
    theirs = services.create_calendar(tenant=client_b, actor=None, name="B")
    with pytest.raises(DomainError) as exc:
        services.update_engagement(engagement=engagement_a, actor=None, calendar=theirs)
    assert exc.value.status == 404
    engagement_a.refresh_from_db()
    assert engagement_a.calendar_id != theirs.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sla_minutes": 0}, "sla_minutes"),
        ({"sla_target_percent": 101}, "sla_target_percent"),
        ({"at_risk_percent": 0}, "at_risk_percent"),
        ({"sla_basis": "lunar"}, "sla_basis"),
        ({"priority_rules": [{"field": "amount", "gte": 1, "priority": 10}]}, "priority_rules"),
        ({"priority_rules": [{"field": "amount", "priority": 3}]}, "priority_rules"),
    ],
)
def test_engagement_settings_the_database_would_refuse_are_refused_in_words(
    engagement_a, client_a, changes, field
):
    with pytest.raises(DomainError) as exc:
        services.update_engagement(engagement=engagement_a, actor=None, **changes)
    assert list(exc.value.fields) == [field]
    assert not _events(client_a, "work.engagement_changed").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"qa_sample_percent": 150}, "qa_sample_percent"),
        ({"default_sla_minutes": 0}, "default_sla_minutes"),
        ({"billing_unit": "parsec"}, "billing_unit"),
        ({"workflow": []}, "workflow"),
        ({"workflow": [{"step": "capture", "role": "wizard"}]}, "workflow"),
        ({"output_schema": {"type": "array"}}, "output_schema"),
        ({"name": "  "}, "name"),
    ],
)
def test_service_type_settings_are_refused_beside_their_field(
    service_type, provider, changes, field
):
    with pytest.raises(DomainError) as exc:
        services.update_service_type(service_type=service_type, actor=None, **changes)
    assert list(exc.value.fields) == [field]
    assert not _events(provider, "work.service_type_changed").exists()


def test_a_service_type_code_cannot_be_changed(service_type):
    with pytest.raises(DomainError):
        services.update_service_type(service_type=service_type, actor=None, code="other")


def test_a_service_type_edit_leaves_open_engagements_on_their_snapshot(service_type, engagement_a):
    services.update_service_type(service_type=service_type, actor=None, qa_sample_percent=50)
    engagement_a.refresh_from_db()
    assert engagement_a.qa_sample_percent == 0


def test_calendar_update_refuses_unusable_settings_and_writes_nothing(client_a):
    cal = services.create_calendar(tenant=client_a, actor=None, name="Main", holiday_country="")
    with pytest.raises(DomainError) as exc:
        services.update_calendar(
            calendar=cal,
            actor=None,
            name="Main",
            timezone_name="Mars/Olympus",
            working_hours={"mon": [["09:00", "17:00"]]},
            holiday_country="",
            holiday_subdivision="",
            closures=[],
        )
    assert exc.value.code == ErrorCode.INVALID_CALENDAR
    cal.refresh_from_db()
    assert cal.timezone == client_a.timezone


def test_define_queue_refuses_a_used_code_and_a_bad_priority(provider):
    services.define_queue(provider=provider, actor=None, code="q", name="Q")
    with pytest.raises(Conflict) as used:
        services.define_queue(provider=provider, actor=None, code="q", name="Again")
    assert list(used.value.fields) == ["code"]
    with pytest.raises(DomainError) as low:
        services.define_queue(provider=provider, actor=None, code="r", name="R", min_priority=10)
    assert list(low.value.fields) == ["min_priority"]
    assert Queue.objects.for_tenant(provider).count() == 1


def test_queues_belong_to_the_provider(client_a):
    with pytest.raises(DomainError) as exc:
        services.define_queue(provider=client_a, actor=None, code="q", name="Q")
    assert exc.value.code == ErrorCode.NOT_PROVIDER
