"""The blind index: exact-match search on sensitive fields without storing their values.

Each searchable field of a record keeps one digest (keyed HMAC-SHA256 of the normalised
value, the key derived from the tenant's data key, truncated to 128 bits). A search computes
the digest of the value sought under every live key version (during a rotation records
carry either) and looks the digests up through the (tenant, record type, field, digest)
index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from backoffice.vault.keys import Keyring
from backoffice.vault.models import BlindIndex


def add_digests(ring: Keyring, record_type: str, rows: Iterable[tuple[int, dict[str, str]]]) -> int:
    """Store the digests of new records ((record id, {field: digest})), sealed under the
    ring's active key. Returns how many were written."""
    objs = [
        BlindIndex(
            tenant_id=ring.tenant_id,
            record_type=record_type,
            record_id=record_id,
            field=field,
            digest=digest,
            key_version=ring.active_version,
        )
        for record_id, digests in rows
        for field, digest in digests.items()
    ]
    BlindIndex.objects.bulk_create(objs, batch_size=5000)
    return len(objs)


def replace_digests(
    ring: Keyring, record_type: str, rows: Sequence[tuple[int, dict[str, str]]]
) -> None:
    """Re-key the digests of existing records (rotation): the old ones go, the new ones come."""
    ids = [record_id for record_id, _ in rows]
    if not ids:
        return
    BlindIndex.objects.for_tenant(ring.tenant_id).filter(
        record_type=record_type, record_id__in=ids
    ).delete()
    add_digests(ring, record_type, rows)


def find(ring: Keyring, record_type: str, field: str, value: Any) -> list[int]:
    """The ids of the tenant's records whose `field` equals `value` (after normalising)."""
    digests = {ring.digest(field, value, version) for version in ring.keys}
    if not digests:
        return []
    return list(
        BlindIndex.objects.for_tenant(ring.tenant_id)
        .filter(record_type=record_type, field=field, digest__in=digests)
        .order_by("record_id")
        .values_list("record_id", flat=True)
    )
