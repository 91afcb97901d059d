"""Idempotency-Key on an upload: the multipart body was parsed before the endpoint ran, so
the request is recognised by its fields and files (it answered 500: the raw body was gone).
Found by the contract fuzzer once the schema documented the header."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backoffice.commerce.models import Party
from backoffice.ledger.services import apply_chart_template
from backoffice.tenancy.tests.factories import make_token

URL = "/api/v1/commerce/parties/import"


@pytest.fixture
def api(provider_admin, client_a) -> Client:
    apply_chart_template(tenant=client_a, template="general")
    return Client(headers={"Authorization": f"Bearer {make_token(provider_admin, client_a)}"})


def upload(api: Client, content: bytes, key: str):
    f = SimpleUploadedFile("parties.csv", content, content_type="text/csv")
    return api.post(URL, {"file": f}, headers={"Idempotency-Key": key})


@pytest.mark.django_db
def test_an_upload_with_an_idempotency_key_runs_once(api, client_a):
    # given an import sent with a key
    first = upload(api, b"code,name\nC1,Alpha\n", "import-1")
    assert first.status_code == 201, first.content
    # when the same upload is retried with the key, then the stored answer comes back
    again = upload(api, b"code,name\nC1,Alpha\n", "import-1")
    assert again.status_code == 201, again.content
    assert again.json() == first.json()
    assert Party.objects.for_tenant(client_a).count() == 1
    # and another file under the same key is a conflict
    other = upload(api, b"code,name\nC2,Beta\n", "import-1")
    assert other.status_code == 409, other.content
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Party.objects.for_tenant(client_a).count() == 1
