"""Offboarding: the archive holds everything (manifest hashes check out), then nothing of
the client's item data is readable, the keys are destroyed, the chain verifies, and the
certificate names what went and the archive's hash. A legal hold refuses it, nothing written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

import pytest
from django.core.files.storage import default_storage

from backoffice.audit.models import AuditEvent
from backoffice.audit.verify import verify_tenant_chain
from backoffice.core.errors import DomainError
from backoffice.privacy import offboarding, services
from backoffice.privacy.models import Offboarding
from backoffice.privacy.tests.conftest import database_text, finished_item
from backoffice.vault.models import DataKey
from backoffice.vault.tests.conftest import CLAIMANT

pytestmark = pytest.mark.django_db


def test_offboarding_exports_then_erases_and_certifies(
    client_a, claims, claims_b, agent, media, provider_admin
):
    items = [finished_item(claims, agent, n) for n in (1, 2, 3)]
    other = finished_item(claims_b, agent, 9)  # client B's: untouched
    secrets = [i.data["claimant"]["$enc"] for i in items]
    job = offboarding.start_offboarding(
        org=client_a, actor=provider_admin, confirm="Client A", enqueue=False
    )
    assert (job.status, job.total) == ("running", 3)
    job = offboarding.continue_offboarding(tenant_id=client_a.pk, job_id=job.pk, batch=2)
    assert (job.status, job.done, job.percent) == ("done", 3, 100)

    # The archive: its hash is on the certificate, every file's hash in the manifest
    with default_storage.open(job.archive_file, "rb") as fh:
        body = fh.read()
    assert hashlib.sha256(body).hexdigest() == job.archive_sha256 and len(body) == job.archive_bytes
    zf = zipfile.ZipFile(io.BytesIO(body))
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "backoffice-offboarding/1"
    for entry in manifest["files"]:
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
    lines = [json.loads(x) for x in zf.read("items.jsonl").splitlines()]
    assert [x["data"]["claimant"] for x in lines] == [f"{CLAIMANT} {n}" for n in (1, 2, 3)]
    assert len([n for n in zf.namelist() if n.startswith("attachments/")]) == 3
    assert len([n for n in zf.namelist() if n.startswith("message-files/")]) == 3
    assert "ledger/account.csv" in zf.namelist()
    assert job.exported["items.jsonl"] == 3 and job.exported["files"] == 6

    # Erased: 3 items, 3 files, 3 comments, 3 messages and their 3 files, the data key
    erased = job.erased
    assert (erased["items"], erased["attachments"], erased["comments"]) == (3, 3, 3)
    assert (erased["messages"], erased["message_files"], erased["data_keys"]) == (3, 3, 1)
    dump = database_text()
    assert not any(s in dump for s in secrets)
    assert "Phoned claimant 1" not in dump
    assert not os.listdir(media / "work" / str(client_a.pk) / str(items[0].pk))
    assert DataKey.objects.for_tenant(client_a.pk).get().state == "destroyed"
    assert verify_tenant_chain(client_a.pk) is None
    actions = list(
        AuditEvent.objects.for_tenant(client_a.pk)
        .filter(action__startswith="privacy.")
        .values_list("action", flat=True)
    )
    assert actions.count("privacy.data_erased") == 2  # two batches of at most 2
    assert actions[-1] == "privacy.offboarding_finished"
    other.refresh_from_db()
    assert other.data["claimant"]["$enc"] in dump
    # Once done, a second offboarding is refused
    with pytest.raises(DomainError) as exc:
        offboarding.start_offboarding(org=client_a, actor=provider_admin, confirm="Client A")
    assert exc.value.code == "offboarding_running"


def test_offboarding_under_legal_hold_is_refused_with_nothing_written(
    client_a, claims, agent, media, provider_admin
):
    finished_item(claims, agent, 1)
    services.place_hold(
        tenant_id=client_a.pk,
        actor=provider_admin,
        scope="engagement",
        engagement=claims,
        reason="Tax inspection",
    )
    before = database_text()
    with pytest.raises(DomainError) as exc:
        offboarding.start_offboarding(org=client_a, actor=provider_admin, confirm="Client A")
    assert exc.value.code == "legal_hold_active"
    assert (
        "legal hold" in exc.value.message and "nothing was exported or erased" in exc.value.message
    )
    assert database_text() == before
    assert not Offboarding.objects.for_tenant(client_a.pk).exists()


def test_offboarding_needs_the_name_typed(client_a, provider_admin):
    with pytest.raises(DomainError) as exc:
        offboarding.start_offboarding(org=client_a, actor=provider_admin, confirm="client a")
    assert exc.value.code == "offboarding_confirmation_required"
    assert "Client A" in exc.value.message
