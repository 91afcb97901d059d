"""A confidential value never reaches the audit chain, the logs, error reports, the API or
pages of someone who may not see it; the agent holding the item sees it."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.test import Client

from backoffice.tenancy.tests.factories import make_token
from backoffice.vault import services as vault
from backoffice.vault.tests.conftest import CLAIMANT, DIAGNOSIS, IBAN, POLICY, claim_data
from backoffice.work import services as work
from backoffice.work.models import State, WorkItem
from backoffice.work.services.submit import ItemInput

SECRETS = (CLAIMANT, POLICY, IBAN, DIAGNOSIS)


def _api(user, tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user, tenant)}"})


def _audit_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT action, object_type, object_id, before, after FROM audit_auditevent")
        return json.dumps([list(map(str, r)) for r in cursor.fetchall()])


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "Zebulon" not in text and "31415926" not in text and "tibia" not in text


@pytest.fixture
def worked(claims, agent, user_a, provider):
    """An item submitted through the API by the client, claimed, completed with a
    confidential result, revealed once with a reason; plus a bulk batch."""
    c = _api(user_a, claims.tenant)
    r = c.post(
        f"/api/v1/work/engagements/{claims.pk}/items",
        {"external_ref": "api-1", "data": claim_data()},
        content_type="application/json",
        headers={"Idempotency-Key": "k-1"},
    )
    assert r.status_code == 201, r.content
    assert CLAIMANT not in r.content.decode()  # the echo is masked too (and so is its replay)
    work.submit_items(
        engagement=claims, actor=None, rows=[ItemInput(f"b-{i}", claim_data(i)) for i in range(3)]
    )
    item = WorkItem.objects.for_tenant(claims.tenant_id).get(external_ref="api-1")
    work.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    work.complete_item(item=item, actor=agent, output={"diagnosis": DIAGNOSIS, "decision": "pay"})
    item.refresh_from_db()
    return item


def test_the_audit_chain_holds_no_confidential_value(worked, lead, provider, claims):
    r = _api(lead, provider).post(
        f"/api/v1/work/items/{worked.pk}/reveal",
        {"field": "data.bank_account", "reason": "payment bounced, checking the account"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["value"] == IBAN
    vault.start_rotation(tenant_id=claims.tenant_id, actor=None)
    text = _audit_text()
    assert "vault.value_revealed" in text and "data.bank_account" in text
    _clean(text)


def test_the_idempotency_records_hold_no_confidential_value(worked):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_idempotencyrecord")
        _clean(json.dumps([list(map(str, r)) for r in cursor.fetchall()]))


def test_the_api_masks_for_everyone_but_the_holder(worked, lead, provider, agent, user_a, qa):
    for who, tenant in ((lead, provider), (user_a, worked.tenant), (qa, provider)):
        c = _api(who, tenant)
        one = c.get(f"/api/v1/work/items/{worked.pk}")
        listed = c.get("/api/v1/work/items")
        assert one.status_code == listed.status_code == 200
        _clean(one.content.decode() + listed.content.decode())
        assert one.json()["data"]["claimant"] == "••••"
        assert one.json()["data"]["bank_account"] == "•••• 3000"
        assert one.json()["output"]["diagnosis"] == "••••"
        assert one.json()["data"]["amount"] == 100


def test_the_holder_sees_the_values_through_the_api(claims, agent, provider):
    item, _ = work.submit_item(engagement=claims, actor=None, external_ref="h", data=claim_data())
    work.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    r = _api(agent, provider).get(f"/api/v1/work/items/{item.pk}")
    assert r.json()["data"] == claim_data()


def test_pages_mask_for_others_and_show_the_holder(worked, claims, lead, agent):
    web = Client()
    web.force_login(lead)
    page = web.get(f"/t/{claims.tenant.slug}/work/items/{worked.pk}/")
    assert page.status_code == 200
    _clean(page.content.decode())
    assert "•••• 3000" in page.content.decode()
    assert "Reveal" in page.content.decode()
    item, _ = work.submit_item(engagement=claims, actor=None, external_ref="h", data=claim_data())
    work.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    web.force_login(agent)
    mine = web.get(f"/t/{claims.tenant.slug}/work/items/{item.pk}/").content.decode()
    assert CLAIMANT in mine and IBAN in mine


def test_logs_hold_no_confidential_value(claims, user_a, lead, provider, caplog):
    caplog.set_level(logging.DEBUG)
    c = _api(user_a, claims.tenant)
    c.post(
        f"/api/v1/work/engagements/{claims.pk}/items",
        {"external_ref": "log-1", "data": claim_data()},
        content_type="application/json",
    )
    c.post(  # a refused one: the error names the field, never the value
        f"/api/v1/work/engagements/{claims.pk}/items",
        {"external_ref": "log-2", "data": {**claim_data(), "amount": -1}},
        content_type="application/json",
    )
    item = WorkItem.objects.for_tenant(claims.tenant_id).get(external_ref="log-1")
    _api(lead, provider).post(
        f"/api/v1/work/items/{item.pk}/reveal",
        {"field": "data.claimant", "reason": "checking a duplicate"},
        content_type="application/json",
    )
    _clean(caplog.text + json.dumps([r.getMessage() for r in caplog.records]))


def test_an_error_report_holds_no_confidential_value(claims, agent, caplog, monkeypatch):
    """A page failing while the holder's values are in hand: the logged error report
    (what the operators see) does not carry them; the response is a plain 500."""
    from backoffice.work.views import items as views

    item, _ = work.submit_item(engagement=claims, actor=None, external_ref="e", data=claim_data())
    work.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)

    def broken(*args, **kwargs):
        raise RuntimeError("the template engine broke")

    monkeypatch.setattr(views, "render", broken)
    web = Client(raise_request_exception=False)
    web.force_login(agent)
    caplog.set_level(logging.ERROR)
    r = web.get(f"/t/{claims.tenant.slug}/work/items/{item.pk}/")
    assert r.status_code == 500
    assert caplog.records, "the failure is logged"
    _clean(caplog.text + r.content.decode())
