"""The certificate of destruction of an offboarding: what was exported (the archive's
SHA-256), what was erased, when and by whom. Built from the job row and the tenant's
tombstones; it names no personal value."""

from __future__ import annotations

from typing import Any

from backoffice.privacy.models import Erasure, Offboarding
from backoffice.tenancy.models import Organization

KEPT = [
    "Item rows without their data (state, dates, engagement): billing keeps their ids and counts.",
    "Ledger and commerce records: immutable books kept for the statutory period (exported).",
    "The audit trail: hash-chained and append-only; erasures appear in it as tombstones.",
]


def certificate(job: Offboarding) -> dict[str, Any]:
    org = Organization.objects.get(pk=job.tenant_id)
    tombstones = Erasure.objects.for_tenant(job.tenant_id).filter(
        kind=Erasure.Kind.OFFBOARDING, at__gte=job.started_at
    )
    return {
        "format": "backoffice-certificate-of-destruction/1",
        "organization": {"id": org.pk, "name": org.name, "slug": org.slug},
        "offboarding": job.pk,
        "status": job.status,
        "started_at": job.started_at.isoformat(),
        "exported_at": job.exported_at.isoformat() if job.exported_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "started_by": job.started_by.get_username() if job.started_by else None,
        "archive": {"sha256": job.archive_sha256, "bytes": job.archive_bytes, "rows": job.exported},
        "erased": job.erased,
        "tombstones": [
            {
                "id": t.pk,
                "at": t.at.isoformat(),
                "items": t.counts.get("items", 0),
                "first_item": t.item_first_id,
                "last_item": t.item_last_id,
            }
            for t in tombstones.order_by("at", "pk")
        ],
        "kept": KEPT,
    }
