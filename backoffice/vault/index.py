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

from django.db import connection

from backoffice.core import pgcopy
from backoffice.vault.keys import Keyring
from backoffice.vault.models import BlindIndex

_COLUMNS = "tenant_id, record_type, record_id, field, digest, key_version"


def add_digests(ring: Keyring, record_type: str, rows: Iterable[tuple[int, dict[str, str]]]) -> int:
    """Store the digests of new records ((record id, {field: digest})), made under the
    ring's active key, in one COPY on PostgreSQL (intake writes them in bulk). Returns how
    many were written."""
    tenant, version = ring.tenant_id, ring.active_version
    cells = [
        (tenant, record_type, record_id, field, digest, version)
        for record_id, digests in rows
        for field, digest in digests.items()
    ]
    if not cells:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            lines = (
                f"{t}\t{pgcopy.text(kind)}\t{rid}\t{pgcopy.text(f)}\t{d}\t{v}\n"
                for t, kind, rid, f, d, v in cells
            )
            pgcopy.copy_lines(cursor.cursor, "vault_blindindex", _COLUMNS, lines)
        else:
            cursor.executemany(
                f"INSERT INTO vault_blindindex ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
                cells,
            )
    return len(cells)


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
