"""The data-protection page and API: keys per organization, rotation, shredding."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.tenancy.tests.factories import make_token
from backoffice.vault.models import DataKey, RotationJob
from backoffice.vault.tests.conftest import claim_data
from backoffice.work import services as work


@pytest.fixture
def sealed(claims):
    for i in range(3):
        work.submit_item(engagement=claims, actor=None, external_ref=f"s-{i}", data=claim_data(i))
    return claims


@pytest.fixture
def web_admin(provider_admin):
    c = Client()
    c.force_login(provider_admin)
    return c


def _url(provider, tail: str = "") -> str:
    return f"/t/{provider.slug}/vault/{tail}"


def test_the_page_lists_every_organization_s_keys(web_admin, provider, sealed, client_b):
    r = web_admin.get(_url(provider))
    assert r.status_code == 200
    text = r.content.decode()
    assert "Data protection" in text and "Client A" in text and "Client B" in text
    assert "Version 1" in text and "None yet (no confidential data)" in text
    assert "development master key" in text  # the tests run on the dev key


@pytest.mark.parametrize("who", ["lead", "user_a", "agent"])
def test_only_the_provider_admin_reaches_the_page(request, who, provider, client_a):
    user = request.getfixturevalue(who)
    web = Client()
    web.force_login(user)
    tenant = client_a if who == "user_a" else provider
    assert web.get(_url(tenant)).status_code == 403


def test_rotate_from_the_page_and_follow_it(web_admin, provider, sealed):
    r = web_admin.post(_url(provider, f"organizations/{sealed.tenant_id}/rotate/"))
    job = RotationJob.objects.for_tenant(sealed.tenant_id).get()
    assert r.status_code == 302 and r["Location"] == _url(provider, f"rotations/{job.pk}/")
    page = web_admin.get(r["Location"]).content.decode()
    assert "0 of 3 records re-sealed under key version 2" in page
    assert 'hx-trigger="every 2s"' in page
    again = web_admin.post(_url(provider, f"organizations/{sealed.tenant_id}/rotate/"), follow=True)
    assert "already running" in again.content.decode()
    assert DataKey.objects.for_tenant(sealed.tenant_id).count() == 2


def test_rotating_an_organization_without_data_says_so(web_admin, provider, client_b):
    r = web_admin.post(_url(provider, f"organizations/{client_b.pk}/rotate/"), follow=True)
    assert "no confidential data yet" in r.content.decode()


def test_destroy_needs_the_name_typed_and_keeps_what_was_typed(web_admin, provider, sealed):
    url = _url(provider, f"organizations/{sealed.tenant_id}/destroy/")
    r = web_admin.post(url, {"reason": "offboarding", "confirm": "client a"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "Type the organization&#x27;s name, Client A, to confirm." in text
    assert 'value="offboarding"' in text
    assert DataKey.objects.for_tenant(sealed.tenant_id).get().state == "active"
    r = web_admin.post(url, {"reason": "", "confirm": "Client A"})
    assert r.status_code == 400 and "Say why" in r.content.decode()
    r = web_admin.post(url, {"reason": "offboarding", "confirm": "Client A"}, follow=True)
    assert "data keys are destroyed" in r.content.decode()
    assert DataKey.objects.for_tenant(sealed.tenant_id).get().state == "destroyed"


def test_an_unknown_organization_or_rotation_is_not_found(web_admin, provider):
    assert web_admin.post(_url(provider, "organizations/999999/rotate/")).status_code == 404
    assert web_admin.get(_url(provider, "rotations/999999/")).status_code == 404


def _api(user, tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user, tenant)}"})


def test_the_api_lists_keys_and_runs_a_rotation_once_per_key(
    provider_admin, provider, sealed, client_b
):
    api = _api(provider_admin, provider)
    keys = {row["organization"]: row for row in api.get("/api/v1/vault/keys").json()}
    assert keys["Client A"]["active_version"] == 1
    assert keys["Client B"]["active_version"] is None
    assert "wrapped" not in str(keys)
    body = {"organization_id": sealed.tenant_id}
    first = api.post(
        "/api/v1/vault/rotations", body, content_type="application/json",
        headers={"Idempotency-Key": "rot-1"},
    )  # fmt: skip
    again = api.post(
        "/api/v1/vault/rotations", body, content_type="application/json",
        headers={"Idempotency-Key": "rot-1"},
    )  # fmt: skip
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["total"] == 3 and first.json()["to_version"] == 2
    got = api.get(f"/api/v1/vault/rotations/{first.json()['id']}").json()
    assert got["status"] == "running"
    assert RotationJob.objects.for_tenant(sealed.tenant_id).count() == 1


def test_the_api_refuses_other_roles_and_bad_input(provider_admin, provider, lead, sealed):
    assert _api(lead, provider).get("/api/v1/vault/keys").status_code == 403
    api = _api(provider_admin, provider)
    r = api.post(
        f"/api/v1/vault/organizations/{sealed.tenant_id}/destroy-keys",
        {"reason": "gone", "confirm": "nope"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "confirmation_required"
    r = api.post(
        "/api/v1/vault/rotations", {"organization_id": 999999}, content_type="application/json"
    )
    assert r.status_code == 404
    r = api.post(
        f"/api/v1/vault/organizations/{sealed.tenant_id}/destroy-keys",
        {"reason": "contract ended", "confirm": "Client A"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["destroyed_versions"] == [1]


def test_search_by_a_confidential_field_through_the_api(user_a, client_a, sealed):
    api = _api(user_a, client_a)
    base = f"/api/v1/work/items?engagement_id={sealed.pk}&field=policy_number"
    found = api.get(f"{base}&value=pol-77-31415926-2").json()
    assert [i["external_ref"] for i in found["items"]] == ["s-2"]
    assert api.get(f"{base}&value=POL-77").json()["count"] == 0
    refused = api.get(f"/api/v1/work/items?engagement_id={sealed.pk}&field=bank_account&value=x")
    assert refused.status_code == 400
    assert "cannot be searched" in refused.json()["error"]["message"]
