"""Set-up index and service types through the pages: who may, bad input, another tenant."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.models import ServiceType

pytestmark = pytest.mark.django_db

AGENT_FORM = {
    "type": "object",
    "properties": {
        "invoice_number": {"type": "string", "title": "Invoice number", "minLength": 1},
        "total": {"type": "number", "format": "amount", "minimum": 0, "title": "Total"},
        "lines": {
            "type": "array",
            "title": "Lines",
            "items": {
                "type": "object",
                "properties": {"description": {"type": "string"}, "quantity": {"type": "number"}},
                "required": ["description"],
            },
        },
    },
    "required": ["invoice_number"],
}


def _events(tenant, action: str):
    return AuditEvent.objects.for_tenant(tenant).filter(action=action)


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def ops(provider, client_a, client_b):
    """An operations manager of the provider who serves both clients."""
    user = UserFactory.create(username="ops")
    for org in (provider, client_a, client_b):
        make_member(org, user, Role.OPERATIONS_MANAGER)
    return user


@pytest.fixture
def web_admin(provider_admin, client_a, client_b) -> Client:
    return _login(provider_admin)


def _url(provider, path: str = "") -> str:
    return f"/t/{provider.slug}/setup/{path}"


def _service_type_post(**overrides) -> dict:
    post = {
        "code": "invoices",
        "name": "Invoice capture",
        "description": "",
        "instructions": "Key every line.",
        "output_schema": json.dumps(AGENT_FORM),
        "input_schema": "",
        "workflow": "capture_review_done",
        "default_sla_hours": "8",
        "qa_sample_percent": "10",
        "billing_unit": "page",
    }
    post.update(overrides)
    return post


def test_index_lists_each_topic_with_its_count(web_admin, provider, service_type, engagement_a):
    # given one service type and one engagement (with its calendar) of client A
    # when the provider admin opens the set-up index
    page = web_admin.get(_url(provider))
    # then each topic is linked with its count
    assert page.status_code == 200
    body = page.content.decode()
    for href in ("service-types/", "calendars/", "engagements/", "queues/"):
        assert f'href="{_url(provider, href)}"' in body
    assert 'aria-label="1 service types"' in body
    assert 'aria-label="1 engagements"' in body


@pytest.mark.parametrize(
    "path",
    [
        "",
        "service-types/",
        "service-types/new/",
        "calendars/",
        "calendars/new/",
        "engagements/",
        "engagements/new/",
        "queues/",
        "queues/new/",
    ],
)
def test_admin_and_ops_may_open_every_page_agent_and_client_may_not(
    provider, client_a, client_b, provider_admin, ops, agent, user_a, path
):
    assert _login(provider_admin).get(_url(provider, path)).status_code == 200
    assert _login(ops).get(_url(provider, path)).status_code == 200
    assert _login(agent).get(_url(provider, path)).status_code == 403
    assert _login(user_a).get(f"/t/{client_a.slug}/setup/{path}").status_code == 403


def test_service_type_created_with_a_line_item_group_and_audited(web_admin, provider):
    # when the admin posts a service type whose agent form has a line-item group
    response = web_admin.post(_url(provider, "service-types/new/"), _service_type_post())
    # then it is saved with that schema, the workflow chosen and minutes from hours
    assert response.status_code == 302
    st = ServiceType.objects.for_tenant(provider).get(code="invoices")
    assert st.output_schema["properties"]["lines"]["items"]["required"] == ["description"]
    assert st.workflow[1] == {"step": "review", "role": "qa_reviewer"}
    assert st.default_sla_minutes == 480
    assert st.billing_unit == "page"
    # and the change is in the audit log
    event = _events(provider, "work.service_type_created").get()
    assert event.object_id == str(st.pk)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("code", "not a slug!", "letters, numbers, underscores or hyphens"),
        ("output_schema", "{not json", "is not valid JSON"),
        ("output_schema", '{"type": "array"}', "must describe an object"),
        (
            "output_schema",
            '{"type": "object", "properties": {"a": {"type": "strin"}}}',
            "Invalid JSON Schema",
        ),
        ("qa_sample_percent", "150", "less than or equal to 100"),
        ("default_sla_hours", "0", "greater than or equal to 0.02"),
        ("billing_unit", "parsec", "Select a valid choice"),
    ],
)
def test_bad_service_type_input_is_shown_beside_the_field_and_nothing_is_written(
    web_admin, provider, field, value, message
):
    # when the admin posts one bad value
    response = web_admin.post(
        _url(provider, "service-types/new/"), _service_type_post(**{field: value})
    )
    # then the page answers 400 with the message beside that field
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    # and what was typed is kept
    body = response.content.decode()
    assert "Key every line." in body
    # and nothing is written
    assert not ServiceType.objects.for_tenant(provider).filter(code="invoices").exists()
    assert not _events(provider, "work.service_type_created").exists()


def test_a_code_in_use_is_refused_beside_the_code(web_admin, provider, service_type):
    response = web_admin.post(
        _url(provider, "service-types/new/"), _service_type_post(code=service_type.code)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["already used"]
    assert ServiceType.objects.for_tenant(provider).count() == 1


def test_service_type_edit_keeps_the_code_and_audits_what_changed(
    web_admin, provider, service_type
):
    # given the edit page, filled as saved
    url = _url(provider, f"service-types/{service_type.pk}/")
    page = web_admin.get(url)
    assert page.status_code == 200
    # when the admin changes the QA sample and the name only
    post = {k: v for k, v in page.context["form"].initial.items()}
    post.update({"name": "Simple capture v2", "qa_sample_percent": "25", "is_active": "on"})
    response = web_admin.post(url, post)
    # then both are saved and the event holds exactly those two changes
    assert response.status_code == 302
    service_type.refresh_from_db()
    assert (service_type.name, service_type.qa_sample_percent) == ("Simple capture v2", 25)
    event = _events(provider, "work.service_type_changed").get()
    assert event.before == {"name": "Simple capture", "qa_sample_percent": 0}
    assert event.after == {"name": "Simple capture v2", "qa_sample_percent": 25}


def test_service_type_edit_with_a_bad_schema_writes_nothing(web_admin, provider, service_type):
    url = _url(provider, f"service-types/{service_type.pk}/")
    post = dict(web_admin.get(url).context["form"].initial)
    post.update({"name": "Renamed", "output_schema": '{"type": "object", "required": 5}'})
    response = web_admin.post(url, post)
    assert response.status_code == 400
    assert response.context["form"].errors["output_schema"]
    assert 'value="Renamed"' in response.content.decode()
    service_type.refresh_from_db()
    assert service_type.name == "Simple capture"
    assert not _events(provider, "work.service_type_changed").exists()


def test_a_service_type_id_outside_the_catalogue_is_404(web_admin, provider, service_type):
    # there is one provider per installation: an unknown id, and the catalogue's own id
    # asked through a client's tenant, are both "no such service type"
    assert web_admin.get(_url(provider, "service-types/999999/")).status_code == 404
    assert web_admin.get(_url(provider, "service-types/99999999999999999999/")).status_code == 404
    client_url = f"/t/client-a/setup/service-types/{service_type.pk}/"
    assert web_admin.post(client_url, {"name": "x"}).status_code == 404
    service_type.refresh_from_db()
    assert service_type.name == "Simple capture"


def test_preview_renders_the_agents_form_from_the_schema_as_typed(web_admin, provider):
    # when the builder posts the schema it holds
    response = web_admin.post(
        _url(provider, "service-types/preview/"),
        {"which": "output_schema", "output_schema": json.dumps(AGENT_FORM)},
    )
    # then the agent's inputs are rendered by the agent's template, labels and all
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="f-invoice_number"' in body and "Invoice number *" in body
    assert 'id="f-total"' in body and 'id="f-lines"' in body
    # and nothing is written
    assert not ServiceType.objects.for_tenant(provider).exists()


def test_preview_of_broken_json_says_so_in_words(web_admin, provider):
    response = web_admin.post(
        _url(provider, "service-types/preview/"), {"which": "output_schema", "output_schema": "{"}
    )
    assert response.status_code == 200
    assert "Not valid JSON yet" in response.content.decode()


def test_a_client_tenant_has_no_catalogue_pages(provider_admin, client_a):
    c = _login(provider_admin)
    assert c.get(f"/t/{client_a.slug}/setup/").status_code == 200
    assert c.get(f"/t/{client_a.slug}/setup/service-types/").status_code == 404
    assert c.get(f"/t/{client_a.slug}/setup/queues/").status_code == 404


def test_preview_keeps_the_order_the_builder_wrote(web_admin, provider):
    # given a schema whose properties come back in another order (as JSONB returns them)
    schema = {
        "type": "object",
        "properties": {"total": {"type": "number"}, "invoice_number": {"type": "string"}},
        "x-order": ["invoice_number", "total"],
    }
    response = web_admin.post(
        _url(provider, "service-types/preview/"),
        {"which": "output_schema", "output_schema": json.dumps(schema)},
    )
    # then the preview follows x-order
    names = [f.name for f in response.context["fields"]]
    assert names == ["invoice_number", "total"]
