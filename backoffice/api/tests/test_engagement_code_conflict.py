"""Opening an engagement whose code is taken is a 409, not a 500: the engagement's calendar
("<code> calendar") was created before the code was checked and broke its unique name.
Found by the release fuzz (bench/api_fuzz.py)."""

import pytest
from django.test import Client

from backoffice.tenancy.tests.factories import make_token
from backoffice.work import services
from backoffice.work.models import BusinessCalendar, Engagement
from backoffice.work.tests.factories import make_service_type

URL = "/api/v1/work/engagements"


@pytest.fixture
def api(provider_admin, client_a) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(provider_admin, client_a)}"})


@pytest.mark.django_db
def test_an_engagement_code_in_use_is_a_conflict(api, provider, client_a):
    service_type = make_service_type(provider)
    body = {"code": "STOCK", "service_type_id": service_type.pk}
    first = api.post(URL, data=body, content_type="application/json")
    assert first.status_code == 201, first.content
    # when the same code is opened again
    again = api.post(URL, data=body, content_type="application/json")
    # then it is refused with the field at fault, and nothing more is written
    assert again.status_code == 409, again.content
    assert again.json()["error"]["fields"] == {"code": ["already used"]}
    assert Engagement.objects.for_tenant(client_a).count() == 1
    assert BusinessCalendar.objects.for_tenant(client_a).count() == 1


@pytest.mark.django_db
def test_a_calendar_name_in_use_is_a_conflict(api, provider, client_a):
    services.create_calendar(tenant=client_a, actor=None, name="NEW calendar")
    service_type = make_service_type(provider)
    body = {"code": "NEW", "service_type_id": service_type.pk}
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["fields"] == {"name": ["already used"]}
    assert Engagement.objects.for_tenant(client_a).count() == 0


@pytest.mark.django_db
def test_an_unknown_sla_basis_is_refused_by_name(api, provider, client_a):
    # Found by the contract fuzz: any text reached the database's check (a 500).
    service_type = make_service_type(provider)
    body = {"code": "NEW", "service_type_id": service_type.pk, "sla_basis": "hourly"}
    response = api.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"sla_basis": ["business or elapsed"]}
    assert Engagement.objects.for_tenant(client_a).count() == 0
    assert BusinessCalendar.objects.for_tenant(client_a).count() == 0
