"""Key rotation leaves every value readable; master rotation re-wraps; shredding destroys."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection

from backoffice.core.errors import Conflict, DomainError
from backoffice.tenancy.selectors import TenantAccess
from backoffice.vault import crypto, index, keys, master, services
from backoffice.vault.models import BlindIndex, DataKey, RotationJob
from backoffice.vault.tests.conftest import CLAIMANT, IBAN, POLICY, claim_data
from backoffice.work import services as work
from backoffice.work.models import State, WorkItem
from backoffice.work.services.items import item_values, reveal_item_field
from backoffice.work.services.submit import ITEM_RECORD, ItemInput


def _intake(engagement, n: int) -> None:
    rows = [ItemInput(f"c-{i}", claim_data(i)) for i in range(n)]
    work.submit_items(engagement=engagement, actor=None, rows=rows)


def _opened(engagement) -> dict[str, dict]:
    """Every item's data opened with the tenant's keyring as it is now."""
    keys.forget()
    ring = keys.keyring(engagement.tenant_id)
    from backoffice.vault.fields import open_document, sensitive_fields

    fields = sensitive_fields(engagement.input_schema)
    return {
        i.external_ref: open_document(ring, fields, "data", i.data)
        for i in WorkItem.objects.for_tenant(engagement.tenant_id).filter(engagement=engagement)
    }


def _kids(engagement) -> set[str]:
    items = WorkItem.objects.for_tenant(engagement.tenant_id).filter(engagement=engagement)
    return {i.data["claimant"]["kid"] for i in items}


def test_rotation_in_chunks_keeps_every_value_readable(claims, provider_admin):
    _intake(claims, 23)
    before = _opened(claims)
    job = services.start_rotation(tenant_id=claims.tenant_id, actor=provider_admin)
    assert (job.from_version, job.to_version, job.total) == (1, 2, 23)
    # New intake during the rotation is sealed under the new key at once
    work.submit_item(engagement=claims, actor=None, external_ref="during", data=claim_data(99))
    # Half-way: values sealed by v1 and by v2 both open
    job = services.continue_rotation(
        tenant_id=claims.tenant_id, job_id=job.pk, chunk=5, max_chunks=2
    )
    assert job.status == "running" and job.done == 10
    assert _kids(claims) == {"v1", "v2"}
    assert _opened(claims) == {**before, "during": claim_data(99)}
    job = services.continue_rotation(tenant_id=claims.tenant_id, job_id=job.pk, chunk=5)
    assert job.status == "done"
    assert job.done == 24  # the 23 plus the one that arrived meanwhile
    assert _kids(claims) == {"v2"}
    assert _opened(claims) == {**before, "during": claim_data(99)}
    states = dict(DataKey.objects.for_tenant(claims.tenant_id).values_list("version", "state"))
    assert states == {1: "retired", 2: "active"}
    # the blind index was re-keyed: the search still finds by value
    ring = keys.keyring(claims.tenant_id)
    assert {row.key_version for row in BlindIndex.objects.for_tenant(claims.tenant_id)} == {2}
    item = WorkItem.objects.for_tenant(claims.tenant_id).get(external_ref="c-4")
    assert index.find(ring, ITEM_RECORD, "data.policy_number", f"{POLICY}-4") == [item.pk]


def test_a_second_rotation_waits_for_the_first(claims):
    _intake(claims, 2)
    services.start_rotation(tenant_id=claims.tenant_id, actor=None)
    with pytest.raises(Conflict, match="already running"):
        services.start_rotation(tenant_id=claims.tenant_id, actor=None)
    assert DataKey.objects.for_tenant(claims.tenant_id).count() == 2


def test_a_tenant_without_confidential_data_has_nothing_to_rotate(client_b):
    with pytest.raises(DomainError, match="no confidential data"):
        services.start_rotation(tenant_id=client_b.pk, actor=None)


def test_master_key_rotation_rewraps_data_keys_only(claims, monkeypatch):
    _intake(claims, 3)
    before = _opened(claims)
    stored = {i.pk: i.data for i in WorkItem.objects.for_tenant(claims.tenant_id)}
    new_master = base64.b64encode(bytes(range(100, 132))).decode()
    old_master = base64.b64encode(master.DEV_MASTER_KEY).decode()
    monkeypatch.setenv(master.ENV_KEY, new_master)
    master.reset_master_keys()
    keys.forget()
    try:
        # without the previous master key the data key cannot be unwrapped: an error, not data
        with pytest.raises(crypto.VaultError, match="master key"):
            keys.keyring(claims.tenant_id)
        monkeypatch.setenv(master.ENV_PREVIOUS, old_master)
        master.reset_master_keys()
        assert services.rewrap_data_keys() == 1
        monkeypatch.delenv(master.ENV_PREVIOUS)
        master.reset_master_keys()
        assert _opened(claims) == before
        assert {i.pk: i.data for i in WorkItem.objects.for_tenant(claims.tenant_id)} == stored
    finally:
        master.reset_master_keys()
        keys.forget()


def test_a_wrong_master_key_raises(claims, monkeypatch):
    _intake(claims, 1)
    row = DataKey.objects.for_tenant(claims.tenant_id).get()
    row.master_key_id = crypto.key_fingerprint(master.DEV_MASTER_KEY)
    other = bytes(32)
    monkeypatch.setattr(master, "DEV_MASTER_KEY", other)
    master.reset_master_keys()
    keys.forget()
    try:
        DataKey.objects.for_tenant(claims.tenant_id).update(
            master_key_id=crypto.key_fingerprint(other)
        )
        with pytest.raises(crypto.DecryptionFailed):
            keys.keyring(claims.tenant_id)
    finally:
        monkeypatch.undo()
        master.reset_master_keys()


def _raw_table(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return json.dumps([list(map(str, row)) for row in cursor.fetchall()])


def test_crypto_shredding_leaves_nothing_readable(claims, claims_b, provider_admin, provider):
    _intake(claims, 4)
    _intake(claims_b, 2)
    versions = services.destroy_keys(
        tenant_id=claims.tenant_id, actor=provider_admin, reason="client offboarded"
    )
    assert versions == [1]
    keys.forget()
    # the plaintext is nowhere in the database, and the key is gone
    everything = "".join(
        _raw_table(t)
        for t in ("work_workitem", "vault_datakey", "vault_blindindex", "audit_auditevent")
    )
    for plain in (CLAIMANT, POLICY, IBAN):
        assert plain not in everything
    row = DataKey.objects.for_tenant(claims.tenant_id).get()
    assert (row.state, bytes(row.wrapped), row.master_key_id) == ("destroyed", b"", "")
    assert not BlindIndex.objects.for_tenant(claims.tenant_id).exists()
    # every value refuses to open, in words, and none comes back as ciphertext
    item = WorkItem.objects.for_tenant(claims.tenant_id).first()
    assert item is not None
    with pytest.raises(crypto.KeyDestroyed):
        keys.keyring(claims.tenant_id).open(item.data["claimant"], "data.claimant")
    lead_view, _ = item_values(TenantAccess(provider_admin, provider, "provider_admin"), item)
    assert lead_view["bank_account"] == "(destroyed)"
    with pytest.raises(DomainError, match="cannot be recovered"):
        reveal_item_field(
            access=TenantAccess(provider_admin, provider, "provider_admin"),
            item=item,
            field="data.claimant",
            reason="audit request",
        )
    # the other client is untouched
    assert set(_opened(claims_b)) == {"c-0", "c-1"}


def test_shredding_needs_a_reason(claims):
    _intake(claims, 1)
    with pytest.raises(DomainError, match="Say why"):
        services.destroy_keys(tenant_id=claims.tenant_id, actor=None, reason="  ")
    assert DataKey.objects.for_tenant(claims.tenant_id).get().state == "active"


def test_shredding_stops_a_running_rotation(claims):
    _intake(claims, 3)
    job = services.start_rotation(tenant_id=claims.tenant_id, actor=None)
    services.destroy_keys(tenant_id=claims.tenant_id, actor=None, reason="offboarded")
    assert RotationJob.objects.for_tenant(claims.tenant_id).get(pk=job.pk).status == "failed"


def test_the_rotation_task_runs_the_rotation(claims):
    from backoffice.vault.tasks import rotate_data_key

    _intake(claims, 3)
    job = services.start_rotation(tenant_id=claims.tenant_id, actor=None)
    result = rotate_data_key.call(tenant_id=claims.tenant_id, job_id=job.pk)
    assert result == {"status": "done", "done": 3, "total": 3}


def test_holder_still_reads_after_rotation(claims, agent, provider):
    _intake(claims, 1)
    job = services.start_rotation(tenant_id=claims.tenant_id, actor=None)
    services.continue_rotation(tenant_id=claims.tenant_id, job_id=job.pk)
    item = WorkItem.objects.for_tenant(claims.tenant_id).get()
    work.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    item.refresh_from_db()
    assert item_values(TenantAccess(agent, provider, "agent"), item)[0] == claim_data(0)
