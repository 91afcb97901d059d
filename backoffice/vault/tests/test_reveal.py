"""Reveal: with a reason it shows one value and is audited; without, refused, nothing written."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import DomainError, Forbidden
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import make_token
from backoffice.vault.tests.conftest import CLAIMANT, IBAN, claim_data
from backoffice.work import services as work
from backoffice.work.services.items import reveal_item_field


def _events(tenant_id: int, action: str = "vault.value_revealed") -> list[AuditEvent]:
    return list(AuditEvent.objects.for_tenant(tenant_id).filter(action=action))


@pytest.fixture
def item(claims):
    found, _ = work.submit_item(engagement=claims, actor=None, external_ref="r", data=claim_data())
    return found


def test_a_reveal_with_a_reason_shows_the_value_and_is_audited(item, lead, provider):
    access = TenantAccess(lead, provider, "team_lead")
    value = reveal_item_field(access=access, item=item, field="data.claimant", reason="duplicate?")
    assert value == CLAIMANT
    (event,) = _events(item.tenant_id)
    assert event.actor_id == lead.pk
    assert (event.object_type, event.object_id) == ("work.workitem", str(item.pk))
    assert event.after == {"field": "data.claimant", "reason": "duplicate?"}


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reveal_without_a_reason_is_refused_and_nothing_is_written(item, lead, provider, reason):
    access = TenantAccess(lead, provider, "team_lead")
    before = AuditEvent.objects.for_tenant(item.tenant_id).count()
    with pytest.raises(DomainError, match="Say why") as refused:
        reveal_item_field(access=access, item=item, field="data.claimant", reason=reason)
    assert refused.value.code == "reveal_reason_required"
    assert AuditEvent.objects.for_tenant(item.tenant_id).count() == before


def test_a_role_without_the_permission_cannot_reveal(item, agent, provider):
    with pytest.raises(Forbidden):
        reveal_item_field(
            access=TenantAccess(agent, provider, "agent"),
            item=item,
            field="data.claimant",
            reason="curious",
        )
    assert not _events(item.tenant_id)


@pytest.mark.parametrize("field", ["data.amount", "data.nope", "claimant", "output.decision"])
def test_only_confidential_fields_are_revealed(item, lead, provider, field):
    with pytest.raises(DomainError, match="not a confidential field"):
        reveal_item_field(
            access=TenantAccess(lead, provider, "team_lead"), item=item, field=field, reason="x"
        )
    assert not _events(item.tenant_id)


def _api(user, tenant) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user, tenant)}"})


def test_the_api_refuses_a_reveal_without_a_reason_in_words(item, lead, provider):
    r = _api(lead, provider).post(
        f"/api/v1/work/items/{item.pk}/reveal",
        {"field": "data.bank_account"},
        content_type="application/json",
    )
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "reveal_reason_required"
    assert "Say why" in body["message"] and IBAN not in r.content.decode()
    assert not _events(item.tenant_id)


def test_the_api_refuses_roles_without_the_permission(item, agent, provider):
    r = _api(agent, provider).post(
        f"/api/v1/work/items/{item.pk}/reveal",
        {"field": "data.bank_account", "reason": "curious"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_another_tenant_s_item_is_not_found(claims_b, user_a, client_a):
    """Client A's admin (who may reveal in A) asks for client B's item: 404, nothing written."""
    other, _ = work.submit_item(
        engagement=claims_b, actor=None, external_ref="o", data=claim_data()
    )
    r = _api(user_a, client_a).post(
        f"/api/v1/work/items/{other.pk}/reveal",
        {"field": "data.claimant", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert not _events(other.tenant_id)


def test_the_page_reveals_one_field_with_a_reason(item, lead, claims):
    web = Client()
    web.force_login(lead)
    url = f"/t/{claims.tenant.slug}/work/items/{item.pk}/act/"
    refused = web.post(url, {"_action": "reveal", "field": "data.claimant", "reason": ""})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Say why" in text and CLAIMANT not in text
    assert not _events(item.tenant_id)
    shown = web.post(url, {"_action": "reveal", "field": "data.claimant", "reason": "a call"})
    assert shown.status_code == 200
    assert CLAIMANT in shown.content.decode()
    assert IBAN not in shown.content.decode()  # only the one field
    assert shown["Cache-Control"] == "no-store"
    assert len(_events(item.tenant_id)) == 1
    # a reload masks it again
    assert (
        CLAIMANT not in web.get(f"/t/{claims.tenant.slug}/work/items/{item.pk}/").content.decode()
    )
