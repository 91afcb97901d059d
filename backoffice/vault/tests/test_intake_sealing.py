"""Intake seals the sensitive fields; only the holder sees them; the blind index finds them."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from backoffice.core.errors import Conflict, DomainError
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import crypto, index, keys
from backoffice.vault.fields import MASK
from backoffice.vault.models import BlindIndex, DataKey
from backoffice.vault.tests.conftest import CLAIMANT, IBAN, POLICY, claim_data
from backoffice.work import services
from backoffice.work.models import State, WorkItem
from backoffice.work.services.items import item_values
from backoffice.work.services.submit import ITEM_RECORD, ItemInput


def _stored(item_id: int) -> str:
    """The item's data as the database holds it (the raw column text)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM work_workitem WHERE id = %s", [item_id])
        return str(cursor.fetchone()[0])


def test_submit_item_seals_the_sensitive_fields_and_nothing_else(claims):
    item, created = services.submit_item(
        engagement=claims, actor=None, external_ref="c-1", data=claim_data()
    )
    assert created
    raw = _stored(item.pk)
    for plain in (CLAIMANT, POLICY, IBAN):
        assert plain not in raw
    stored = json.loads(raw)
    assert stored["amount"] == 100
    assert all(crypto.is_envelope(stored[f]) for f in ("claimant", "policy_number", "bank_account"))
    assert stored["claimant"]["kid"] == "v1"
    assert DataKey.objects.for_tenant(claims.tenant_id).count() == 1


def test_bulk_intake_seals_with_one_key_and_indexes_searchable_fields(claims):
    rows = [ItemInput(f"c-{n}", claim_data(n)) for n in range(25)]
    result = services.submit_items(engagement=claims, actor=None, rows=rows)
    assert result.created == 25
    assert DataKey.objects.for_tenant(claims.tenant_id).count() == 1
    # two searchable fields per item: claimant and policy number, never the bank account
    assert BlindIndex.objects.for_tenant(claims.tenant_id).count() == 50
    ring = keys.keyring(claims.tenant_id)
    found = index.find(ring, ITEM_RECORD, "data.policy_number", f"{POLICY}-7")
    item = WorkItem.objects.for_tenant(claims.tenant_id).get(external_ref="c-7")
    assert found == [item.pk]
    # the search is exact after normalising: case and spaces do not matter, a prefix does
    assert index.find(ring, ITEM_RECORD, "data.policy_number", " pol-77-31415926-7 ") == [item.pk]
    assert index.find(ring, ITEM_RECORD, "data.policy_number", "POL-77") == []
    for n in (0, 24):
        assert f"{POLICY}-{n}" not in _stored(item.pk)


def test_priority_rules_read_the_values_before_they_are_sealed(claims):
    claims.priority_rules = [{"field": "policy_number", "equals": POLICY, "priority": 1}]
    claims.save(update_fields=["priority_rules"])
    item, _ = services.submit_item(
        engagement=claims, actor=None, external_ref="p", data=claim_data()
    )
    assert item.priority == 1


def test_the_holder_sees_values_everyone_else_masks(claims, client_a, agent, lead, provider):
    item, _ = services.submit_item(
        engagement=claims, actor=None, external_ref="c", data=claim_data()
    )
    lead_view, _ = item_values(TenantAccess(lead, provider, "team_lead"), item)
    assert lead_view["claimant"] == MASK
    assert lead_view["bank_account"] == f"{MASK} 3000"
    assert lead_view["amount"] == 100
    services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    item.refresh_from_db()
    mine, _ = item_values(TenantAccess(agent, provider, "agent"), item)
    assert mine == claim_data()


def test_the_agent_s_sensitive_output_is_sealed_too(claims, agent, provider):
    item, _ = services.submit_item(
        engagement=claims, actor=None, external_ref="c", data=claim_data()
    )
    services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    services.complete_item(item=item, actor=agent, output={"diagnosis": "Gout", "decision": "pay"})
    item.refresh_from_db()
    output = item.output or {}
    assert crypto.is_envelope(output["diagnosis"])
    assert output["decision"] == "pay"


def test_a_shredded_tenant_takes_no_new_confidential_data(claims, provider_admin):
    from backoffice.vault import services as vault

    services.submit_item(engagement=claims, actor=None, external_ref="a", data=claim_data())
    vault.destroy_keys(tenant_id=claims.tenant_id, actor=provider_admin, reason="offboarded")
    with pytest.raises(Conflict, match="keys were destroyed") as refused:
        services.submit_item(engagement=claims, actor=None, external_ref="b", data=claim_data(1))
    assert refused.value.code == "key_destroyed"
    assert not WorkItem.objects.for_tenant(claims.tenant_id).filter(external_ref="b").exists()


def test_a_bad_row_in_an_all_or_nothing_batch_writes_no_key_use_and_no_index(claims):
    rows = [ItemInput("ok", claim_data()), ItemInput("bad", {"claimant": "x"})]
    with pytest.raises(DomainError):
        services.submit_items(engagement=claims, actor=None, rows=rows)
    assert not BlindIndex.objects.for_tenant(claims.tenant_id).exists()


def test_forms_and_labelled_fields_never_show_a_sealed_value(claims):
    from backoffice.work.schema import form_fields, shown_fields

    item, _ = services.submit_item(
        engagement=claims, actor=None, external_ref="f", data=claim_data()
    )
    inputs = {f.name: f.value for f in form_fields(claims.input_schema, item.data)}
    assert inputs["claimant"] == inputs["bank_account"] == MASK
    assert inputs["amount"] == 100
    shown = {s.label: s for s in shown_fields(claims.input_schema, item.data)}
    assert shown["Claimant"].text == MASK and shown["Claimant"].kind == "masked"
    assert shown["Claimant"].path == "data.claimant"
    assert "$enc" not in str([s.text for s in shown.values()])
