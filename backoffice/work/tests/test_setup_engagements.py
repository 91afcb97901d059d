"""Engagements and queues through the set-up pages."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work import services
from backoffice.work.models import Engagement, Queue

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _events(tenant, action: str):
    return AuditEvent.objects.for_tenant(tenant).filter(action=action)


@pytest.fixture
def web_admin(provider_admin, client_a, client_b) -> Client:
    return _login(provider_admin)


@pytest.fixture
def ops_a(provider, client_a):
    user = UserFactory.create(username="ops-a")
    make_member(provider, user, Role.OPERATIONS_MANAGER)
    make_member(client_a, user, Role.OPERATIONS_MANAGER)
    return user


@pytest.fixture
def calendar_a(client_a):
    return services.create_calendar(tenant=client_a, actor=None, name="A hours", holiday_country="")


@pytest.fixture
def calendar_b(client_b):
    return services.create_calendar(tenant=client_b, actor=None, name="B hours", holiday_country="")


def _engagement_post(client_org, st, cal, /, **overrides) -> dict:
    post = {
        "client": str(client_org.pk),
        "service_type": str(st.pk),
        "code": "claims",
        "name": "Claims desk",
        "calendar": str(cal.pk),
        "sla_hours": "4",
        "sla_basis": "business",
        "sla_target_percent": "95",
        "at_risk_percent": "75",
        "idle_timeout_minutes": "30",
        "rule_rows": "2",
        "rule_field_0": "amount",
        "rule_op_0": "gte",
        "rule_value_0": "10000",
        "rule_priority_0": "8",
        "rule_field_1": "",
        "rule_op_1": "equals",
        "rule_value_1": "",
        "rule_priority_1": "",
        "add_queue": "on",
        "queue_name": "Claims, client A",
    }
    post.update(overrides)
    return post


def test_engagement_opened_with_rules_and_its_queue(
    web_admin, provider, client_a, service_type, calendar_a
):
    # when the admin opens an engagement for client A with a rule and a queue
    response = web_admin.post(
        f"/t/{provider.slug}/setup/engagements/new/",
        _engagement_post(client_a, service_type, calendar_a),
    )
    # then the engagement is client A's, 4 hours = 240 minutes, with the rule as typed
    assert response.status_code == 302
    engagement = Engagement.objects.for_tenant(client_a).get(code="claims")
    assert engagement.sla_minutes == 240
    assert engagement.calendar_id == calendar_a.pk
    assert engagement.priority_rules == [{"field": "amount", "gte": 10000, "priority": 8}]
    # and the provider has a queue routing exactly its work
    queue = Queue.objects.for_tenant(provider).get(engagement=engagement)
    assert (queue.code, queue.name) == ("client-a-claims", "Claims, client A")
    # and both are audited in their own tenant
    assert _events(client_a, "work.engagement_created").count() == 1
    assert _events(provider, "work.queue_created").count() == 1


def test_an_empty_sla_takes_the_service_types_default(
    web_admin, provider, client_a, service_type, calendar_a
):
    post = _engagement_post(client_a, service_type, calendar_a, sla_hours="", add_queue="")
    assert web_admin.post(f"/t/{provider.slug}/setup/engagements/new/", post).status_code == 302
    assert Engagement.objects.for_tenant(client_a).get(code="claims").sla_minutes == 480


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "", "This field is required."),
        ("sla_hours", "soon", "Enter a number."),
        ("sla_target_percent", "0", "greater than or equal to 1"),
        ("at_risk_percent", "101", "less than or equal to 100"),
        ("idle_timeout_minutes", "0", "greater than or equal to 1"),
        ("sla_basis", "lunar", "Select a valid choice"),
        ("queue_name", "", "Name the queue"),
        ("service_type", "999999", "Select a valid choice"),
    ],
)
def test_bad_engagement_input_is_shown_beside_the_field_and_nothing_is_written(
    web_admin, provider, client_a, service_type, calendar_a, field, value, message
):
    post = _engagement_post(client_a, service_type, calendar_a, **{field: value})
    response = web_admin.post(f"/t/{provider.slug}/setup/engagements/new/", post)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert 'value="Claims desk"' in response.content.decode()  # typed, kept
    assert not Engagement.objects.for_tenant(client_a).exists()
    assert not Queue.objects.for_tenant(provider).exists()
    assert not _events(client_a, "work.engagement_created").exists()


def test_another_clients_calendar_is_refused_beside_the_calendar(
    web_admin, provider, client_a, service_type, calendar_b
):
    post = _engagement_post(client_a, service_type, calendar_b)
    response = web_admin.post(f"/t/{provider.slug}/setup/engagements/new/", post)
    assert response.status_code == 400
    assert response.context["form"].errors["calendar"] == ["Choose a calendar of this client."]
    assert not Engagement.objects.for_tenant(client_a).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"rule_value_0": ""}, "Give the field, the value and the priority."),
        ({"rule_priority_0": "12"}, "from 0 to 9"),
        ({"rule_value_0": "a lot"}, "give a number"),
        ({"rule_field_0": "colour"}, "The client&#x27;s data has no field “colour”."),
    ],
)
def test_a_bad_priority_rule_is_shown_on_its_row(
    web_admin, provider, client_a, service_type, calendar_a, row, message
):
    post = _engagement_post(client_a, service_type, calendar_a, **row)
    response = web_admin.post(f"/t/{provider.slug}/setup/engagements/new/", post)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="rule-error-0"' in body and message in body
    assert f'name="rule_field_0" value="{post["rule_field_0"]}"' in body
    assert not Engagement.objects.for_tenant(client_a).exists()


def test_a_queue_code_in_use_leaves_no_engagement_behind(
    web_admin, provider, client_a, service_type, calendar_a
):
    # given a queue that already has the code the new engagement's queue would take
    services.create_queue(provider=provider, actor=None, code="client-a-claims", name="Old")
    post = _engagement_post(client_a, service_type, calendar_a)
    response = web_admin.post(f"/t/{provider.slug}/setup/engagements/new/", post)
    # then the queue name carries the reason and the engagement was rolled back with it
    assert response.status_code == 400
    assert "client-a-claims" in response.context["form"].errors["queue_name"][0]
    assert not Engagement.objects.for_tenant(client_a).exists()
    assert not _events(client_a, "work.engagement_created").exists()


def test_engagement_edit_audits_the_changes(web_admin, provider, engagement_a, client_a):
    url = f"/t/{provider.slug}/setup/engagements/{engagement_a.pk}/"
    page = web_admin.get(url)
    assert page.status_code == 200
    post = {
        k: ("on" if v is True else v)
        for k, v in page.context["form"].initial.items()
        if v is not False
    }
    post.update(
        {
            "sla_hours": "6",
            "rule_rows": "1",
            "rule_field_0": "kind",
            "rule_op_0": "equals",
            "rule_value_0": "b",
            "rule_priority_0": "7",
        }
    )
    assert web_admin.post(url, post).status_code == 302
    engagement_a.refresh_from_db()
    assert engagement_a.sla_minutes == 360
    assert engagement_a.priority_rules == [{"field": "kind", "equals": "b", "priority": 7}]
    event = _events(client_a, "work.engagement_changed").get()
    assert event.before["sla_minutes"] == 480 and event.after["sla_minutes"] == 360
    assert set(event.after) == {"sla_minutes", "priority_rules"}


def test_engagement_edit_with_bad_input_writes_nothing(web_admin, provider, engagement_a, client_a):
    url = f"/t/{provider.slug}/setup/engagements/{engagement_a.pk}/"
    post = dict(web_admin.get(url).context["form"].initial)
    post.update({"name": "Renamed", "sla_target_percent": "0"})
    response = web_admin.post(url, post)
    assert response.status_code == 400
    assert 'value="Renamed"' in response.content.decode()
    engagement_a.refresh_from_db()
    assert engagement_a.name != "Renamed"
    assert not _events(client_a, "work.engagement_changed").exists()


def test_an_engagement_of_a_client_not_served_is_404(ops_a, provider, engagement_b):
    c = _login(ops_a)
    assert c.get(f"/t/{provider.slug}/setup/engagements/{engagement_b.pk}/").status_code == 404
    assert (
        c.post(
            f"/t/{provider.slug}/setup/engagements/{engagement_b.pk}/", {"name": "x"}
        ).status_code
        == 404
    )


# --- queues --------------------------------------------------------------------------------------


def _queue_post(**overrides) -> dict:
    post = {
        "code": "german",
        "name": "German speakers",
        "engagement": "",
        "service_type": "",
        "skill": "",
        "language": "de",
        "min_priority": "3",
    }
    post.update(overrides)
    return post


def test_queue_created_with_its_filters_and_audited(web_admin, provider, engagement_a):
    post = _queue_post(engagement=str(engagement_a.pk))
    assert web_admin.post(f"/t/{provider.slug}/setup/queues/new/", post).status_code == 302
    queue = Queue.objects.for_tenant(provider).get(code="german")
    assert queue.filters() == {
        "engagement_id": engagement_a.pk,
        "language": "de",
        "priority__gte": 3,
    }
    assert _events(provider, "work.queue_created").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "two words", "letters, numbers, underscores or hyphens"),
        ("name", "", "This field is required."),
        ("min_priority", "12", "less than or equal to 9"),
        ("engagement", "999999", "Select a valid choice"),
    ],
)
def test_bad_queue_input_is_shown_beside_the_field_and_nothing_is_written(
    web_admin, provider, engagement_a, field, value, message
):
    response = web_admin.post(
        f"/t/{provider.slug}/setup/queues/new/", _queue_post(**{field: value})
    )
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert 'value="de"' in response.content.decode()
    assert not Queue.objects.for_tenant(provider).exists()


def test_a_queue_code_in_use_is_refused_beside_the_code(web_admin, provider):
    services.create_queue(provider=provider, actor=None, code="german", name="Old")
    response = web_admin.post(f"/t/{provider.slug}/setup/queues/new/", _queue_post())
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["Another queue has that code."]
    assert Queue.objects.for_tenant(provider).count() == 1


def test_queue_edit_audits_the_changes_and_an_unknown_queue_is_404(
    web_admin, provider, service_type
):
    queue = services.create_queue(provider=provider, actor=None, code="all", name="Everything")
    url = f"/t/{provider.slug}/setup/queues/{queue.pk}/"
    post = dict(web_admin.get(url).context["form"].initial)
    post.update({"service_type": str(service_type.pk), "min_priority": "5"})
    assert web_admin.post(url, post).status_code == 302
    event = _events(provider, "work.queue_changed").get()
    assert event.before == {"service_type": None, "min_priority": 0}
    assert event.after == {"service_type": service_type.pk, "min_priority": 5}
    assert web_admin.get(f"/t/{provider.slug}/setup/queues/{queue.pk + 1000}/").status_code == 404


def test_acting_in_a_clients_tenant_only_that_client_is_set_up(
    web_admin, provider, client_a, client_b, service_type, calendar_a
):
    # given the provider admin acting in client A's tenant
    page = web_admin.get(f"/t/{client_a.slug}/setup/engagements/new/")
    form = page.context["form"]
    # then client A is the one client offered, and there is no queue to add here
    assert list(form.fields["client"].choices) == [(client_a.pk, client_a.name)]
    assert "add_queue" not in form.fields
    # and the engagement is opened in client A
    post = _engagement_post(client_a, service_type, calendar_a, add_queue="", queue_name="")
    assert web_admin.post(f"/t/{client_a.slug}/setup/engagements/new/", post).status_code == 302
    assert Engagement.objects.for_tenant(client_a).filter(code="claims").exists()
    # while client B's id is not a choice there
    post = _engagement_post(client_b, service_type, calendar_a, code="other")
    assert web_admin.post(f"/t/{client_a.slug}/setup/engagements/new/", post).status_code == 400
    assert not Engagement.objects.for_tenant(client_b).exists()
