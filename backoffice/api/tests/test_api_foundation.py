"""The API's shared behaviour: auth failures, error body, idempotency, schema, isolation."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.api.models import IdempotencyRecord
from backoffice.audit.models import AuditEvent
from backoffice.tenancy.models import ApiToken


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.mark.django_db
def test_me_with_token(api_a, client_a):
    response = api_a.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["tenant"]["slug"] == client_a.slug
    assert "work.submit" in response.json()["permissions"]


@pytest.mark.django_db
def test_no_credentials_is_401_with_error_body():
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token", ["garbage", "bo_deadbeef_notthesecret", "bo_only-two-parts"], ids=str
)
def test_unknown_or_malformed_token_is_401(db, token):
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.django_db
def test_expired_token_is_401(token_a):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client(headers={"Authorization": f"Bearer {token_a}"}).get("/api/v1/me")
    assert response.status_code == 401
    assert "expired" in error_of(response)["message"]


@pytest.mark.django_db
def test_revoked_token_is_401(api_a, token_a):
    token_id = ApiToken.objects.get().pk
    assert api_a.delete(f"/api/v1/tokens/{token_id}").status_code == 200
    response = api_a.get("/api/v1/me")
    assert response.status_code == 401
    assert "revoked" in error_of(response)["message"]


@pytest.mark.django_db
def test_token_of_another_tenant_is_refused(api_a, client_b):
    response = api_a.get("/api/v1/me", headers={"X-Tenant": client_b.slug})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


@pytest.mark.django_db
def test_cannot_revoke_another_tenants_token(api_a, token_b, client_a):
    foreign = ApiToken.objects.exclude(tenant=client_a).get()
    response = api_a.delete(f"/api/v1/tokens/{foreign.pk}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


@pytest.mark.django_db
def test_malformed_json_is_400_and_writes_nothing(api_a):
    before = ApiToken.objects.count()
    response = api_a.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    assert ApiToken.objects.count() == before


@pytest.mark.django_db
def test_validation_error_names_the_field(api_a):
    response = api_a.post(
        "/api/v1/tokens", data={"name": "", "days": 9999}, content_type="application/json"
    )
    assert response.status_code == 422
    err = error_of(response)
    assert err["code"] == "validation_error"
    assert {"name", "days"} <= set(err["fields"])


@pytest.mark.django_db
def test_idempotency_key_replays_and_conflicts(api_a, client_a):
    # given a token created with an Idempotency-Key
    body = {"name": "ci", "days": 10}
    headers = {"Idempotency-Key": "create-ci-token-1"}
    first = api_a.post(
        "/api/v1/tokens", data=body, content_type="application/json", headers=headers
    )
    assert first.status_code == 201
    # when the same request is retried
    again = api_a.post(
        "/api/v1/tokens", data=body, content_type="application/json", headers=headers
    )
    # then the stored response comes back and nothing new is written
    assert again.status_code == 201
    assert again.json() == first.json()
    assert ApiToken.objects.filter(name="ci").count() == 1
    # and the same key with another body is a conflict
    other = api_a.post(
        "/api/v1/tokens", data={"name": "other"}, content_type="application/json", headers=headers
    )
    assert other.status_code == 409
    assert error_of(other)["code"] == "idempotency_key_reused"
    assert ApiToken.objects.filter(name="other").count() == 0
    assert IdempotencyRecord.objects.for_tenant(client_a).count() == 1


@pytest.mark.django_db
def test_idempotency_keys_are_per_tenant(api_a, api_b):
    headers = {"Idempotency-Key": "same-key"}
    a = api_a.post(
        "/api/v1/tokens", data={"name": "a"}, content_type="application/json", headers=headers
    )
    b = api_b.post(
        "/api/v1/tokens", data={"name": "b"}, content_type="application/json", headers=headers
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db
def test_session_api_requires_csrf(user_a, client_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user_a)
    before = ApiToken.objects.count()
    response = browser.post(
        "/api/v1/tokens",
        data={"name": "x"},
        content_type="application/json",
        headers={"X-Tenant": client_a.slug},
    )
    assert response.status_code == 403
    assert error_of(response)
    assert ApiToken.objects.count() == before


@pytest.mark.django_db
def test_session_api_unknown_and_foreign_tenant_are_404(web_a, client_b):
    for slug in ["no-such-tenant", client_b.slug]:
        response = web_a.get("/api/v1/me", headers={"X-Tenant": slug})
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_audit_events_are_isolated(api_a, api_b, client_a, client_b):
    b_event = AuditEvent.objects.for_tenant(client_b).first()
    assert b_event is not None
    response = api_a.get(f"/api/v1/audit/events/{b_event.pk}")
    assert response.status_code == 404
    assert b_event.hash not in response.content.decode()
    listing = api_a.get("/api/v1/audit/events").json()
    assert listing["count"] >= 1
    assert {e["id"] for e in listing["items"]}.isdisjoint(
        set(AuditEvent.objects.for_tenant(client_b).values_list("pk", flat=True))
    )


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(api_a):
    response = api_a.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_openapi_schema_and_docs(db):
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/me" in paths and "/api/v1/tokens" in paths
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_multipart_without_boundary_is_400(api_a):
    # an upload endpoint: the body is parsed as multipart before the view runs
    response = api_a.generic(
        "POST",
        "/api/v1/work/items/1/attachments",
        data=b"--x--",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_body"


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["99999999999999999999999", "0", "-1", "x"])
def test_out_of_range_page_is_a_field_error_not_a_crash(api_a, page):
    # when: a page number no database integer can hold, or no page at all
    response = api_a.get(f"/api/v1/audit/events?page={page}")
    # then
    assert 400 <= response.status_code < 500
    assert "page" in json.dumps(error_of(response)["fields"])


@pytest.mark.django_db
def test_page_beyond_the_last_is_empty(api_a):
    response = api_a.get("/api/v1/audit/events?page=10000000")
    assert response.status_code == 200
    assert response.json()["items"] == []
