"""Numbers in item data that no JSON reader holds exactly are refused per field (issue 12):
`1e30` in a CSV number column became 1000000000000000019884624838656, and 10**30 or 1e300
through the API were stored as given."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backoffice.core.errors import DomainError
from backoffice.tenancy.tests.factories import make_token
from backoffice.work import intake
from backoffice.work.models import WorkItem
from backoffice.work.services import submit

pytestmark = pytest.mark.django_db
TOO_LARGE = "Too large: at most 9,007,199,254,740,991."


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "A", "amount": 10**30}, "data.amount"),
        ({"name": "A", "amount": 10**16}, "data.amount"),
        ({"name": "A", "amount": 1e300}, "data.amount"),
        ({"name": "A", "amount": 1, "pages": 2**53}, "data.pages"),
    ],
)
def test_item_numbers_beyond_exact_json_are_refused(engagement_a, data, field):
    with pytest.raises(DomainError) as exc:
        submit.submit_item(engagement=engagement_a, actor=None, external_ref="R1", data=data)
    assert exc.value.fields == {field: [TOO_LARGE]}
    assert not WorkItem.objects.for_tenant(engagement_a.tenant).exists()


def test_the_largest_exact_integer_is_accepted(engagement_a):
    data = {"name": "A", "amount": 2**53 - 1, "pages": 2**53 - 1}
    item, created = submit.submit_item(
        engagement=engagement_a, actor=None, external_ref="R1", data=data
    )
    item.refresh_from_db()
    assert created and item.data["pages"] == 2**53 - 1


@pytest.mark.parametrize("cell", ["1e30", "99999999999999999999999", "1e20"])
def test_a_huge_number_in_a_file_is_a_row_error(engagement_a, cell):
    content = f"external_ref,name,amount\nR1,A,{cell}\n".encode()
    result = intake.import_file(
        engagement=engagement_a, actor=None, filename="in.csv", content=content, mode="valid_rows"
    )
    assert result.created == 0
    assert [(e.row, e.field, e.message) for e in result.errors] == [(2, "amount", TOO_LARGE)]


BASE = "/api/v1/work"


def _post(client, url, body):
    return client.post(BASE + url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def admin_in(provider_admin, provider, client_a):
    def api(org):
        return Client(headers={"Authorization": f"Bearer {make_token(provider_admin, org)}"})

    return api(provider), api(client_a)


@pytest.mark.parametrize(
    ("url", "change", "field"),
    [
        ("/service-types", {"code": "a b"}, "code"),
        ("/service-types", {"default_sla_minutes": 10**30}, "default_sla_minutes"),
        ("/engagements", {"code": "a/b"}, "code"),
        ("/engagements", {"sla_minutes": 10**30}, "sla_minutes"),
        ("/engagements", {"idle_timeout_minutes": 10**30}, "idle_timeout_minutes"),
        ("/engagements", {"service_type_id": 10**30}, "service_type_id"),
    ],
)
def test_catalogue_numbers_and_codes_are_refused_in_words(admin_in, url, change, field):
    in_provider, in_a = admin_in
    st = _post(in_provider, "/service-types", {"code": "inv", "template": "invoice-capture"})
    body: dict[str, object] = {"code": "st2", "template": "invoice-capture"}
    if url == "/engagements":
        body = {"code": "ap", "service_type_id": st.json()["id"], "calendar": {}}
    res = _post(in_provider if url == "/service-types" else in_a, url, {**body, **change})
    assert res.status_code == 422, res.content
    fields = res.json()["error"]["fields"]
    assert list(fields) == [field]
    assert "^" not in json.dumps(fields) and "pattern" not in json.dumps(fields)
