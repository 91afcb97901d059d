"""The vault's state changes: reveals, data-key rotation, master-key re-wrapping and
crypto-shredding. Keyword-only, one transaction each (rotation: one per chunk), the audit
event inside it; no event or error message ever holds a sensitive value."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError
from backoffice.core.rls import set_rls_bypass, set_rls_tenants
from backoffice.tenancy.models import User
from backoffice.vault import events, keys, stores
from backoffice.vault.crypto import new_key
from backoffice.vault.error_codes import ErrorCode
from backoffice.vault.master import load_master_keys
from backoffice.vault.models import BlindIndex, DataKey, RotationJob

CHUNK = 500
MAX_REASON = 500


def _reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(
            f"Say why you need to {what}: the reason is kept in the audit trail.",
            code=ErrorCode.REASON_REQUIRED,
            fields={"reason": ["Give a reason."]},
        )
    if len(text) > MAX_REASON:
        raise DomainError(
            f"Keep the reason to {MAX_REASON} characters.",
            code=ErrorCode.REASON_REQUIRED,
            fields={"reason": [f"At most {MAX_REASON} characters."]},
        )
    return text


def record_reveal(
    *,
    tenant_id: int,
    actor: User,
    record_type: str,
    record_id: int,
    field: str,
    reason: str,
) -> None:
    """Audit one reveal of one field (caller's transaction): refused without a reason, and
    then nothing is written. The event names the field and the record, never the value."""
    text = _reason(reason, "see this value")
    event = events.value_revealed_event(
        record_type=record_type, record_id=record_id, field=field, reason=text
    )
    events.record(tenant=tenant_id, actor=actor, event=event)


# --- rotation ---------------------------------------------------------------------------------


def start_rotation(*, tenant_id: int, actor: User | None) -> RotationJob:
    """Make a new data key version the one that seals, and start re-sealing the tenant's
    values under it in the background. Old versions keep opening what they sealed, so
    nothing stops meanwhile. One rotation per tenant at a time."""
    from backoffice.vault.tasks import rotate_data_key

    with transaction.atomic():
        set_rls_tenants([tenant_id])
        current = (
            DataKey.objects.for_tenant(tenant_id)
            .select_for_update()
            .filter(state=DataKey.State.ACTIVE)
            .first()
        )
        if current is None:
            if DataKey.objects.for_tenant(tenant_id).exists():
                raise DomainError(
                    "This organization's keys were destroyed; there is nothing to rotate.",
                    code=ErrorCode.KEY_DESTROYED,
                )
            raise DomainError(
                "This organization has no confidential data yet, so it has no key to rotate.",
                code=ErrorCode.NO_KEY,
            )
        if RotationJob.objects.for_tenant(tenant_id).filter(status="running").exists():
            raise Conflict(
                "A rotation is already running for this organization; wait for it to finish.",
                code=ErrorCode.ROTATION_RUNNING,
            )
        current.state = DataKey.State.RETIRING
        current.save(update_fields=["state"])
        keys.wrapped_row(tenant_id, current.version + 1, new_key()).save()
        total = sum(store.count(tenant_id) for store in stores.all_stores())
        job = RotationJob.objects.create(
            tenant_id=tenant_id,
            from_version=current.version,
            to_version=current.version + 1,
            total=total,
            started_by=actor,
        )
        events.record(tenant=tenant_id, actor=actor, event=events.rotation_started_event(job))
        transaction.on_commit(lambda: keys.forget(tenant_id))
        transaction.on_commit(lambda: rotate_data_key.enqueue(tenant_id=tenant_id, job_id=job.pk))
    return job


def continue_rotation(
    *, tenant_id: int, job_id: int, chunk: int = CHUNK, max_chunks: int | None = None
) -> RotationJob:
    """Re-seal the job's remaining records, a transaction per chunk, the job's progress
    saved with each; resumes where a stopped worker left off."""
    keys.forget(tenant_id)
    chunks = 0
    for store in stores.all_stores():
        while max_chunks is None or chunks < max_chunks:
            with transaction.atomic():
                set_rls_tenants([tenant_id])
                job = RotationJob.objects.for_tenant(tenant_id).select_for_update().get(pk=job_id)
                if job.status != RotationJob.Status.RUNNING:
                    return job
                ring = keys.require_sealing(keys.keyring(tenant_id))
                after = int(job.cursor.get(store.name, 0))
                last, read = store.reseal(ring, after_id=after, limit=chunk)
                if not read:
                    break
                job.cursor = {**job.cursor, store.name: last}
                job.done += read
                job.save(update_fields=["cursor", "done"])
            chunks += 1
        else:
            return RotationJob.objects.for_tenant(tenant_id).get(pk=job_id)
    return _finish_rotation(tenant_id, job_id)


def _finish_rotation(tenant_id: int, job_id: int) -> RotationJob:
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = RotationJob.objects.for_tenant(tenant_id).select_for_update().get(pk=job_id)
        if job.status != RotationJob.Status.RUNNING:
            return job
        DataKey.objects.for_tenant(tenant_id).filter(
            state=DataKey.State.RETIRING, version__lt=job.to_version
        ).update(state=DataKey.State.RETIRED, retired_at=timezone.now())
        job.status = RotationJob.Status.DONE
        job.total = max(job.total, job.done)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "total", "finished_at"])
        events.record(tenant=tenant_id, actor=None, event=events.rotation_finished_event(job))
    keys.forget(tenant_id)
    return job


def fail_rotation(*, tenant_id: int, job_id: int, error: str) -> None:
    """Mark a rotation failed (the worker caught an error); old keys still open everything."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = RotationJob.objects.for_tenant(tenant_id).select_for_update().get(pk=job_id)
        job.status = RotationJob.Status.FAILED
        job.error = error[:1000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        events.record(tenant=tenant_id, actor=None, event=events.rotation_finished_event(job))


# --- master key, shredding ------------------------------------------------------------------------


def rewrap_data_keys(*, actor: User | None = None) -> int:
    """Wrap every live data key under the current master key (after the master key was
    changed; the old one is in BACKOFFICE_MASTER_KEY_PREVIOUS until this has run). The
    values are not touched. Returns how many keys were re-wrapped."""
    masters = load_master_keys()
    done = 0
    with transaction.atomic():
        set_rls_bypass()
        stale = (
            DataKey.objects.unscoped("the master key wraps every tenant's keys")
            .exclude(state=DataKey.State.DESTROYED)
            .exclude(master_key_id=masters.current_id)
            .select_for_update()
            .order_by("tenant_id", "version")
        )
        by_tenant: dict[int, list[int]] = {}
        for row in stale:
            ring = keys.keyring(row.tenant_id)
            key = ring.keys.get(row.version)
            if key is None:
                keys.forget(row.tenant_id)
                key = keys.keyring(row.tenant_id).keys[row.version]
            fresh = keys.wrapped_row(row.tenant_id, row.version, key)
            row.wrapped, row.master_key_id = fresh.wrapped, fresh.master_key_id
            row.save(update_fields=["wrapped", "master_key_id"])
            by_tenant.setdefault(row.tenant_id, []).append(row.version)
            done += 1
        for tenant_id, versions in by_tenant.items():
            event = events.keys_rewrapped_event(
                tenant_id=tenant_id, versions=versions, master_key_id=masters.current_id
            )
            events.record(tenant=tenant_id, actor=actor, event=event)
    keys.forget()
    return done


def destroy_keys(*, tenant_id: int, actor: User | None, reason: str) -> list[int]:
    """Crypto-shredding: destroy every data key of the tenant, so every value they sealed
    is unrecoverable (backups included: they hold only wrapped keys, and the wrapped keys
    are blanked here). The blind index goes too. This cannot be undone."""
    text = _reason(reason, "destroy this organization's keys")
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        rows = list(
            DataKey.objects.for_tenant(tenant_id)
            .select_for_update()
            .exclude(state=DataKey.State.DESTROYED)
            .order_by("version")
        )
        if not rows:
            raise DomainError(
                "This organization has no live data key to destroy.", code=ErrorCode.NO_KEY
            )
        now = timezone.now()
        RotationJob.objects.for_tenant(tenant_id).filter(status="running").update(
            status=RotationJob.Status.FAILED, error="The keys were destroyed.", finished_at=now
        )
        for row in rows:
            row.state = DataKey.State.DESTROYED
            row.wrapped = b""
            row.master_key_id = ""
            row.destroyed_at = now
            row.save(update_fields=["state", "wrapped", "master_key_id", "destroyed_at"])
        BlindIndex.objects.for_tenant(tenant_id).delete()
        versions = [r.version for r in rows]
        event = events.keys_destroyed_event(tenant_id=tenant_id, versions=versions, reason=text)
        events.record(tenant=tenant_id, actor=actor, event=event)
        transaction.on_commit(lambda: keys.forget(tenant_id))
    keys.forget(tenant_id)
    return versions
