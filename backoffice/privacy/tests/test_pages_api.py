"""Pages and API: who may do what, forms that keep what was typed, and tenant isolation
(client B cannot see or decide client A's requests, holds or certificates: 404)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from backoffice.privacy import offboarding, services
from backoffice.privacy.models import LegalHold, SubjectRequest
from backoffice.privacy.tests.conftest import finished_item
from backoffice.tenancy.tests.factories import make_token
from backoffice.vault.tests.conftest import CLAIMANT

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _api(user, org) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user, org)}"})


def test_client_admin_logs_and_decides_a_request_on_the_page(
    client_a, claims, agent, media, user_a
):
    finished_item(claims, agent, 1)
    web = _web(user_a)
    url = f"/t/{client_a.slug}/privacy/"
    assert web.get(url).status_code == 200
    # Bad input: the form comes back with what was typed and the reason in words
    bad = {"kind": "erasure", "engagement": claims.pk, "field": "nmae", "value": "Zeb"}
    page = web.post(url + "requests/", bad)
    assert page.status_code == 400
    text = page.content.decode()
    assert "have no field “nmae”" in text and 'value="nmae"' in text and 'value="Zeb"' in text
    good = {**bad, "field": "claimant", "value": f"{CLAIMANT} 1"}
    assert web.post(url + "requests/", good).status_code == 302
    req = SubjectRequest.objects.for_tenant(client_a).get()
    assert f"{CLAIMANT} 1" in web.get(url).content.decode()  # the controller sees whom
    page = web.post(url + f"requests/{req.pk}/decide/", {"decision": "approve", "reason": ""})
    assert page.status_code == 400 and "reason" in page.content.decode()
    page = web.post(url + f"requests/{req.pk}/decide/", {"decision": "approve", "reason": "Ok"})
    assert page.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.items_matched) == ("completed", 1)


def test_provider_sees_status_only_and_cannot_decide(
    client_a, claims, media, user_a, provider_admin
):
    req = services.receive_request(
        engagement=claims, actor=user_a, kind="access", field="claimant", value="Secret Person"
    )
    web = _web(provider_admin)
    page = web.get(f"/t/{client_a.slug}/privacy/").content.decode()
    assert "Secret Person" not in page and "claimant (hidden)" in page
    res = web.post(
        f"/t/{client_a.slug}/privacy/requests/{req.pk}/decide/",
        {"decision": "approve", "reason": "x"},
    )
    assert res.status_code == 403
    got = _api(provider_admin, client_a).get(f"/api/v1/privacy/requests/{req.pk}").json()
    assert got["subject_value"] is None and got["status"] == "pending"


def test_legal_hold_refusal_through_the_api_writes_nothing(
    client_a, claims, agent, media, user_a, provider_admin
):
    item = finished_item(claims, agent, 1)
    admin_api = _api(provider_admin, client_a)
    res = admin_api.post(
        "/api/v1/privacy/legal-holds",
        {"scope": "engagement", "engagement_id": claims.pk, "reason": "Court order"},
        content_type=JSON,
        headers={"Idempotency-Key": "hold-1"},
    )
    assert res.status_code == 201
    client_api = _api(user_a, client_a)
    req = client_api.post(
        "/api/v1/privacy/requests",
        {
            "kind": "erasure",
            "engagement_id": claims.pk,
            "field": "claimant",
            "value": f"{CLAIMANT} 1",
        },
        content_type=JSON,
        headers={"Idempotency-Key": "req-1"},
    ).json()
    res = client_api.post(
        f"/api/v1/privacy/requests/{req['id']}/decision",
        {"approve": True, "reason": "Art. 17"},
        content_type=JSON,
    )
    assert res.status_code == 409
    error = res.json()["error"]
    assert error["code"] == "legal_hold_active" and "legal hold" in error["message"]
    item.refresh_from_db()
    assert item.data["claimant"]
    assert SubjectRequest.objects.for_tenant(client_a).get().status == "pending"


def test_client_b_cannot_reach_client_a_privacy_rows(
    client_a, client_b, claims, user_a, user_b, provider_admin, media
):
    req = services.receive_request(
        engagement=claims, actor=user_a, kind="access", field="claimant", value="Someone"
    )
    hold = services.place_hold(
        tenant_id=client_a.pk, actor=provider_admin, scope="client", reason="Audit"
    )
    services.release_hold(hold=hold, actor=provider_admin)
    job = offboarding.start_offboarding(
        org=client_a, actor=provider_admin, confirm="Client A", enqueue=False
    )
    api_b = _api(user_b, client_b)
    assert api_b.get(f"/api/v1/privacy/requests/{req.pk}").status_code == 404
    res = api_b.post(
        f"/api/v1/privacy/requests/{req.pk}/decision",
        {"approve": False, "reason": "x"},
        content_type=JSON,
    )
    assert res.status_code == 404
    assert api_b.get(f"/api/v1/privacy/offboardings/{job.pk}/certificate").status_code == 404
    assert api_b.get("/api/v1/privacy/requests").json() == []
    web_b = _web(user_b)
    base = f"/t/{client_b.slug}/privacy"
    assert web_b.get(f"{base}/offboarding/{job.pk}/").status_code == 404
    assert web_b.post(f"{base}/requests/{req.pk}/decide/", {"reason": "x"}).status_code == 404
    assert web_b.get(f"/t/{client_a.slug}/privacy/").status_code == 404
    # client B's admin may not manage holds at all (provider admin only)
    assert web_b.post(f"{base}/holds/{hold.pk}/release/").status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"


def test_hold_form_keeps_what_was_typed(client_a, claims, provider_admin):
    web = _web(provider_admin)
    page = web.post(
        f"/t/{client_a.slug}/privacy/holds/",
        {"scope": "batch", "batch": "999999", "reason": "Dispute 42"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "No batch of this client has that number." in text and 'value="Dispute 42"' in text
    assert not LegalHold.objects.for_tenant(client_a).exists()


def test_cli_dry_run_prints_and_erases_nothing(claims, agent, media, capsys):
    item = finished_item(claims, agent, 1, days_ago=40)
    services.set_retention_rule(engagement=claims, actor=None, days=30, action="delete")
    call_command("privacy", "apply-retention", "--dry-run")
    out = capsys.readouterr().out
    assert "1 due, 0 held, would erase 1" in out
    item.refresh_from_db()
    assert item.data["claimant"]
    call_command("privacy", "apply-retention")
    item.refresh_from_db()
    assert item.data == {}


def test_periodic_task_applies_retention(claims, agent, media):
    from backoffice.privacy.tasks import apply_retention

    finished_item(claims, agent, 1, days_ago=40)
    services.set_retention_rule(engagement=claims, actor=None, days=30, action="delete")
    assert apply_retention.call() == {"rules": 1, "erased": 1, "held": 0}
