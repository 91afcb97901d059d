"""A client's offboarding: export everything it owns, then erase it, then the certificate.

`start_offboarding` checks (the organization's name typed to confirm, no legal hold, no
offboarding running or done) and queues `tasks.run_offboarding`, which calls
`continue_offboarding`: the archive (`archive.py`), then the items' data erased a batch per
transaction (progress on the job), the other conversations, the subject-access exports,
and the vault's data keys destroyed (crypto-shredding: sealed copies in backups become
unreadable). The finished job is the certificate of destruction. Ledger and commerce rows
are exported but kept: they are immutable books that the law makes the provider keep.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError
from backoffice.core.rls import set_rls_tenants
from backoffice.privacy import archive, erase, events
from backoffice.privacy.error_codes import ErrorCode
from backoffice.privacy.models import Action, ErasedItem, Erasure, Offboarding, SubjectRequest
from backoffice.tenancy.models import Organization, User
from backoffice.vault import services as vault
from backoffice.vault.models import DataKey
from backoffice.work.models import WorkItem

BATCH = 500


def _refuse_if_held(tenant_id: int) -> None:
    if erase.active_holds(tenant_id).any:
        raise DomainError(
            "This client has data under a legal hold, so it cannot be offboarded: nothing "
            "was exported or erased. Release the holds first.",
            code=ErrorCode.LEGAL_HOLD,
            status=409,
        )


def start_offboarding(
    *, org: Organization, actor: User | None, confirm: str, enqueue: bool = True
) -> Offboarding:
    from backoffice.privacy.tasks import run_offboarding

    if org.is_provider:
        raise DomainError(
            "Only a client organization can be offboarded.", code=ErrorCode.NOT_A_CLIENT
        )
    if (confirm or "").strip() != org.name:
        raise DomainError(
            f"Type the organization's name, {org.name}, to confirm.",
            code=ErrorCode.CONFIRMATION_REQUIRED,
            fields={"confirm": ["Type the organization's name to confirm."]},
        )
    with transaction.atomic():
        set_rls_tenants([org.pk])
        _refuse_if_held(org.pk)
        jobs = Offboarding.objects.for_tenant(org.pk)
        if jobs.filter(status__in=["running", "done"]).exists():
            raise Conflict(
                "This client is already being offboarded, or was offboarded.",
                code=ErrorCode.OFFBOARDING_RUNNING,
            )
        total = WorkItem.objects.for_tenant(org.pk).count()
        job = Offboarding.objects.create(
            tenant_id=org.pk, total=total, started_by=actor, started_at=timezone.now()
        )
        events.record(tenant=org.pk, actor=actor, event=events.offboarding_started_event(job))
        if enqueue:
            transaction.on_commit(lambda: run_offboarding.enqueue(tenant_id=org.pk, job_id=job.pk))
    return job


def _job(tenant_id: int, job_id: int) -> Offboarding:
    return Offboarding.objects.for_tenant(tenant_id).select_for_update().get(pk=job_id)


def _export(tenant_id: int, job_id: int) -> None:
    built = archive.build_archive(tenant_id=tenant_id, job_id=job_id)
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = _job(tenant_id, job_id)
        job.archive_file, job.archive_sha256 = built.path, built.sha256
        job.archive_bytes, job.exported = built.size, built.rows
        job.exported_at, job.stage = timezone.now(), "erase"
        job.save()
        events.record(tenant=tenant_id, actor=None, event=events.offboarding_exported_event(job))


def _add(totals: dict[str, int], counts: dict[str, int]) -> dict[str, int]:
    out = dict(totals)
    for key, value in counts.items():
        out[key] = out.get(key, 0) + int(value)
    return out


def _erase_batch(tenant_id: int, job_id: int, batch: int) -> bool:
    """One batch of items erased; False when none was left."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = _job(tenant_id, job_id)
        _refuse_if_held(tenant_id)  # a hold placed meanwhile stops the job
        erased = ErasedItem.objects.for_tenant(tenant_id).values("item_id")
        ids = list(
            WorkItem.objects.for_tenant(tenant_id)
            .exclude(pk__in=erased)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return False
        tomb = erase.erase_items(
            tenant_id=tenant_id,
            item_ids=ids,
            action=Action.DELETE,
            kind=Erasure.Kind.OFFBOARDING,
            actor=job.started_by,
        )
        job.done = min(job.total, job.done + len(ids))
        job.erased = _add(job.erased, tomb.counts if tomb else {})
        job.save(update_fields=["done", "erased"])
    return True


def _finish(tenant_id: int, job_id: int) -> Offboarding:
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = _job(tenant_id, job_id)
        talk = erase.erase_other_conversations(tenant_id)
        exports = SubjectRequest.objects.for_tenant(tenant_id).exclude(export_file="")
        names = list(exports.values_list("export_file", flat=True))
        exports.update(export_file="")
        for name in names:
            default_storage.delete(name)
        job.erased = _add(job.erased, {**talk, "subject_exports": len(names)})
        job.save(update_fields=["erased"])
    live = DataKey.objects.for_tenant(tenant_id).exclude(state=DataKey.State.DESTROYED)
    if live.exists():
        versions = vault.destroy_keys(
            tenant_id=tenant_id, actor=None, reason=f"Offboarding #{job_id}"
        )
    else:
        versions = []
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = _job(tenant_id, job_id)
        job.erased = _add(job.erased, {"data_keys": len(versions)})
        job.status, job.stage, job.done = Offboarding.Status.DONE, "done", job.total
        job.finished_at = timezone.now()
        job.save()
        events.record(tenant=tenant_id, actor=None, event=events.offboarding_finished_event(job))
    return job


def continue_offboarding(*, tenant_id: int, job_id: int, batch: int = BATCH) -> Offboarding:
    """Run (or resume) the job: export once, erase batch by batch, finish."""
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = Offboarding.objects.for_tenant(tenant_id).get(pk=job_id)
    if job.status != Offboarding.Status.RUNNING:
        return job
    if not job.archive_file:
        _export(tenant_id, job_id)
    while _erase_batch(tenant_id, job_id, batch):
        pass
    return _finish(tenant_id, job_id)


def fail_offboarding(*, tenant_id: int, job_id: int, error: str) -> None:
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        job = _job(tenant_id, job_id)
        job.status, job.error, job.finished_at = (
            Offboarding.Status.FAILED,
            error[:1000],
            timezone.now(),
        )
        job.save(update_fields=["status", "error", "finished_at"])
        events.record(tenant=tenant_id, actor=None, event=events.offboarding_finished_event(job))
